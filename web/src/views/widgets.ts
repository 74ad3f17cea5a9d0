// Small pieces shared by several views: badges, the language toggle, and navigation links.
import type { Severity } from '../../../schemas/enums.js';
import { h } from '../dom.js';
import { lang, setLang, t } from '../i18n/index.js';

export function languageButton(): HTMLButtonElement {
  return h(
    'button',
    { type: 'button', class: 'ghost lang-toggle', onclick: () => setLang(lang() === 'zh' ? 'en' : 'zh') },
    t().otherLanguage,
  );
}

export const severityBadge = (severity: Severity): HTMLElement =>
  h('span', { class: `badge sev sev-${severity}` }, t().severity[severity]);

export const badge = (text: string, kind: string): HTMLElement => h('span', { class: `badge ${kind}` }, text);

/** An in-app link: history navigation without a page load (main.ts listens for these). */
export const navLink = (path: string, ...children: (string | Node)[]): HTMLAnchorElement =>
  h('a', { href: path, 'data-nav': true }, ...children);

export function card(title: string, ...body: (Node | string | null)[]): HTMLElement {
  return h('section', { class: 'card' }, h('h2', {}, title), ...body);
}
