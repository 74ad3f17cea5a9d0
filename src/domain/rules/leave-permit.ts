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

/**
 * The ordinary permit the person is overdue from at `t`: its deadline (end + grace) has passed, the
 * person was seen confidently outside the jurisdiction after it began, and not confidently back
 * inside before the deadline.
 */
export function overduePermit(
  permits: readonly LeavePermit[],
  t: number,
  jurInsideTs: number,
  jurOutsideTs: number,
): LeavePermit | null {
  for (let i = 0; i < permits.length; i++) {
    const p = permits[i]!;
    if (p.standing) continue;
    const deadline = p.end + p.graceMs;
    if (t < deadline || jurOutsideTs < p.start || jurOutsideTs <= jurInsideTs) continue;
    if (jurInsideTs >= deadline) continue;
    return p;
  }
  return null;
}
