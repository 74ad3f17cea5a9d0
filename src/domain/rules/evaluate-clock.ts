// Timers, driven by an explicit `now` (the pipeline's clock; tests pass any time): lost contact and
// days off supervision (Art. 30), leave overdue (Art. 27), and the curfew presence check at the
// start of a window ("must be inside now", Traccar issue 3897).

import { type AlertChange, alertChange, NO_CHANGES } from './alert-change.js';
import { presenceCheckAt, silenceSince } from './clock-due.js';
import { curfewWindowAt } from './curfew-schedule.js';
import { openAtWindowStart, outsideHome, pastWindowEnd } from './curfew-start.js';
import { activePeriodAt } from './em-order.js';
import { type Evaluation, refuse } from './evaluation.js';
import { leaveEndFrom, onLeave, overduePermit, permitCovers } from './leave-permit.js';
import { closeAtCoverageEnd, coverageEndedAt, hasOpenAlerts } from './order-end.js';
import type { PersonRulesContext } from './person-context.js';
import { IDLE_TRACK, type PersonState, patchState, withEpisode } from './person-state.js';
import { trackChange } from './zone-track.js';

const DAY_MS = 86_400_000;

export function evaluateClock(ctx: PersonRulesContext, state: PersonState, now: number): Evaluation {
  if (!activePeriodAt(ctx.orders, now)) {
    // Art. 29: past the end of coverage (or with the order revoked) nothing is observed any more;
    // what is open is closed at the end, once (order-end.ts).
    if (!hasOpenAlerts(state)) return refuse(state, 'no_active_order');
    return closeAtCoverageEnd(state, coverageEndedAt(ctx.orders, state.lastContactTs, now));
  }
  const changes: AlertChange[] = [];
  let episodes = state.episodes;
  const hasPosition = state.lastTs > 0;
  const lastFix = { ts: state.lastTs, lat: state.lastLat, lon: state.lastLon, acc: state.lastAcc };

  // Lost contact (Art. 30): open at once when the level's timeout passes; the episode starts at the
  // last contact, or where supervision began if nothing was ever heard in it (silenceSince).
  // Whole days off supervision (脱管) are reported as updates for escalation.
  const since = silenceSince(ctx, state, now);
  const silence = now - since;
  const lost = episodes.lost_contact;
  if (silence > ctx.params.lostContactMs) {
    const days = Math.floor(silence / DAY_MS);
    const detail = { daysOffSupervision: days, silenceMs: silence };
    const evidence = hasPosition ? [lastFix] : [];
    if (lost === undefined) {
      episodes = withEpisode(episodes, 'lost_contact', { startedAt: since, days });
      changes.push(
        alertChange({
          kind: 'lost_contact',
          action: 'open',
          startedAt: since,
          at: now,
          confidence: 1,
          evidence,
          detail,
        }),
      );
    } else if (days > (lost.days ?? 0)) {
      episodes = withEpisode(episodes, 'lost_contact', { ...lost, days });
      changes.push(
        alertChange({
          kind: 'lost_contact',
          action: 'update',
          startedAt: lost.startedAt,
          at: now,
          confidence: 1,
          evidence,
          detail,
        }),
      );
    }
  }

  // Leave overdue: not confidently back inside the jurisdiction by end + grace.
  if (ctx.permits.length > 0 && episodes.leave_overdue === undefined) {
    const overdue = overduePermit(ctx.permits, now, state.jurInsideTs, state.jurOutsideTs);
    if (
      overdue !== null &&
      !(hasPosition && permitCovers(ctx.permits, now, lastFix.lat, lastFix.lon, lastFix.acc))
    ) {
      const startedAt = overdue.end + overdue.graceMs;
      episodes = withEpisode(episodes, 'leave_overdue', { startedAt, zoneId: overdue.id });
      changes.push(
        alertChange({
          kind: 'leave_overdue',
          action: 'open',
          startedAt,
          at: now,
          confidence: 1,
          evidence: hasPosition ? [lastFix] : [],
          zoneId: overdue.id,
          detail: { permitId: overdue.id },
        }),
      );
    }
  }

  let curfew = state.curfew;
  if (ctx.curfew !== null && ctx.residence !== null) {
    if (curfew !== IDLE_TRACK && now >= curfew.windowEnd) {
      const past = pastWindowEnd(ctx.curfew, curfew, now, false);
      if (past.change) changes.push(past.change);
      curfew = past.track;
    }
    const window = curfewWindowAt(ctx.curfew, now);
    // Presence at the window start: no fix yet in this window, and the last fresh position is
    // confidently outside the residence. Judged only once the next regular fix is overdue (and the
    // evidence time after the start): until then a fix from home may still come, and while fixes
    // come, evaluateFix judges them; someone walking in at 21:59 is not in breach at 22:01.
    // Only a GNSS position may open it (DOMAIN.md: cell or Wi-Fi alone never opens a violation);
    // after a coarse one presence is unknown and the next fixes decide (curfew-start.ts).
    if (
      window !== null &&
      curfew === IDLE_TRACK &&
      hasPosition &&
      state.lastStrong &&
      state.lastTs < window.start &&
      now >= presenceCheckAt(ctx, state.lastTs, window.start) &&
      now - state.lastTs <= ctx.params.lostContactMs &&
      !onLeave(ctx.permits, now)
    ) {
      // Out when the breach would start (the window's start, or the end of a leave covering it),
      // as far as the person could not have come home by then.
      const from = leaveEndFrom(ctx.permits, window.start);
      const p = outsideHome(ctx, lastFix.lat, lastFix.lon, lastFix.acc, lastFix.ts, from);
      if (!Number.isNaN(p)) {
        const opened = openAtWindowStart(ctx, window, [lastFix], p);
        const c = trackChange('curfew_breach', curfew, opened, now, null, false, {
          check: 'window_start',
          basis: 'last_known_position',
        });
        if (c) changes.push(c);
        curfew = opened;
      }
    }
  }

  if (changes.length === 0) {
    return curfew === state.curfew
      ? { state, changes: NO_CHANGES }
      : { state: patchState(state, { curfew }), changes: NO_CHANGES };
  }
  return { state: patchState(state, { episodes, curfew }), changes };
}
