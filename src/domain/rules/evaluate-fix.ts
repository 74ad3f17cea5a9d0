// One monitor fix through the rules: refuse outside an EM order, drop stale / invalid / impossible
// fixes with a reason, then evaluate every zone rule at the fix's own time (event time, not arrival).
import type { Fix } from '../fix.js';
import { needDistanceM, pOutside, Side, sideOf, sigmaOf } from '../geo/membership.js';
import { distanceM, M_PER_DEG_LAT } from '../geo/projection.js';
import { type AlertChange, alertChange, evidenceOf, NO_CHANGES } from './alert-change.js';
import {
  cannotBeOutside,
  extendsClearance,
  forStep,
  measured,
  measureSide,
  movedSq,
  nextClearance,
  settledDistance,
  stillClear,
} from './clearance.js';
import { curfewWindowAt } from './curfew-schedule.js';
import { breachAtFirstFix, pastWindowEnd } from './curfew-start.js';
import { batteryFromFix, contactRestored, proximityUnknown } from './episode-rules.js';
import { evaluatePhoneFix, stepStill } from './evaluate-separation.js';
import { type Evaluation, refuse } from './evaluation.js';
import { steadyPosition } from './gathering.js';
import { onLeave, overduePermit, permitCovers } from './leave-permit.js';
import {
  mayBeOnLeave,
  NO_PEERS,
  orderActiveAt,
  type PeerPositions,
  type PersonRulesContext,
} from './person-context.js';
import {
  type Episodes,
  type GapMark,
  IDLE_TRACK,
  NO_EPISODES,
  type PersonState,
  patchState,
  type StateDraft,
  TrackPhase,
  type TrackState,
  toldToReportFast,
  withEpisode,
  type ZoneRule,
} from './person-state.js';
import {
  APPROACH_MAX_ACC_M,
  BACKFILL_WINDOW_MS,
  BATTERY_CLEAR_PCT,
  BATTERY_LOW_PCT,
  GAP_MIN_INTERVALS,
  LATE_AFTER_MS,
  type LevelParameters,
  MAX_CONSECUTIVE_JUMPS,
  PROHIBITION_APPROACH_M,
} from './supervision-levels.js';
import {
  checkProhibition,
  checkProximity,
  isStrong,
  mustBeInside,
  prohibitionClearance,
  prohibitionNear,
  prohibitionRoom,
  sample,
} from './zone-checks.js';
import { keepsOpen, stepTrack, trackChange, Verdict } from './zone-track.js';

function isValidFix(fix: Fix): boolean {
  return (
    fix.lat >= -90 &&
    fix.lat <= 90 &&
    fix.lon >= -180 &&
    fix.lon <= 180 &&
    fix.accuracyM >= 0 &&
    Number.isFinite(fix.ts)
  );
}

/**
 * Whether a pause of `quietMs` is a gap: more than GAP_MIN_INTERVALS of the reporting interval the
 * monitor was keeping before it. That is the level's; or, while its devices are told to report fast
 * (toldToReportFast) and its last two fixes came faster than the level's interval, that faster
 * interval (at least the fast one). A device that has not switched to fast mode (a phone without
 * the config channel) keeps the level's, so its every fix is not a gap. Cheapest tests first: this
 * runs for every fix (bench target ≥ 1M fixes/s/core).
 */
function endsGap(params: LevelParameters, state: PersonState, quietMs: number): boolean {
  if (quietMs > GAP_MIN_INTERVALS * params.reportIntervalMs) return true;
  const lastMs = state.lastIntervalS * 1000;
  return (
    lastMs > 0 &&
    lastMs < params.reportIntervalMs &&
    quietMs > GAP_MIN_INTERVALS * Math.max(params.fastReportIntervalMs, lastMs) &&
    toldToReportFast(state)
  );
}

/**
 * The gap this fix ends, if the monitor was quiet for more than GAP_MIN_INTERVALS of the intervals
 * it was keeping before it (stored fixes from inside it are judged when they come:
 * evaluate-backfill.ts; issue 4: late fixes are evaluated in order); else the gap remembered so
 * far, forgotten BACKFILL_WINDOW_MS after it ended. Allocates only at a gap. In fast mode a pause
 * of a few minutes is a gap too: stored 15 s fixes from inside a prohibition zone, recorded during
 * it, were otherwise refused as stale and the entry never raised.
 *
 * Small on purpose, with the work of a gap in gapEndedBy and noteOpensAtReturn, called only at a
 * gap: V8 inlines a bounded amount of code into evaluateFix, and these rare paths had used up that
 * budget, so hot helpers on every fix were called instead, boxing their numbers (issue 4: measured
 * by the rules bench, interleaved runs).
 */
