// Person–device separation (人机分离, DOMAIN.md): the ankle monitor says it lies still (no_motion)
// while the same person's phone moves away from it. A monitor left at home was once missed for
// 7 days; this catches it from the phone's fixes, with the same evidence rules as a zone exit.
import type { Fix } from '../fix.js';
import { CONFIDENT_P, pOutside, sigmaOf } from '../geo/membership.js';
import { distanceM } from '../geo/projection.js';
import { NO_CHANGES } from './alert-change.js';
import { type Evaluation, refuse } from './evaluation.js';
import type { PersonRulesContext } from './person-context.js';
import type { AnkleStill, PersonState } from './person-state.js';
import { patchState } from './person-state.js';
import { LATE_AFTER_MS } from './supervision-levels.js';
import { isStrong, sample } from './zone-checks.js';
import { stepTrack, trackChange, Verdict } from './zone-track.js';

/** Phone this far from the still monitor (beyond accuracy) counts as separated. */
export const SEPARATION_DISTANCE_M = 200;
/** The monitor has moved once confidently this far from where it lay still. */
export const STILL_MOVE_M = 50;

/**
 * The monitor has confidently moved from where it lay still. Both positions are uncertain (the
 * anchor may be an 86 m Wi-Fi fix, the new one a 14 m GNSS fix), so their independent errors are
 * combined: moved when distance > STILL_MOVE_M + 2.33·√(σ_anchor² + σ_fix²) (P ≥ CONFIDENT_P),
 * the same combination as proximity and the phone-to-monitor distance use.
 */
export function monitorMoved(still: AnkleStill, lat: number, lon: number, acc: number): boolean {
  const sigma = Math.hypot(sigmaOf(acc), sigmaOf(still.acc));
  return pOutside(distanceM(still.lat, still.lon, lat, lon) - STILL_MOVE_M, sigma) >= CONFIDENT_P;
}

/**
 * Consecutive monitor fixes confidently away from the anchor that end "lying still". One fix is not
 * evidence (DOMAIN.md: more than one fix before a decision): a multipath outlier or a cell fix drawn
 * at its 99th percentile would otherwise end it, and the monitor does not say no_motion again until
 * it has truly moved and lain still another 30 minutes, so a monitor left at home went unwatched
 * (quality bench: a separation missed, another found 30 minutes late).
 */
export const STILL_MOVED_FIXES = 2;

/**
 * The still anchor after one more monitor fix: null once the monitor has confidently moved on
 * STILL_MOVED_FIXES consecutive fixes. A fix that does not show a move and is more accurate than
 * the anchor becomes the anchor: no_motion takes the last position, which indoors may be a 1,200 m
 * cell fix, and against such an anchor a phone 3 km away is still not confidently separated
 * (quality bench: the separation missed all evening).
 */
export function stepStill(still: AnkleStill, lat: number, lon: number, acc: number): AnkleStill | null {
  if (monitorMoved(still, lat, lon, acc)) {
    const moved = (still.moved ?? 0) + 1;
    return moved >= STILL_MOVED_FIXES ? null : { ...still, moved };
  }
  if (acc < still.acc) return { since: still.since, lat, lon, acc };
  return still.moved ? { since: still.since, lat: still.lat, lon: still.lon, acc: still.acc } : still;
}

/**
 * The still monitor counts as lying where it lay only while it is heard from: its last fix or event
 * (event time) at most this many of its level's reporting intervals before the phone fix. A monitor
 * in a store-and-forward outage may be on the move with the person; its stored fixes arrive later
 * and end "lying still", but the phone's fixes meanwhile opened a separation (quality bench: false
 * separations as people set off wearing the monitor). Such phone fixes are not judged at all, so they
 * neither count as evidence nor break a run (like a late monitor fix against a protected person).
 */
export const MONITOR_HEARD_INTERVALS = 1.5;

export function evaluatePhoneFix(ctx: PersonRulesContext, state: PersonState, fix: Fix): Evaluation {
  if (fix.ts <= state.phoneLastTs) return refuse(state, fix.ts === state.phoneLastTs ? 'duplicate' : 'stale');
  const still = state.ankleStill;
  const unheard = fix.ts - state.lastContactTs > MONITOR_HEARD_INTERVALS * ctx.params.reportIntervalMs;
  // A monitor with one fix away from its anchor may be on the move (stepStill waits for a second):
  // until that settles, the phone says nothing about a monitor left behind. Otherwise a person who
  // set off wearing it could gather the phone's evidence in the interval the second fix takes.
  if (still === null || fix.ts < still.since || unheard || (still.moved ?? 0) > 0) {
    return { state: patchState(state, { phoneLastTs: fix.ts }), changes: NO_CHANGES };
  }
  const sigma = Math.hypot(sigmaOf(fix.accuracyM), sigmaOf(still.acc));
  const d = distanceM(still.lat, still.lon, fix.lat, fix.lon) - SEPARATION_DISTANCE_M;
  const p = pOutside(d, sigma);
  const verdict =
    p >= CONFIDENT_P ? Verdict.violating : 1 - p >= CONFIDENT_P ? Verdict.compliant : Verdict.uncertain;
  const params = ctx.params;
  const next = stepTrack(
    state.separation,
    sample(verdict, p, isStrong(fix.source), ctx.monitorDeviceId),
    fix.ts,
    fix.lat,
    fix.lon,
    fix.accuracyM,
    params.zoneEvidence,
    params.clearEvidence,
  );
  const late = fix.receivedAt - fix.ts > LATE_AFTER_MS;
  const change = trackChange('person_device_separation', state.separation, next, fix.ts, fix, late, {
    monitorStillSince: still.since,
  });
  return {
    state: patchState(state, { phoneLastTs: fix.ts, separation: next }),
    changes: change ? [change] : NO_CHANGES,
  };
}
