// EM orders (Community Corrections Law Art. 29): a legal ground, an approver (head of the county
// justice bureau), and a period of at most 3 months; a renewal is a new approved period.
import { EmGround } from '../../../schemas/enums.js';
import { SHANGHAI_OFFSET_MS } from './curfew-schedule.js';

export interface EmOrder {
  readonly id: string;
  readonly ground: EmGround | string;
  /** Who approved it; Art. 29 requires the head of the county justice bureau. */
  readonly approvedBy: string | null;
  readonly start: number;
  readonly end: number;
}

export type Validation = { readonly ok: true } | { readonly ok: false; readonly reasons: readonly string[] };

/** `ts` plus `months` calendar months in Asia/Shanghai, clamped to the month's last day (31 Jan + 1 = 28/29 Feb). */
export function addLocalMonths(ts: number, months: number): number {
  const local = new Date(ts + SHANGHAI_OFFSET_MS);
  const y = local.getUTCFullYear();
  const m = local.getUTCMonth() + months;
  const lastDay = new Date(Date.UTC(y, m + 1, 0)).getUTCDate();
  const day = Math.min(local.getUTCDate(), lastDay);
  const msOfDay = ts + SHANGHAI_OFFSET_MS - Date.UTC(y, local.getUTCMonth(), local.getUTCDate());
  return Date.UTC(y, m, day) + msOfDay - SHANGHAI_OFFSET_MS;
}

export function validateEmOrder(order: EmOrder): Validation {
  const reasons: string[] = [];
  if (!EmGround.safeParse(order.ground).success)
    reasons.push('ground: must be one of the five grounds of Art. 29');
  if (!order.approvedBy?.trim()) reasons.push('approvedBy: an EM order needs an approver (Art. 29)');
  if (!Number.isFinite(order.start) || !Number.isFinite(order.end) || order.start >= order.end) {
    reasons.push('period: start must be before end');
  } else if (order.end > addLocalMonths(order.start, 3)) {
    reasons.push('period: at most 3 months per EM period; renew with a new approved period (Art. 29)');
  }
  return reasons.length === 0 ? { ok: true } : { ok: false, reasons };
}

/** Periods in which rules apply; telemetry outside all of them is refused (Art. 29). */
export interface ActivePeriod {
  readonly start: number;
  readonly end: number;
}

export function activePeriodAt(periods: readonly ActivePeriod[], ts: number): boolean {
  for (let i = 0; i < periods.length; i++) {
    const p = periods[i]!;
    if (ts >= p.start && ts < p.end) return true;
  }
  return false;
}

/**
 * Start of the run of back-to-back periods that covers `ts` (a renewal that begins where the last
 * period ended continues supervision), or NaN outside every period. Silence before this instant is
 * not lost contact: the rules did not apply then (Art. 29), so a renewal after a gap starts afresh.
 */
export function coverageStart(periods: readonly ActivePeriod[], ts: number): number {
  let start = Number.NaN;
  for (const p of periods) {
    if (ts >= p.start && ts < p.end && (Number.isNaN(start) || p.start < start)) start = p.start;
  }
  if (Number.isNaN(start)) return start;
  // Walk back through periods that end exactly where (or after) the run begins.
  for (let moved = true; moved; ) {
    moved = false;
    for (const p of periods) {
      if (p.start < start && p.end >= start) {
        start = p.start;
        moved = true;
      }
    }
  }
  return start;
}

/**
 * End of the run of back-to-back periods that covers `ts` (a renewal that begins where a period
 * ends carries supervision on), or NaN outside every period: where open alerts are closed
 * (order-end.ts) unless a renewal takes over first.
 */
export function coverageEnd(periods: readonly ActivePeriod[], ts: number): number {
  let end = Number.NaN;
  for (const p of periods) {
    if (ts >= p.start && ts < p.end && (Number.isNaN(end) || p.end > end)) end = p.end;
  }
  for (let moved = !Number.isNaN(end); moved; ) {
    moved = false;
    for (const p of periods) {
      if (p.start <= end && p.end > end) {
        end = p.end;
        moved = true;
      }
    }
  }
  return end;
}

/** The latest period end at or before `ts` (NaN if none is known): when coverage last ended. */
export function lastCoverageEnd(periods: readonly ActivePeriod[], ts: number): number {
  let end = Number.NaN;
  for (const p of periods) if (p.end <= ts && (Number.isNaN(end) || p.end > end)) end = p.end;
  return end;
}