function nextGap(
  params: LevelParameters,
  state: PersonState,
  ts: number,
  curfew: TrackState,
  jurisdiction: TrackState,
  prohibition: TrackState,
): GapMark | null {
  const lastTs = state.lastTs;
  if (lastTs > 0 && endsGap(params, state, ts - lastTs)) {
    return gapEndedBy(state, ts, curfew, jurisdiction, prohibition);
  }
  const gap = state.gap;
  return gap !== null && ts - gap.to > BACKFILL_WINDOW_MS ? null : gap;
}

/** The gap ended by this fix (nextGap): from the last fix to this one, with the state before it. */
function gapEndedBy(
  state: PersonState,
  ts: number,
  curfew: TrackState,
  jurisdiction: TrackState,
  prohibition: TrackState,
): GapMark {
  // An episode reported before the gap, or an evidence run this fix carried on, is the live rules'
  // own: the backfill must not report its changes again (evaluate-backfill.ts).
  const settled: Partial<Record<ZoneRule, number>> = {};
  const own = (before: TrackState, after: TrackState): boolean =>
    before !== IDLE_TRACK &&
    (before.phase === TrackPhase.open || (after !== IDLE_TRACK && after.since === before.since));
  if (own(state.curfew, curfew)) settled.curfew = state.curfew.since;
  if (own(state.jurisdiction, jurisdiction)) settled.jurisdiction = state.jurisdiction.since;
  if (own(state.prohibition, prohibition)) settled.prohibition = state.prohibition.since;
  return {
    from: state.lastTs,
    to: ts,
    // A copy even without a gap of its own: `state` may be written over later (a store's spare).
    before: patchState(state, { gap: null }),
    settled,
  };
}

/** Records the episodes the live rules open that start at the fix ending the gap (GapMark.openedAtReturn). */
function noteOpensAtReturn(gap: GapMark, changes: readonly AlertChange[]): GapMark {
  let kinds: string[] | null = null;
  for (const c of changes) {
    if (c.action !== 'open' || c.startedAt !== gap.to || gap.openedAtReturn?.includes(c.kind)) continue;
    kinds ??= [...(gap.openedAtReturn ?? [])];
    kinds.push(c.kind);
  }
  return kinds === null ? gap : { ...gap, openedAtReturn: kinds };
}

/** A day: any interval longer is as good as "not fast" (endsGap). */
const MAX_INTERVAL_S = 86_400;

/** The approach band, plus a metre: a box exactly at the band's edge counts as in it. */
const APPROACH_CLEAR_M = PROHIBITION_APPROACH_M + 1;

/** Appends a change, creating the list on the first one: most fixes change nothing and allocate no list. */
function add(changes: AlertChange[] | null, change: AlertChange | null): AlertChange[] | null {
  if (change === null) return changes;
  if (changes === null) return [change];
  changes.push(change);
  return changes;
}

// The hot path (bench target ≥ 1M fixes/s/core): plain calls only (closures would be re-created per
// fix), nothing allocated for a rule that has nothing to say, and no new state object when the caller
// hands over one to write (`into`, decision 0013): a state object per fix, surviving until the
// person's next fix, cost about a quarter of the time (built, copied, promoted, then collected).
/**
 * The next state after a fix. It is written into `into` when given: a state the caller owns and no
 * longer needs (a state store's spare, decision 0013), never `state` itself; else a new object.
 * Refused fixes leave `into` untouched and return `state` (or a copy of it).
 */
