// Leave (请假) lets a supervisee out of the jurisdiction (Art. 27). Approval limits: up to 7 days by
// the judicial office, longer by the county agency, never over a month (DOMAIN.md, issue 4: 30 days).
import type { OrgLevel } from '../../../schemas/enums.js';
import type { CompiledZone } from '../geo/compiled-zone.js';
import { signedDistanceM } from '../geo/compiled-zone.js';
import { CONFIDENT_P, needDistanceM, pOutside } from '../geo/membership.js';
import type { Validation } from './em-order.js';

const DAY_MS = 86_400_000;
export const OFFICE_MAX_LEAVE_MS = 7 * DAY_MS;
export const MAX_LEAVE_MS = 30 * DAY_MS;

export interface LeavePermitRequest {
  readonly start: number;
  readonly end: number;
  readonly approverLevel: OrgLevel;
  readonly approvedBy: string | null;
}

export function validateLeavePermit(p: LeavePermitRequest): Validation {
  const reasons: string[] = [];
  const length = p.end - p.start;
  if (!p.approvedBy?.trim()) reasons.push('approvedBy: leave needs an approver (Art. 27)');
  if (!Number.isFinite(length) || length <= 0) reasons.push('period: start must be before end');
  else if (length > MAX_LEAVE_MS) reasons.push('period: leave may not exceed 30 days');
  else if (length > OFFICE_MAX_LEAVE_MS && p.approverLevel === 'office') {
    reasons.push('approverLevel: leave over 7 days must be approved by the county agency');
  }
  return reasons.length === 0 ? { ok: true } : { ok: false, reasons };
}

/** A permit's period as approval sees it: its end (the return, if earlier) and its grace. */
export interface PermitPeriod {
  readonly start: number;
  readonly end: number;
  readonly graceMs: number;
}

/**
 * The one leave `permit` makes with the approved permits it chains to (each starting by the deadline,
 * end + grace, of one already in the chain): the rules treat such a chain as one leave (续假,
 * leaveEndFrom, overduePermit), so the Art. 27 limits apply to its whole span, from its first start to
 * its last end.
 */
export function leaveSpanWith(
  approved: readonly PermitPeriod[],
  permit: PermitPeriod,
): { start: number; end: number } {
  let start = permit.start;
  let end = permit.end;
  let deadline = permit.end + permit.graceMs;
  const joined = new Set<PermitPeriod>();
  for (let grew = true; grew; ) {
    grew = false;
    for (const q of approved) {
      if (joined.has(q) || q.start > deadline || q.end + q.graceMs < start) continue;
      joined.add(q);
      start = Math.min(start, q.start);
      end = Math.max(end, q.end);
      deadline = Math.max(deadline, q.end + q.graceMs);
      grew = true;
    }
  }
  return { start, end };
}

/**
 * A permit as the rules use it. `standing` is a standing approval for a named area (work across
 * county lines, DOMAIN.md): it covers a fix only inside its destination.
 */
export interface LeavePermit {
  readonly id: string;
  readonly destination: CompiledZone;
  readonly start: number;
  readonly end: number;
  readonly graceMs: number;
  readonly standing: boolean;
}

/**
 * Art. 27 approves leaving the county for a destination and a period; it sets no route. So an
 * ordinary permit covers any position from start to end + grace: the journey there and back
 * necessarily crosses other areas, and checking a route nobody ordered would be a restriction the
 * order does not contain (Art. 34). A standing area approval covers only positions not confidently
 * outside its area.
 */
export function permitCovers(
  permits: readonly LeavePermit[],
  ts: number,
  lat: number,
  lon: number,
  acc: number,
): boolean {
  for (let i = 0; i < permits.length; i++) {
    const p = permits[i]!;
    if (ts < p.start || ts > p.end + p.graceMs) continue;
    if (!p.standing) return true;
    const d = signedDistanceM(p.destination, lat, lon, needDistanceM(acc));
    if (pOutside(d, acc) < CONFIDENT_P) return true;
  }
  return false;
}

function deadlineOf(p: LeavePermit): number {
  return p.end + p.graceMs;
}

/**
 * Whether an ordinary leave covers `ts` (start to end + grace, as permitCovers): the person is
 * allowed away from home, so the residence curfew is suspended and the permit's own rules
 * (destination, overdue) apply instead (Art. 27; Art. 34: no rule the order does not contain). A
 * standing area approval does not suspend it: it lets a person work across the county line, not
 * sleep away from home.
 */
export function onLeave(permits: readonly LeavePermit[], ts: number): boolean {
  for (let i = 0; i < permits.length; i++) {
    const p = permits[i]!;
    if (!p.standing && ts >= p.start && ts <= deadlineOf(p)) return true;
  }
  return false;
}

/**
 * When the ordinary leave covering `ts` ends: the deadline of the last permit of its chain of
 * extensions (续假); `ts` itself when no leave covers it.
 */
export function leaveEndFrom(permits: readonly LeavePermit[], ts: number): number {
  let end = ts;
  for (let grew = true; grew; ) {
    grew = false;
    for (let i = 0; i < permits.length; i++) {
      const p = permits[i]!;
      if (!p.standing && p.start <= end && deadlineOf(p) > end) {
        end = deadlineOf(p);
        grew = true;
      }
    }
  }
  return end;
}

/**
 * Where the leave ending with `last` began: the earliest start of the ordinary permits chained to it
 * (each starting by the deadline of one already in the chain). Being seen outside at any point of
 * that one leave counts, not only during its last permit.
 */
function chainStart(permits: readonly LeavePermit[], last: LeavePermit): number {
  let start = last.start;
  for (let grew = true; grew; ) {
    grew = false;
    for (let i = 0; i < permits.length; i++) {
      const q = permits[i]!;
      if (!q.standing && q.start < start && deadlineOf(q) >= start) {
        start = q.start;
        grew = true;
      }
    }
  }
  return start;
}

/**
 * The ordinary permit the person is overdue from at `t` (Art. 27): the last of a chain of adjacent
 * or overlapping permits (an extension, 续假, makes one leave of them) whose deadline (end + grace)
 * has passed, the person seen confidently outside the jurisdiction since the chain began, and not
 * confidently back inside before that deadline. Of several such leaves, the latest deadline.
 * Called on every fix after the first deadline: the person being back inside answers at once.
 */
export function overduePermit(
  permits: readonly LeavePermit[],
  t: number,
  jurInsideTs: number,
  jurOutsideTs: number,
): LeavePermit | null {
  if (jurOutsideTs <= jurInsideTs) return null;
  let found: LeavePermit | null = null;
  for (let i = 0; i < permits.length; i++) {
    const p = permits[i]!;
    if (p.standing) continue;
    const deadline = deadlineOf(p);
    if (t < deadline || jurInsideTs >= deadline) continue;
    if (found !== null && deadlineOf(found) >= deadline) continue;
    // Extended (续假): a later permit starts by this deadline and runs past it, so the leave goes on.
    if (leaveEndFrom(permits, deadline) > deadline || jurOutsideTs < chainStart(permits, p)) continue;
    found = p;
  }
  return found;
}
