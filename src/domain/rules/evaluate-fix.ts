// One monitor fix through the rules: refuse outside an EM order, drop stale / invalid / impossible
// fixes with a reason, then evaluate every zone rule at the fix's own time (event time, not arrival).
import type { Fix } from '../fix.js';
import { signedDistanceM } from '../geo/compiled-zone.js';
import { needDistanceM, pOutside, Side, sideOf } from '../geo/membership.js';
import { distanceM } from '../geo/projection.js';
import { type AlertChange, alertChange, evidenceOf, NO_CHANGES, push } from './alert-change.js';
import { curfewWindowAt } from './curfew-schedule.js';
import { activePeriodAt } from './em-order.js';
import { batteryFromFix, contactRestored, proximityUnknown } from './episode-rules.js';
import { evaluatePhoneFix, monitorMoved } from './evaluate-separation.js';
import { type Evaluation, refuse } from './evaluation.js';
import { overduePermit, permitCovers } from './leave-permit.js';
import { NO_PEERS, type PeerPositions, type PersonRulesContext } from './person-context.js';
import {
  type Episodes,
  IDLE_TRACK,
  NO_EPISODES,
  type PersonState,
  patchState,
  withEpisode,
} from './person-state.js';
import { LATE_AFTER_MS, MAX_CONSECUTIVE_JUMPS } from './supervision-levels.js';
import { checkProhibition, checkProximity, isStrong, mustBeInside, sample } from './zone-checks.js';
import { stepTrack, trackChange, Verdict } from './zone-track.js';

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

