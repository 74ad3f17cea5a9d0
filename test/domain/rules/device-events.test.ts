// Device events against the episodes they open and end: a strap cut after an earlier one was
// handled, events that arrive after later contact (issue 4), and the charging flag.
import { describe, expect, it } from 'vitest';
import { evaluateEvent } from '../../../src/domain/rules/evaluate-event.js';
import { initialPersonState } from '../../../src/domain/rules/person-state.js';
import { decodePersonState, encodePersonState } from '../../../src/domain/rules/person-state-codec.js';
import { TAMPER_REPEAT_MS } from '../../../src/domain/rules/supervision-levels.js';
import { context, DAY, event, fix, HOUR, MIN, MONDAY, run, series } from './fixture.js';

const NOON = MONDAY + 12 * HOUR;

describe('strap tamper episodes', () => {
  const ctx = context();
  const s0 = run(ctx, [fix({ ts: NOON, east: 0, north: 0 })]).state;

  it('a second cut a week after the first (refitted meanwhile) is a new episode, opened', () => {
    const first = evaluateEvent(ctx, s0, event(NOON + MIN, 'strap_tamper'));
    expect(first.changes[0]).toMatchObject({ kind: 'strap_tamper', action: 'open' });
    const week = run(ctx, series(5, NOON + 7 * DAY, MIN, { east: 0, north: 0 }), first.state);
    const second = evaluateEvent(ctx, week.state, event(NOON + 7 * DAY + 10 * MIN, 'strap_tamper'));
    expect(second.changes.filter((c) => c.kind === 'strap_tamper')).toMatchObject([
      { action: 'open', startedAt: NOON + 7 * DAY + 10 * MIN },
    ]);
  });

  it('one continuous tamper (a report every few minutes for an hour) stays one episode', () => {
    let s = s0;
    const actions: string[] = [];
    for (let t = NOON + MIN; t < NOON + HOUR; t += 5 * MIN) {
      const r = evaluateEvent(ctx, s, event(t, 'strap_tamper'));
      s = r.state;
      for (const c of r.changes) actions.push(`${c.action}@${c.startedAt - NOON}`);
    }
    expect(actions[0]).toBe(`open@${MIN}`);
    expect(new Set(actions.slice(1))).toEqual(new Set([`update@${MIN}`]));
  });

  it('the repeat window runs from the latest report, and a state stored before it knew one still works', () => {
    const a = evaluateEvent(ctx, s0, event(NOON, 'strap_tamper'));
    const b = evaluateEvent(ctx, a.state, event(NOON + TAMPER_REPEAT_MS, 'case_open'));
    expect(b.changes[0]).toMatchObject({ action: 'update', startedAt: NOON });
    const c = evaluateEvent(ctx, b.state, event(NOON + 2 * TAMPER_REPEAT_MS, 'strap_tamper'));
    expect(c.changes[0]).toMatchObject({ action: 'update', startedAt: NOON });
    // Stored before `lastAt` existed: the episode's start stands in for the latest report.
    const old = { ...s0, episodes: { strap_tamper: { startedAt: NOON } } };
    const d = evaluateEvent(ctx, old, event(NOON + TAMPER_REPEAT_MS + MIN, 'strap_tamper'));
    expect(d.changes[0]).toMatchObject({ action: 'open', startedAt: NOON + TAMPER_REPEAT_MS + MIN });
  });

  it('the latest report survives a restart (the state store encodes it)', () => {
    const a = evaluateEvent(ctx, s0, event(NOON, 'strap_tamper'));
    const b = evaluateEvent(ctx, a.state, event(NOON + 20 * MIN, 'strap_tamper'));
    const restored = decodePersonState(encodePersonState(b.state));
    const c = evaluateEvent(ctx, restored, event(NOON + 45 * MIN, 'strap_tamper'));
    expect(c.changes[0]).toMatchObject({ action: 'update', startedAt: NOON });
  });

  it('a late report of a cut long before the running episode is reported (late) and keeps the episode', () => {
    const a = evaluateEvent(ctx, s0, event(NOON + 2 * HOUR, 'strap_tamper'));
    const late = evaluateEvent(ctx, a.state, event(NOON - HOUR, 'strap_tamper', NOON + 2 * HOUR + MIN));
    expect(late.changes[0]).toMatchObject({ action: 'open', startedAt: NOON - HOUR, late: true });
    expect(late.state.episodes.strap_tamper?.startedAt).toBe(NOON + 2 * HOUR);
  });
});

