// Device events from the ankle monitor (ARCHITECTURE.md events topic). Events carry no position, so
// they are applied in whatever order they arrive; each one is contact with the device (Art. 30).
import type { DeviceEvent } from '../fix.js';
import { type AlertChange, alertChange, NO_CHANGES } from './alert-change.js';
import { activePeriodAt } from './em-order.js';
import { contactRestored } from './episode-rules.js';
import { type Evaluation, refuse } from './evaluation.js';
import type { PersonRulesContext } from './person-context.js';
import { type Episodes, type PersonState, patchState, withEpisode } from './person-state.js';
import { LATE_AFTER_MS } from './supervision-levels.js';

export function evaluateEvent(ctx: PersonRulesContext, state: PersonState, event: DeviceEvent): Evaluation {
  if (!activePeriodAt(ctx.orders, event.ts)) return refuse(state, 'no_active_order');
  if (event.deviceId !== ctx.monitorDeviceId) return refuse(state, 'unknown_device');
  const { ts, type } = event;
  const late = event.receivedAt - ts > LATE_AFTER_MS;
  const changes: AlertChange[] = [];
  const emit = (c: AlertChange | null): void => {
    if (c !== null) changes.push(c);
  };
  const open = (episodes: Episodes, kind: 'strap_tamper' | 'battery_low' | 'power_off'): Episodes => {
    const current = episodes[kind];
    const detail = { event: type, ...(event.detail !== undefined ? { eventDetail: event.detail } : {}) };
    if (current !== undefined) {
      // Repeated tamper stays one incident; the officer closes it in the incidents layer.
      if (kind === 'strap_tamper') {
        emit(
          alertChange({
            kind,
            action: 'update',
            startedAt: current.startedAt,
            at: ts,
            confidence: 1,
            late,
            detail,
          }),
        );
      }
      return episodes;
    }
    emit(alertChange({ kind, action: 'open', startedAt: ts, at: ts, confidence: 1, late, detail }));
    return withEpisode(episodes, kind, { startedAt: ts });
  };
  const clear = (episodes: Episodes, kind: 'battery_low' | 'power_off'): Episodes => {
    const current = episodes[kind];
    if (current === undefined) return episodes;
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
      // Strap cut or case opened: immediate critical, no evidence window (issue 4).
      episodes = open(episodes, 'strap_tamper');
      break;
    case 'battery_low':
      episodes = open(episodes, 'battery_low');
      break;
    case 'charging_start':
      episodes = withEpisode(clear(episodes, 'battery_low'), 'charging', { startedAt: ts });
      break;
    case 'charging_stop':
      episodes = withEpisode(episodes, 'charging', null);
      break;
    case 'power_off':
      episodes = open(episodes, 'power_off');
      break;
    case 'power_on':
      episodes = clear(episodes, 'power_off');
      break;
    case 'no_motion':
      if (lastPosition !== null && ankleStill === null)
        ankleStill = { since: ts, lat: lastPosition.lat, lon: lastPosition.lon, acc: lastPosition.acc };
      break;
    case 'heartbeat':
    case 'sos':
      // No alert kind exists for these; they count as contact only.
      break;
  }
  const lastContactTs = Math.max(ts, state.lastContactTs);
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