export function evaluateFix(
  ctx: PersonRulesContext,
  state: PersonState,
  fix: Fix,
  peers: PeerPositions = NO_PEERS,
): Evaluation {
  // Art. 29: outside an approved EM period location is not collected; the fix is refused and counted.
  if (!activePeriodAt(ctx.orders, fix.ts)) return refuse(state, 'no_active_order');
  if (!isValidFix(fix)) return refuse(state, 'invalid');
  if (fix.deviceId !== ctx.monitorDeviceId) {
    return fix.deviceId === ctx.phoneDeviceId
      ? evaluatePhoneFix(ctx, state, fix)
      : refuse(state, 'unknown_device');
  }
  // Fixes reach the rules in event-time order; one older than the last evaluated fix cannot be
  // placed in sequence any more, so it is kept for storage but never drives a transition (issue 4).
  if (fix.ts <= state.lastTs) return refuse(state, fix.ts === state.lastTs ? 'duplicate' : 'stale');

  const { ts, lat, lon, accuracyM: acc } = fix;
  if (state.lastTs > 0 && state.jumps < MAX_CONSECUTIVE_JUMPS) {
    const moved = distanceM(state.lastLat, state.lastLon, lat, lon) - acc - state.lastAcc;
    if (moved > (ctx.params.maxSpeedMps * (ts - state.lastTs)) / 1000) {
      return refuse(patchState(state, { jumps: state.jumps + 1 }), 'outlier_jump');
    }
  }

  const late = fix.receivedAt - ts > LATE_AFTER_MS;
  const strong = isStrong(fix.source);
  const params = ctx.params;
  // Closures here would be re-created per fix (and renamed per call under tsx): plain calls only.
  const changes: AlertChange[] = [];
  let episodes: Episodes = state.episodes;

  if (episodes !== NO_EPISODES) episodes = contactRestored(episodes, ts, evidenceOf(fix), late, changes);
  if (fix.batteryPct !== undefined)
    episodes = batteryFromFix(episodes, fix.batteryPct, ts, evidenceOf(fix), late, changes);

  // Jurisdiction (Art. 27) and leave overdue.
  let jurisdiction = state.jurisdiction;
  let jurInsideTs = state.jurInsideTs;
  let jurOutsideTs = state.jurOutsideTs;
  if (ctx.jurisdiction !== null) {
    const d = signedDistanceM(ctx.jurisdiction, lat, lon, needDistanceM(acc));
    const side = sideOf(d, acc);
    if (side === Side.inside) jurInsideTs = ts;
    else if (side === Side.outside) jurOutsideTs = ts;
    const overdue = ctx.permits.length > 0 ? overduePermit(ctx.permits, ts, jurInsideTs, jurOutsideTs) : null;
    const overdueKey = 'leave_overdue';
    const overdueOpen = episodes[overdueKey];
    if (overdue !== null && overdueOpen === undefined && !permitCovers(ctx.permits, ts, lat, lon, acc)) {
      const startedAt = overdue.end + overdue.graceMs;
      episodes = withEpisode(episodes, overdueKey, { startedAt, zoneId: overdue.id });
      const detail = { permitId: overdue.id };
      push(
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
          detail,
        }),
      );
    } else if (overdue === null && overdueOpen !== undefined) {
      episodes = withEpisode(episodes, overdueKey, null);
      push(
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
    if (episodes[overdueKey] === undefined && !(side !== Side.outside && jurisdiction === IDLE_TRACK)) {
      let verdict = mustBeInside(d, acc);
      if (
        verdict === Verdict.violating &&
        ctx.permits.length > 0 &&
        permitCovers(ctx.permits, ts, lat, lon, acc)
      ) {
        verdict = Verdict.compliant;
      }
      if (verdict !== Verdict.compliant || jurisdiction !== IDLE_TRACK) {
        const next = stepTrack(
          jurisdiction,
          sample(verdict, pOutside(d, acc), strong, ctx.jurisdiction.id),
          ts,
          lat,
          lon,
          acc,
          params.zoneEvidence,
          params.clearEvidence,
        );
        push(changes, trackChange('jurisdiction_exit', jurisdiction, next, ts, fix, late));
        jurisdiction = next;
      }
    }
  }

  // Curfew (residence): "must be inside now", at every fix in a window, not only on transitions.
  let curfew = state.curfew;
  if (ctx.curfew !== null && ctx.residence !== null) {
    if (curfew !== IDLE_TRACK && ts >= curfew.windowEnd) {
      push(
        changes,
        trackChange('curfew_breach', curfew, IDLE_TRACK, curfew.windowEnd, null, late, {
          reason: 'window_ended',
        }),
      );
      curfew = IDLE_TRACK;
    }
    const window = curfewWindowAt(ctx.curfew, ts);
    if (window !== null) {
      const d = signedDistanceM(ctx.residence, lat, lon, needDistanceM(acc));
      const verdict = mustBeInside(d, acc);
      if (verdict !== Verdict.compliant || curfew !== IDLE_TRACK) {
        const next = stepTrack(
          curfew,
          sample(verdict, pOutside(d, acc), strong, ctx.residence.id, false, window.end),
          ts,
          lat,
          lon,
          acc,
          params.zoneEvidence,
          params.clearEvidence,
        );
        push(changes, trackChange('curfew_breach', curfew, next, ts, fix, late));
        curfew = next;
      }
    }
  }

  // Prohibition zones (Art. 31): highest severity, less evidence.
  let prohibition = state.prohibition;
  let prohAnchorLat = state.prohAnchorLat;
  let prohAnchorLon = state.prohAnchorLon;
  let prohClearM = state.prohClearM;
  let prohNear = state.prohNear;
  // A cell or Wi-Fi fix cannot start a violation, so with nothing pending it need not be placed at all.
  if (ctx.prohibition !== null && (strong || prohibition !== IDLE_TRACK)) {
    const r = checkProhibition(ctx.prohibition, state, lat, lon, acc, strong);
    if (r.clearM >= 0) {
      prohAnchorLat = lat;
      prohAnchorLon = lon;
      prohClearM = r.clearM;
      prohNear = r.near;
    }
    const s = r.sample ?? (prohibition === IDLE_TRACK ? null : sample(Verdict.compliant, 0, strong, null));
    if (s !== null && (s.verdict !== Verdict.compliant || prohibition !== IDLE_TRACK)) {
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
      push(changes, trackChange('prohibition_entry', prohibition, next, ts, fix, late));
      prohibition = next;
    }
  }

  // Protected persons: proximity, or "proximity unknown" while their phone's fix is stale.
  let proximity = state.proximity;
  if (ctx.protectedPersons.length > 0) {
    const r = checkProximity(ctx.protectedPersons, peers.protectedFixes, ts, lat, lon, acc, strong);
    const next = stepTrack(proximity, r.sample, ts, lat, lon, acc, params.zoneEvidence, params.clearEvidence);
    push(changes, trackChange('protected_person_proximity', proximity, next, ts, fix, late));
    proximity = next;
    episodes = proximityUnknown(episodes, r.unknown, ts, late, changes);
  }

  // Person–device separation: the monitor moving again ends "lying still".
  let ankleStill = state.ankleStill;
  let separation = state.separation;
  if (ankleStill !== null && monitorMoved(ankleStill, lat, lon, acc)) {
    ankleStill = null;
    push(changes, trackChange('person_device_separation', separation, IDLE_TRACK, ts, fix, late));
    separation = IDLE_TRACK;
  }

  const next: PersonState = {
    lastTs: ts,
    lastLat: lat,
    lastLon: lon,
    lastAcc: acc,
    lastContactTs: Math.max(ts, state.lastContactTs),
    jumps: 0,
    jurInsideTs,
    jurOutsideTs,
    prohAnchorLat,
    prohAnchorLon,
    prohClearM,
    prohNear,
    curfew,
    jurisdiction,
    prohibition,
    proximity,
    separation,
    episodes,
    ankleStill,
    phoneLastTs: state.phoneLastTs,
  };
  return { state: next, changes: changes.length === 0 ? NO_CHANGES : changes };
}