describe('events delivered after later contact (issue 4: event time)', () => {
  const ctx = context();
  const s0 = run(ctx, [fix({ ts: NOON + 30 * MIN, east: 0, north: 0 })]).state;
  const kinds = (r: { changes: readonly { kind: string; action: string }[] }) =>
    r.changes.map((c) => `${c.action} ${c.kind}`);

  it('a buffered power_off older than a fix already received opens nothing', () => {
    const r = evaluateEvent(ctx, s0, event(NOON, 'power_off', NOON + 31 * MIN));
    expect(kinds(r)).toEqual([]);
    expect(r.state.episodes.power_off).toBeUndefined();
  });

  it('nor one older than a later event from the device, delivered late', () => {
    const heard = evaluateEvent(ctx, s0, event(NOON + 40 * MIN, 'heartbeat')).state;
    const r = evaluateEvent(ctx, heard, event(NOON + 35 * MIN, 'power_off', NOON + 41 * MIN));
    expect(kinds(r)).toEqual([]);
  });

  it('a power_off after the last contact still opens, late or not; on a device never heard from too', () => {
    expect(kinds(evaluateEvent(ctx, s0, event(NOON + 31 * MIN, 'power_off')))).toEqual(['open power_off']);
    const late = evaluateEvent(ctx, s0, event(NOON + 31 * MIN, 'power_off', NOON + 40 * MIN));
    expect(late.changes).toMatchObject([{ kind: 'power_off', action: 'open', late: true }]);
    expect(kinds(evaluateEvent(ctx, initialPersonState(NOON), event(NOON - 1, 'power_off', NOON)))).toEqual([
      'open power_off',
    ]);
  });

  it('a late power_on from before the power_off does not end it', () => {
    const off = evaluateEvent(ctx, s0, event(NOON + 40 * MIN, 'power_off')).state;
    const r = evaluateEvent(ctx, off, event(NOON + 35 * MIN, 'power_on', NOON + 41 * MIN));
    expect(kinds(r)).toEqual([]);
    expect(r.state.episodes.power_off?.startedAt).toBe(NOON + 40 * MIN);
  });

  it('a late strap tamper is still raised, marked late', () => {
    const r = evaluateEvent(ctx, s0, event(NOON, 'strap_tamper', NOON + 31 * MIN));
    expect(r.changes).toMatchObject([{ kind: 'strap_tamper', action: 'open', startedAt: NOON, late: true }]);
  });

  it('a late battery_low is raised (late) unless the device started charging after it', () => {
    const r = evaluateEvent(ctx, s0, event(NOON, 'battery_low', NOON + 31 * MIN));
    expect(r.changes).toMatchObject([{ kind: 'battery_low', action: 'open', late: true }]);
    const charging = evaluateEvent(ctx, s0, event(NOON + 31 * MIN, 'charging_start')).state;
    expect(kinds(evaluateEvent(ctx, charging, event(NOON, 'battery_low', NOON + 32 * MIN)))).toEqual([]);
  });

  it('a late charging_start from before a battery_low does not clear it', () => {
    const low = evaluateEvent(ctx, s0, event(NOON + 31 * MIN, 'battery_low')).state;
    const r = evaluateEvent(ctx, low, event(NOON + 20 * MIN, 'charging_start', NOON + 32 * MIN));
    expect(kinds(r)).toEqual([]);
    expect(r.state.episodes.battery_low).toBeDefined();
  });

  it('a late charging_stop from before the charging_start does not end charging', () => {
    const charging = evaluateEvent(ctx, s0, event(NOON + 31 * MIN, 'charging_start')).state;
    const r = evaluateEvent(ctx, charging, event(NOON + 20 * MIN, 'charging_stop', NOON + 32 * MIN));
    expect(r.state.episodes.charging?.startedAt).toBe(NOON + 31 * MIN);
  });

  it('a late no_motion counts the stillness from the last fix, not from before it', () => {
    const r = evaluateEvent(ctx, s0, event(NOON, 'no_motion', NOON + 31 * MIN));
    expect(r.state.ankleStill?.since).toBe(NOON + 30 * MIN);
  });
});