export function evaluateFix(
  ctx: PersonRulesContext,
  state: PersonState,
  fix: Fix,
  peers: PeerPositions = NO_PEERS,
  into: StateDraft | null = null,
): Evaluation {
  if (into === state) throw new Error('evaluateFix: `into` must not be the state being evaluated');
  const ts = fix.ts;
  // Art. 29: outside an approved EM period location is not collected; the fix is refused and counted.
  if (!orderActiveAt(ctx, ts)) return refuse(state, 'no_active_order');
  if (!isValidFix(fix)) return refuse(state, 'invalid');
  if (fix.deviceId !== ctx.monitorDeviceId) {
    return fix.deviceId === ctx.phoneDeviceId
      ? evaluatePhoneFix(ctx, state, fix)
      : refuse(state, 'unknown_device');
  }
  // Fixes reach the rules in event-time order; one older than the last evaluated fix cannot be
  // placed in sequence any more, so it is kept for storage but never drives a transition (issue 4).
  const lastTs = state.lastTs;
  if (ts <= lastTs) return refuse(state, ts === lastTs ? 'duplicate' : 'stale');

  const lat = fix.lat;
  const lon = fix.lon;
  const acc = fix.accuracyM;
  const params = ctx.params;
  if (lastTs > 0 && state.jumps < MAX_CONSECUTIVE_JUMPS) {
    const lastLat = state.lastLat;
    const lastLon = state.lastLon;
    const limit = (params.maxSpeedMps * (ts - lastTs)) / 1000 + acc + state.lastAcc;
    // Cheap bound first (a degree of longitude is never longer than one of latitude): only a move
    // that might exceed the limit pays for the exact distance.
    const dy = (lat - lastLat) * M_PER_DEG_LAT;
    const dxMax = (lon - lastLon) * M_PER_DEG_LAT;
    if (dy * dy + dxMax * dxMax > limit * limit * 0.999_999) {
      const moved = distanceM(lastLat, lastLon, lat, lon) - acc - state.lastAcc;
      if (moved > (params.maxSpeedMps * (ts - lastTs)) / 1000) {
        return refuse(patchState(state, { jumps: state.jumps + 1 }), 'outlier_jump');
      }
    }
  }

  const late = fix.receivedAt - ts > LATE_AFTER_MS;
  // When the fix was taken at the latest: its time, but never after it arrived (a device clock may
  // run ahead by up to 5 min, limits.ts). The curfew window and contact go by it.
  const takenBy = Math.min(ts, fix.receivedAt);
  const strong = isStrong(fix.source);
  // Zone tests an earlier fix already settled are skipped (clearance.ts); what this fix measures
  // (NaN: nothing) becomes the next clearance.
  const key = ctx.geometryKey;
  const moved2 = movedSq(state, key, lat, lon);
  const sigma = sigmaOf(acc);
  const need = needDistanceM(acc);
  const extend = extendsClearance(moved2);
  let measuredCounty = Number.NaN;
  let measuredHome = Number.NaN;
  let measuredProhibition = Number.NaN;
  let measuredArea = Number.NaN;
  let measuredNearOwn = Number.NaN;
  let changes: AlertChange[] | null = null;
  let episodes: Episodes = state.episodes;

  if (episodes !== NO_EPISODES) {
    changes = [];
    episodes = contactRestored(episodes, ts, evidenceOf(fix), late, changes);
  }
  const battery = fix.batteryPct;
  if (battery !== undefined) {
    // Only a fix that crosses a threshold does anything (batteryFromFix has the hysteresis).
    if (episodes.battery_low === undefined ? battery < BATTERY_LOW_PCT : battery >= BATTERY_CLEAR_PCT) {
      changes ??= [];
      episodes = batteryFromFix(episodes, battery, ts, evidenceOf(fix), late, changes);
    }
  }

  // Jurisdiction (Art. 27) and leave overdue.
  let jurisdiction = state.jurisdiction;
  let jurInsideTs = state.jurInsideTs;
  let jurOutsideTs = state.jurOutsideTs;
  const county = ctx.jurisdiction;
  if (county !== null) {
    let d = settledDistance(state.clearCounty, need, sigma, jurisdiction === IDLE_TRACK, moved2);
    if (Number.isNaN(d)) {
      measuredCounty = measureSide(county, lat, lon, need, sigma, extend);
      d = measured.d;
    }
    const side = sideOf(d, acc);
    // Leave overdue opens on "seen outside", so only GNSS may say it (DOMAIN.md: cell or Wi-Fi alone
    // never opens a violation; one stray Wi-Fi fix at home made a returned person overdue). Back
    // inside is evidence of compliance, which a coarse fix may give, as it may clear a zone track:
    // indoors at home a monitor often has nothing but Wi-Fi or cell, and its whole circle is inside.
    if (side === Side.inside) jurInsideTs = ts;
    else if (side === Side.outside && strong) jurOutsideTs = ts;
    const permits = ctx.permits;
    const overdue = ts >= ctx.overdueFrom ? overduePermit(permits, ts, jurInsideTs, jurOutsideTs) : null;
    const overdueOpen = episodes.leave_overdue;
    if (overdue !== null && overdueOpen === undefined && !permitCovers(permits, ts, lat, lon, acc)) {
      const startedAt = overdue.end + overdue.graceMs;
      episodes = withEpisode(episodes, 'leave_overdue', { startedAt, zoneId: overdue.id });
      changes = add(
        changes,
        alertChange({
          kind: 'leave_overdue',
          action: 'open',
          startedAt,
          at: ts,
          confidence: 1,
          evidence: [evidenceOf(fix)],
          late,
          zoneId: overdue.id,
          detail: { permitId: overdue.id },
        }),
      );
    } else if (overdue === null && overdueOpen !== undefined && ts >= overdueOpen.startedAt) {
      // Only a fix from after the deadline can show the person back: one taken before it (delayed
      // in delivery, or from a device whose clock runs behind) says nothing about since, and
      // clearing on it reopened the same overdue as a second incident at the next fix (issue 4:
      // event time, one incident per fact).
      episodes = withEpisode(episodes, 'leave_overdue', null);
      changes = add(
        changes,
        alertChange({
          kind: 'leave_overdue',
          action: 'clear',
          startedAt: overdueOpen.startedAt,
          at: ts,
          confidence: 1,
          evidence: [evidenceOf(fix)],
          late,
          zoneId: overdueOpen.zoneId ?? null,
        }),
      );
    }
    // While leave overdue is open it is the alert for being outside; no second one (one incident per fact).
    if (episodes.leave_overdue === undefined && !(side !== Side.outside && jurisdiction === IDLE_TRACK)) {
      let verdict = mustBeInside(d, acc);
      if (
        verdict === Verdict.violating &&
        mayBeOnLeave(ctx, ts) &&
        permitCovers(permits, ts, lat, lon, acc)
      ) {
        verdict = Verdict.compliant;
      }
      if (
        (verdict !== Verdict.compliant || jurisdiction !== IDLE_TRACK) &&
        !keepsOpen(jurisdiction, verdict)
      ) {
        const next = stepTrack(
          jurisdiction,
          sample(verdict, pOutside(forStep(d, county, lat, lon, need), acc), strong, county.id),
          ts,
          lat,
          lon,
          acc,
          params.zoneEvidence,
          params.clearEvidence,
        );
        changes = add(changes, trackChange('jurisdiction_exit', jurisdiction, next, ts, fix, late));
        jurisdiction = next;
      }
    }
  }

  // Curfew (residence): "must be inside now", at every fix in a window, not only on transitions.
  let curfew = state.curfew;
  const residence = ctx.residence;
  if (ctx.curfew !== null && residence !== null) {
    // Which window a fix belongs to: `takenBy`, its time but never after it arrived. A device clock running
    // ahead (up to 5 min is accepted, limits.ts) stamps a fix taken at 21:59 with 22:01; one that
    // arrived before 22:00 was taken before 22:00 and says nothing about the window (quality bench:
    // a monitor 147 s ahead, 890 m out at 21:59:04 on the way home, opened a breach at 21:59:30).
    if (curfew !== IDLE_TRACK && takenBy >= curfew.windowEnd) {
      const past = pastWindowEnd(ctx.curfew, curfew, takenBy, late);
      changes = add(changes, past.change);
      curfew = past.track;
    }
    const window = curfewWindowAt(ctx.curfew, takenBy);
    // The first fix in a window may confirm that the person was already out at its start.
    if (window !== null && curfew === IDLE_TRACK && lastTs < window.start && lastTs > 0) {
      const opened = breachAtFirstFix(ctx, state, window, ts, lat, lon, acc, strong);
      if (opened !== null) {
        changes = add(
          changes,
          trackChange('curfew_breach', curfew, opened, ts, fix, late, { check: 'window_start' }),
        );
        curfew = opened;
      }
    }
    // With nothing pending only a confident GNSS violation would start anything (zone-track.ts).
    const quiet = curfew === IDLE_TRACK && (!strong || cannotBeOutside(state.clearHome, sigma, moved2));
    if (window !== null && !quiet) {
      let d = settledDistance(state.clearHome, need, sigma, curfew === IDLE_TRACK, moved2);
      if (Number.isNaN(d)) {
        measuredHome = measureSide(residence, lat, lon, need, sigma, extend);
        d = measured.d;
      }
      let verdict = mustBeInside(d, acc);
      // Approved leave suspends the curfew (onLeave); asked only of a fix that would violate it.
      if (verdict === Verdict.violating && mayBeOnLeave(ctx, ts) && onLeave(ctx.permits, ts)) {
        verdict = Verdict.compliant;
      }
      if ((verdict !== Verdict.compliant || curfew !== IDLE_TRACK) && !keepsOpen(curfew, verdict)) {
        const next = stepTrack(
          curfew,
          sample(
            verdict,
            pOutside(forStep(d, residence, lat, lon, need), acc),
            strong,
            residence.id,
            false,
            window.end,
          ),
          ts,
          lat,
          lon,
          acc,
          params.zoneEvidence,
          params.clearEvidence,
        );
        changes = add(changes, trackChange('curfew_breach', curfew, next, ts, fix, late));
        curfew = next;
      }
    }
  }

  // Approach bands (reporting only, issue 7): a fix accurate enough to place the person near a
  // prohibition zone or a protected person keeps the devices in fast mode; a coarse fix keeps the flag.
  const placed = acc <= APPROACH_MAX_ACC_M;
  let approaching = placed ? false : state.approaching;

  // Prohibition zones (Art. 31): highest severity, less evidence.
  let prohibition = state.prohibition;
  const refs = ctx.prohibition;
  const idle = prohibition === IDLE_TRACK;
  // A cell or Wi-Fi fix cannot start a violation, so with nothing pending it need not be placed at
  // all; nor need a GNSS fix outside every zone. Clear by more than the approach band: skipped.
  const needClear = placed ? APPROACH_CLEAR_M : 0;
  if (refs !== null && (placed || strong || !idle)) {
    if (idle && stillClear(state.clearProhibition, needClear, moved2)) {
      if (placed) approaching = false;
    } else if (
      idle &&
      (!strong || stillClear(state.clearArea, 0, moved2)) &&
      (!placed || stillClear(state.clearNearOwn, 0, moved2))
    ) {
      // Near one of the person's zones, or inside its box, but settled (clearance.ts): still outside
      // every one of their areas, so no sample could start anything; still in the approach band.
      // Someone living next to a school gets here at most fixes (issue 4: rules bench, at home).
      if (placed) approaching = true;
    } else {
      const clear = prohibitionClearance(refs, lat, lon);
      measuredProhibition = clear;
      measuredNearOwn = prohibitionNear.ownRoom;
      if (placed) approaching = prohibitionNear.own;
      // With nothing pending only a fix inside a zone would start anything, and outside every zone's
      // box it is inside none (zone-track.ts: uncertain and compliant samples leave an idle track).
      const check = (strong || !idle) && !(idle && clear > 0);
      let s = check ? checkProhibition(refs, lat, lon, acc, strong) : null;
      // A box holds its zone: clear of every box is clear of every area by as much.
      measuredArea = check ? prohibitionRoom.m : clear > 0 ? clear : Number.NaN;
      if (s === null && !idle) s = sample(Verdict.compliant, 0, strong, null);
      if (s !== null && (s.verdict !== Verdict.compliant || !idle)) {
        const next = stepTrack(
          prohibition,
          s,
          ts,
          lat,
          lon,
          acc,
          params.prohibitionEvidence,
          params.clearEvidence,
        );
        changes = add(changes, trackChange('prohibition_entry', prohibition, next, ts, fix, late));
        prohibition = next;
      }
    }
  }

  // Protected persons: proximity, or "proximity unknown" while their phone's fix is stale.
  let proximity = state.proximity;
  if (ctx.hasProtectedPersons) {
    const r = checkProximity(
      ctx.protectedPersons,
      peers.protectedFixes,
      peers.protectedSince ?? Number.NEGATIVE_INFINITY,
      ts,
      lat,
      lon,
      acc,
      strong,
    );
    if (placed && r.near) approaching = true;
    if (r.sample !== null) {
      const next = stepTrack(
        proximity,
        r.sample,
        ts,
        lat,
        lon,
        acc,
        params.zoneEvidence,
        params.clearEvidence,
      );
      changes = add(changes, trackChange('protected_person_proximity', proximity, next, ts, fix, late));
      proximity = next;
    }
    const list = changes ?? [];
    episodes = proximityUnknown(episodes, r.unknown, ts, late, list, r.undecided);
    if (list.length > 0) changes = list;
  }

  // Person–device separation: the monitor moving again ends "lying still" (stepStill: two fixes).
  let ankleStill = state.ankleStill;
  let separation = state.separation;
  if (ankleStill !== null) {
    ankleStill = stepStill(ankleStill, lat, lon, acc);
    if (ankleStill === null) {
      changes = add(changes, trackChange('person_device_separation', separation, IDLE_TRACK, ts, fix, late));
      separation = IDLE_TRACK;
    }
  }

  const cleared = nextClearance(
    state,
    key,
    moved2,
    lat,
    lon,
    measuredCounty,
    measuredHome,
    measuredProhibition,
    measuredArea,
    measuredNearOwn,
  );
  // Everything is computed before the first write. `into` gets every field (the same list as the new
  // object below: the clearance property test checks the two paths agree, state for state), so a
  // spare keeps nothing of what it held; writing in place spares the young generation a short-lived
  // object per fix as well (decision 0013).
  const steady = ctx.hasLinkedPersons ? steadyPosition(state.steady, ts, lat, lon, acc) : null;
  // Contact (Art. 30: lost contact runs from here) at `takenBy`: a device clock running ahead would
  // otherwise put off lost contact by as much, and start the episode after the device was last heard.
  // Whole seconds, capped well inside the small-integer range (kept inside the state object).
  const intervalS = lastTs > 0 ? Math.min(MAX_INTERVAL_S, Math.round((ts - lastTs) / 1000)) : 0;
  const lastGap = nextGap(params, state, ts, curfew, jurisdiction, prohibition);
  const gap = lastGap === null || changes === null ? lastGap : noteOpensAtReturn(lastGap, changes);
  if (into !== null) {
    into.lastTs = ts;
    into.lastLat = lat;
    into.lastLon = lon;
    into.lastAcc = acc;
    into.lastStrong = strong;
    into.lastContactTs = Math.max(takenBy, state.lastContactTs);
    into.jumps = 0;
    into.lastIntervalS = intervalS;
    into.jurInsideTs = jurInsideTs;
    into.jurOutsideTs = jurOutsideTs;
    into.curfew = curfew;
    into.jurisdiction = jurisdiction;
    into.prohibition = prohibition;
    into.proximity = proximity;
    into.separation = separation;
    into.episodes = episodes;
    into.ankleStill = ankleStill;
    into.phoneLastTs = state.phoneLastTs;
    into.approaching = approaching;
    into.steady = steady;
    into.nearLinked = state.nearLinked;
    into.gatherings = state.gatherings;
    into.gap = gap;
    into.clearKey = cleared.clearKey;
    into.clearLatE6 = cleared.clearLatE6;
    into.clearLonE6 = cleared.clearLonE6;
    into.clearCounty = cleared.clearCounty;
    into.clearHome = cleared.clearHome;
    into.clearProhibition = cleared.clearProhibition;
    into.clearArea = cleared.clearArea;
    into.clearNearOwn = cleared.clearNearOwn;
    return { state: into, changes: changes === null ? NO_CHANGES : changes };
  }
  const next: PersonState = {
    lastTs: ts,
    lastLat: lat,
    lastLon: lon,
    lastAcc: acc,
    lastStrong: strong,
    lastContactTs: Math.max(takenBy, state.lastContactTs),
    jumps: 0,
    lastIntervalS: intervalS,
    jurInsideTs,
    jurOutsideTs,
    curfew,
    jurisdiction,
    prohibition,
    proximity,
    separation,
    episodes,
    ankleStill,
    phoneLastTs: state.phoneLastTs,
    approaching,
    // Gathering judges linked people from their steady position (gathering.ts); nobody else pays for it.
    steady,
    nearLinked: state.nearLinked,
    gatherings: state.gatherings,
    gap,
    clearKey: cleared.clearKey,
    clearLatE6: cleared.clearLatE6,
    clearLonE6: cleared.clearLonE6,
    clearCounty: cleared.clearCounty,
    clearHome: cleared.clearHome,
    clearProhibition: cleared.clearProhibition,
    clearArea: cleared.clearArea,
    clearNearOwn: cleared.clearNearOwn,
  };
  return { state: next, changes: changes === null ? NO_CHANGES : changes };
}
