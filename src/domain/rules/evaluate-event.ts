// Device events from the ankle monitor (ARCHITECTURE.md events topic). Events carry no position, so
// they are applied in whatever order they arrive; each one is contact with the device (Art. 30).
import type { DeviceEvent } from '../fix.js';
import { type AlertChange, alertChange, NO_CHANGES } from './alert-change.js';
import { activePeriodAt } from './em-order.js';
import { contactRestored } from './episode-rules.js';
import { type Evaluation, refuse } from './evaluation.js';
import type { PersonRulesContext } from './person-context.js';
import {
  type Episodes,
  type OpenEpisode,
  type PersonState,
  patchState,
  withEpisode,
} from './person-state.js';
import { LATE_AFTER_MS, TAMPER_REPEAT_MS } from './supervision-levels.js';

/** The episode began after `ts`: an event at `ts` neither ends it nor opens what it disproves. */
function startedAfter(episode: OpenEpisode | undefined, ts: number): boolean {
  return episode !== undefined && episode.startedAt > ts;
}

export function evaluateEvent(ctx: PersonRulesContext, state: PersonState, event: DeviceEvent): Evaluation {
  if (!activePeriodAt(ctx.orders, event.ts)) return refuse(state, 'no_active_order');
  if (event.deviceId !== ctx.monitorDeviceId) return refuse(state, 'unknown_device');
  const { ts, type } = event;
  const late = event.receivedAt - ts > LATE_AFTER_MS;
  const changes: AlertChange[] = [];
  const emit = (c: AlertChange | null): void => {
    if (c !== null) changes.push(c);
  };
  const detail = { event: type, ...(event.detail !== undefined ? { eventDetail: event.detail } : {}) };
  // Issue 4 (event time): a state-changing event the device has since contradicted is stored (by the
  // pipeline) but changes nothing; an event opens nothing a later fact disproves and ends nothing that
  // began after it. Heard from since: a monitor fix is proof the device was on; a later event counts
  // for an event delivered late (before any contact, lastContactTs is only when the state was made).
  const heardSince = ts < state.lastTs || (late && ts < state.lastContactTs);
  const open = (episodes: Episodes, kind: 'battery_low' | 'power_off', contradicted: boolean): Episodes => {
    if (episodes[kind] !== undefined || contradicted) return episodes;
    emit(alertChange({ kind, action: 'open', startedAt: ts, at: ts, confidence: 1, late, detail }));
    return withEpisode(episodes, kind, { startedAt: ts });
  };
  const tamperChange = (action: 'open' | 'update', startedAt: number): void =>
    emit(alertChange({ kind: 'strap_tamper', action, startedAt, at: ts, confidence: 1, late, detail }));
  // Strap cut or case opened: immediate critical, no evidence window (issue 4). A report within
  // TAMPER_REPEAT_MS of the cut's latest one is that cut going on (one incident per fact); any other
  // is a cut of its own and opens, so a cut after an officer resolved the last one is raised.
  const tamper = (episodes: Episodes): Episodes => {
    const current = episodes.strap_tamper;
    const lastAt = current === undefined ? 0 : (current.lastAt ?? current.startedAt);
    if (current === undefined || ts > lastAt + TAMPER_REPEAT_MS) {
      tamperChange('open', ts);
      return withEpisode(episodes, 'strap_tamper', { startedAt: ts, lastAt: ts });
    }
    if (ts < current.startedAt - TAMPER_REPEAT_MS) {
      // A late report of an earlier cut: reported (marked late); the running episode stays the latest.
      tamperChange('open', ts);
      return episodes;
    }
    tamperChange('update', current.startedAt);
    return ts > lastAt
      ? withEpisode(episodes, 'strap_tamper', { startedAt: current.startedAt, lastAt: ts })
      : episodes;
  };
  const clear = (episodes: Episodes, kind: 'battery_low' | 'power_off'): Episodes => {
    const current = episodes[kind];
    if (current === undefined || ts < current.startedAt) return episodes;
    emit(
      alertChange({
        kind,
        action: 'clear',
        startedAt: current.startedAt,
        at: ts,
        confidence: 1,
        late,
        detail: { event: type },
      }),
    );
    return withEpisode(episodes, kind, null);
  };

  const lastPosition =
    state.lastTs > 0
      ? { ts: state.lastTs, lat: state.lastLat, lon: state.lastLon, acc: state.lastAcc }
      : null;
  let episodes = state.episodes;
  if (type !== 'power_off' && lastPosition !== null)
    episodes = contactRestored(episodes, ts, lastPosition, late, changes);
  else if (episodes.lost_contact !== undefined) {
    const lost = episodes.lost_contact;
    episodes = withEpisode(episodes, 'lost_contact', null);
    emit(
      alertChange({
        kind: 'lost_contact',
        action: 'clear',
        startedAt: lost.startedAt,
        at: ts,
        confidence: 1,
        late,
        detail: { daysOffSupervision: lost.days ?? 0 },
      }),
    );
  }
  let ankleStill = state.ankleStill;
  switch (type) {
    case 'strap_tamper':
    case 'case_open':
      episodes = tamper(episodes);
      break;
    case 'battery_low':
      // Still a fact when late: only a charging start after it disproves it.
      episodes = open(episodes, 'battery_low', startedAfter(episodes.charging, ts));
      break;
    case 'charging_start':
      episodes = clear(episodes, 'battery_low');
      if (!startedAfter(episodes.charging, ts))
        episodes = withEpisode(episodes, 'charging', { startedAt: ts });
      break;
    case 'charging_stop':
      // With no session known its charging_start was lost (or came before a reboot): the charge
      // happened, and that start would have ended battery low. Without it, a device that reports its
      // battery only through events kept battery low open for good: no reading would ever clear it.
      if (episodes.charging === undefined) episodes = clear(episodes, 'battery_low');
      else if (!startedAfter(episodes.charging, ts)) episodes = withEpisode(episodes, 'charging', null);
      break;
    case 'power_off':
      // Any later message shows the device on: a buffered power_off would open and clear at once.
      episodes = open(episodes, 'power_off', heardSince);
      break;
    case 'power_on':
      episodes = clear(episodes, 'power_off');
      // A reboot ends the device's charging session; it reports charging_start again if still on the
      // charger. Kept, the flag would hold back every low-battery alert after it (R12).
      if (episodes.charging !== undefined && !startedAfter(episodes.charging, ts))
        episodes = withEpisode(episodes, 'charging', null);
      break;
    case 'no_motion':
      // Anchored at the last fix; fixes after the event may have moved, so stillness counts from there.
      if (lastPosition !== null && ankleStill === null)
        ankleStill = {
          since: Math.max(ts, lastPosition.ts),
          lat: lastPosition.lat,
          lon: lastPosition.lon,
          acc: lastPosition.acc,
        };
      break;
    case 'heartbeat':
    case 'sos':
      // No alert kind exists for these; they count as contact only.
      break;
  }
  // Never after the event arrived: a device clock running ahead must not put off lost contact.
  const lastContactTs = Math.max(Math.min(ts, event.receivedAt), state.lastContactTs);
  if (
    changes.length === 0 &&
    episodes === state.episodes &&
    ankleStill === state.ankleStill &&
    lastContactTs === state.lastContactTs
  ) {
    return { state, changes: NO_CHANGES };
  }
  return { state: patchState(state, { episodes, ankleStill, lastContactTs }), changes };
}