describe('a fix from before a power off, evaluated after it', () => {
  it('does not end the power off', () => {
    const ctx = context();
    const s0 = run(ctx, [fix({ ts: NOON, east: 0, north: 0 })]).state;
    const off = evaluateEvent(ctx, s0, event(NOON + 10 * MIN, 'power_off')).state;
    const before = run(
      ctx,
      [fix({ ts: NOON + 5 * MIN, east: 0, north: 0, receivedAt: NOON + 11 * MIN })],
      off,
    );
    expect(before.changes.filter((c) => c.kind === 'power_off')).toEqual([]);
    const after = run(ctx, [fix({ ts: NOON + 12 * MIN, east: 0, north: 0 })], before.state);
    expect(after.changes.filter((c) => c.kind === 'power_off').map((c) => c.action)).toEqual(['clear']);
  });
});

describe('charging that is never reported as stopped', () => {
  const ctx = context();
  const s0 = run(ctx, [fix({ ts: NOON, east: 0, north: 0, batteryPct: 30 })]).state;
  const drain = (start: number, pcts: readonly number[]) =>
    pcts.map((batteryPct, i) => fix({ ts: start + i * 3 * HOUR, east: 0, north: 0, batteryPct }));
  const lows = (r: { changes: readonly { kind: string; action: string; startedAt: number }[] }) =>
    r.changes
      .filter((c) => c.kind === 'battery_low')
      .map((c) => `${c.action}@${(c.startedAt - NOON) / HOUR}h`);

  it('a reboot while charging ends it: a battery draining to 5 % over a day raises battery low', () => {
    let s = evaluateEvent(ctx, s0, event(NOON + MIN, 'charging_start')).state;
    s = evaluateEvent(ctx, s, event(NOON + 2 * HOUR, 'power_off')).state;
    s = evaluateEvent(ctx, s, event(NOON + 2 * HOUR + 5 * MIN, 'power_on')).state;
    expect(s.episodes.charging).toBeUndefined();
    expect(lows(run(ctx, drain(NOON + 3 * HOUR, [90, 70, 50, 30, 20, 14, 10, 5]), s))).toEqual(['open@18h']);
  });

  it('without a reboot, a low reading long after the charging began raises battery low', () => {
    const s = evaluateEvent(ctx, s0, event(NOON + MIN, 'charging_start')).state;
    const r = run(ctx, drain(NOON + 3 * HOUR, [90, 70, 50, 30, 20, 14, 10, 5]), s);
    expect(lows(r)).toEqual(['open@18h']);
  });

  it('a low reading just after the charger went in is what charging deals with: no alert', () => {
    const s = evaluateEvent(ctx, s0, event(NOON + MIN, 'charging_start')).state;
    const r = run(ctx, [fix({ ts: NOON + 20 * MIN, east: 0, north: 0, batteryPct: 8 })], s);
    expect(lows(r)).toEqual([]);
    expect(r.state.episodes.charging).toBeDefined();
  });
});

describe('battery low known only from events', () => {
  const ctx = context();
  const s0 = run(ctx, [fix({ ts: NOON, east: 0, north: 0 })]).state;
  const lows = (changes: readonly { kind: string; action: string }[]) =>
    changes.filter((c) => c.kind === 'battery_low').map((c) => c.action);

  it('a charging_stop whose charging_start was lost ends it, as that start would have', () => {
    const low = evaluateEvent(ctx, s0, event(NOON + MIN, 'battery_low'));
    const day = run(ctx, series(3, NOON + HOUR, HOUR, { east: 0, north: 0 }), low.state);
    expect(lows(day.changes)).toEqual([]);
    const stop = evaluateEvent(ctx, day.state, event(NOON + 5 * HOUR, 'charging_stop'));
    expect(lows(stop.changes)).toEqual(['clear']);
  });

  it('but not one ending a charging session that was seen and did not lift the level', () => {
    const charging = evaluateEvent(ctx, s0, event(NOON + MIN, 'charging_start')).state;
    const low = run(ctx, [fix({ ts: NOON + 3 * HOUR, east: 0, north: 0, batteryPct: 9 })], charging);
    expect(lows(low.changes)).toEqual(['open']);
    const stop = evaluateEvent(ctx, low.state, event(NOON + 3 * HOUR + MIN, 'charging_stop'));
    expect(lows(stop.changes)).toEqual([]);
  });
});
