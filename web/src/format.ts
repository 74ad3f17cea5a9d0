// Times as officers read them: in China Standard Time whatever the browser's zone, since curfew
// windows and leave periods are set in Asia/Shanghai local time (zones.ts schedule).
import { lang, t } from './i18n/index.js';

const TIME_ZONE = 'Asia/Shanghai';

export function dateTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  return new Intl.DateTimeFormat(lang() === 'zh' ? 'zh-CN' : 'en-GB', {
    timeZone: TIME_ZONE,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hour12: false,
  }).format(new Date(iso));
}

export function date(iso: string | null | undefined): string {
  if (!iso) return '—';
  return new Intl.DateTimeFormat(lang() === 'zh' ? 'zh-CN' : 'en-GB', {
    timeZone: TIME_ZONE,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(new Date(iso));
}

export function age(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return '—';
  const minutes = Math.floor((now - Date.parse(iso)) / 60_000);
  if (minutes < 1) return t().time.justNow;
  if (minutes < 60) return t().time.minutesAgo(minutes);
  if (minutes < 48 * 60) return t().time.hoursAgo(Math.floor(minutes / 60));
  return t().time.daysAgo(Math.floor(minutes / 1440));
}

/** China Standard Time: UTC+8 all year (no daylight saving since 1991). */
const CST_OFFSET_MS = 8 * 3600_000;

/** A `datetime-local` input value showing an instant in China Standard Time, like every other time here. */
export function toCstInput(ms: number): string {
  return new Date(ms + CST_OFFSET_MS).toISOString().slice(0, 16);
}

/** The instant a `datetime-local` value means when read as China Standard Time. */
export function fromCstInput(value: string): number {
  return Date.parse(`${value}:00+08:00`);
}
