// "Must be inside now" at the start of a curfew window (Traccar issue 3897): someone already out when
// the window starts is in breach from its start, not from whenever evidence gathered inside the
// window would open it. Judged from the last fix before the window, never from it alone (DOMAIN.md:
// more than one fix, and cell or Wi-Fi alone never opens): by the clock once the next fix is overdue
// (evaluate-clock.ts), or by the first fix in the window when it agrees (evaluate-fix.ts). And the
// other edge: a track that reaches its window's end goes on into a window that joins it, or closes.
import { signedDistanceM } from '../geo/compiled-zone.js';
import { needDistanceM, pOutside } from '../geo/membership.js';
import type { AlertChange, EvidenceFix } from './alert-change.js';
import { type CompiledCurfew, type CurfewInterval, curfewStretchEnd } from './curfew-schedule.js';
import { leaveEndFrom, onLeave } from './leave-permit.js';
import type { PersonRulesContext } from './person-context.js';
import { IDLE_TRACK, makeTrack, type PersonState, TrackPhase, type TrackState } from './person-state.js';
import { PRESENCE_REACH_MPS } from './supervision-levels.js';
import { mustBeInside } from './zone-checks.js';
import { trackChange, Verdict } from './zone-track.js';

/**
 * An open breach of `window` from its start (or from the end of a leave that covered the start,
 * onLeave), on this evidence; `confidence` is the lowest probability of being outside among it.
 */
export function openAtWindowStart(
  ctx: PersonRulesContext,
  window: CurfewInterval,
  evidence: readonly EvidenceFix[],
  confidence: number,
): TrackState {
  return makeTrack({
    ...IDLE_TRACK,
    phase: TrackPhase.open,
    since: leaveEndFrom(ctx.permits, window.start),
    count: evidence.length,
    zoneId: ctx.residence?.id ?? null,
    evidence,
    confidence,
    windowEnd: window.end,
  });
}

/**
 * Probability that a position is outside the residence, or NaN when it is not confidently outside.
 * `seenAt` and `at`: the position was taken at `seenAt` and is judged for `at`; the person may have
 * come PRESENCE_REACH_MPS × the time between nearer home, so only what lies beyond that counts.
 */
export function outsideHome(
  ctx: PersonRulesContext,
  lat: number,
  lon: number,
  acc: number,
  seenAt = 0,
  at = 0,
): number {
  const residence = ctx.residence;
  if (residence === null) return Number.NaN;
  const reachM = (PRESENCE_REACH_MPS * Math.max(0, at - seenAt)) / 1000;
  const d = signedDistanceM(residence, lat, lon, needDistanceM(acc) + reachM) - reachM;
  return mustBeInside(d, acc) === Verdict.violating ? pOutside(d, acc) : Number.NaN;
}

/**
 * The first fix in a window (the caller checks that the last fix is older than the window start and
 * the track idle): a breach from the window start when this fix and the last one before the window
 * are both confidently outside home, at least one of them GNSS, spanning at least the evidence time,
 * the earlier one fresh (no older than the lost-contact timeout), and no leave covers the time. Else
 * null, and the fix goes through the ordinary evidence rules. Someone walking in at 21:59 whose next
 * fix shows them home is never in breach; someone at a teahouse whose next fix is a Wi-Fi fix there is
 * in breach at once, as the clock check would have said.
 */
export function breachAtFirstFix(
  ctx: PersonRulesContext,
  state: PersonState,
  window: CurfewInterval,
  ts: number,
  lat: number,
  lon: number,
  acc: number,
  strong: boolean,
): TrackState | null {
  const span = ts - state.lastTs;
  if (!(strong || state.lastStrong)) return null;
  if (span < ctx.params.zoneEvidence.seconds * 1000 || span > ctx.params.lostContactMs) return null;
  if (ctx.permits.length > 0 && onLeave(ctx.permits, ts)) return null;
  const pNow = outsideHome(ctx, lat, lon, acc);
  if (Number.isNaN(pNow)) return null;
  // Out at the window's start: from the fix before it, as far as the person could not have come home.
  const from = leaveEndFrom(ctx.permits, window.start);
  const pBefore = outsideHome(ctx, state.lastLat, state.lastLon, state.lastAcc, state.lastTs, from);
  if (Number.isNaN(pBefore)) return null;
  const before = { ts: state.lastTs, lat: state.lastLat, lon: state.lastLon, acc: state.lastAcc };
  return openAtWindowStart(ctx, window, [before, { ts, lat, lon, acc }], Math.min(pBefore, pNow));
}

/**
 * A curfew track at or past its window's end, judged at `at` (a fix's time or the clock's): a window
 * joined to it (curfewStretchEnd) carries it on, one breach across the seam (one incident per
 * fact); else it closes at the end of its stretch, with its change (reason window_ended).
 */
export function pastWindowEnd(
  c: CompiledCurfew,
  track: TrackState,
  at: number,
  late: boolean,
): { track: TrackState; change: AlertChange | null } {
  const end = curfewStretchEnd(c, track.windowEnd, at);
  if (end > at) return { track: makeTrack({ ...track, windowEnd: end }), change: null };
  const change = trackChange('curfew_breach', track, IDLE_TRACK, end, null, late, { reason: 'window_ended' });
  return { track: IDLE_TRACK, change };
}
