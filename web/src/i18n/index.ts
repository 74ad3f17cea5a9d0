// The current language (Chinese unless the user chose English on this browser) and its dictionary.
// Views read strings through t() at render time and re-render on a switch.
import { en } from './en.js';
import { type Dictionary, zh } from './zh.js';

export type Lang = 'zh' | 'en';

const DICTIONARIES: Record<Lang, Dictionary> = { zh, en };
const STORAGE_KEY = 'em.lang';

let current: Lang = localStorage.getItem(STORAGE_KEY) === 'en' ? 'en' : 'zh';
const listeners = new Set<() => void>();

export const t = (): Dictionary => DICTIONARIES[current];
export const lang = (): Lang => current;

export function setLang(next: Lang): void {
  current = next;
  localStorage.setItem(STORAGE_KEY, next);
  document.documentElement.lang = t().lang;
  for (const listener of listeners) listener();
}

export function onLangChange(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

document.documentElement.lang = t().lang;
