import { describe, expect, it } from 'vitest';
import { nextClockDue } from '../../../src/domain/rules/clock-due.js';
import { compileCurfew } from '../../../src/domain/rules/curfew-schedule.js';
import { evaluateClock } from '../../../src/domain/rules/evaluate-clock.js';
import { evaluateEvent } from '../../../src/domain/rules/evaluate-event.js';
import { evaluateFix } from '../../../src/domain/rules/evaluate-fix.js';
import { evaluateGathering, NO_GATHERING } from '../../../src/domain/rules/gathering.js';
import { initialPersonState } from '../../../src/domain/rules/person-state.js';
import { decodePersonState, encodePersonState } from '../../../src/domain/rules/person-state-codec.js';
import { at, context, DAY, event, fix, HOUR, leave, MIN, MONDAY, run, series, summary } from './fixture.js';

const NOON = MONDAY + 12 * HOUR;

describe('lost contact (Art. 30)', () => {
  it('opens when the level timeout passes, starting at the last contact, counts days, clears on contact', () => {
    const ctx = context();
    const { state } = run(ctx, [fix({ ts: NOON, east: 0, north: 0 })]);
    expect(evaluateClock(ctx, state, NOON + 15 * MIN).changes).toEqual([]);
    const opened = evaluateClock(ctx, state, NOON + 15 * MIN + 1);
    expect(opened.changes[0]).toMatchObject({
      kind: 'lost_contact',
      action: 'open',
      startedAt: NOON,
      severity: 'high',
    });
    expect(evaluateClock(ctx, opened.state, NOON + HOUR).changes).toEqual([]);
    const day = evaluateClock(ctx, opened.state, NOON + DAY + MIN);
    expect(day.changes[0]).toMatchObject({
      kind: 'lost_contact',
      action: 'update',
      detail: { daysOffSupervision: 1 },
    });
    const back = evaluateFix(ctx, day.state, fix({ ts: NOON + DAY + 2 * MIN, east: 0, north: 0 }));
    expect(back.changes[0]).toMatchObject({ kind: 'lost_contact', action: 'clear', startedAt: NOON });
  });
  it('uses the level: strict times out at 5 min, lenient at 60 min', () => {
    for (const [level, quiet, loud] of [
      ['strict', 5 * MIN, 6 * MIN],
      ['lenient', 60 * MIN, 61 * MIN],
    ] as const) {
      const ctx = context({ level });
      const { state } = run(ctx, [fix({ ts: NOON, east: 0, north: 0 })]);
      expect(evaluateClock(ctx, state, NOON + quiet).changes).toEqual([]);
      expect(summary(evaluateClock(ctx, state, NOON + loud).changes)).toEqual(['open lost_contact']);
    }
  });
  it('is not cleared by contact from before the silence began (a late or buffered report)', () => {
    const ctx = context();
    const { state } = run(ctx, [fix({ ts: NOON, east: 0, north: 0 })]);
    const opened = evaluateClock(ctx, state, NOON + 16 * MIN);
    expect(summary(opened.changes)).toEqual(['open lost_contact']);
    // A heartbeat taken before the last fix, delivered an hour later: nothing new since NOON.
    const old = evaluateEvent(ctx, opened.state, event(NOON - 5 * MIN, 'heartbeat', NOON + HOUR));
    expect(old.changes).toEqual([]);
    expect(evaluateClock(ctx, old.state, NOON + HOUR + MIN).changes).toEqual([]);
    // One taken after it ends the silence, at its own time.
    const back = evaluateEvent(ctx, old.state, event(NOON + 30 * MIN, 'heartbeat', NOON + HOUR + 2 * MIN));
    expect(back.changes[0]).toMatchObject({ kind: 'lost_contact', action: 'clear', startedAt: NOON });
  });
  it('counts a device whose clock runs ahead as heard from when its report arrived, not later', () => {
    // Stamped 4 min ahead of arrival (up to 5 min is accepted): the silence runs from arrival, so lost
    // contact opens on time, not 4 min late, and starts when the device was last heard.
    const ctx = context();
    const { state } = run(ctx, [fix({ ts: NOON + 4 * MIN, receivedAt: NOON, east: 0, north: 0 })]);
    const opened = evaluateClock(ctx, state, NOON + 15 * MIN + 1);
    expect(opened.changes[0]).toMatchObject({ kind: 'lost_contact', action: 'open', startedAt: NOON });
    // An event likewise.
    const e = evaluateEvent(
      ctx,
      initialPersonState(NOON),
      event(NOON + 14 * MIN, 'heartbeat', NOON + 10 * MIN),
    );
    expect(summary(evaluateClock(ctx, e.state, NOON + 25 * MIN + 1).changes)).toEqual(['open lost_contact']);
  });
  it('a device event is contact too', () => {
    const ctx = context();
    const s = evaluateEvent(ctx, initialPersonState(NOON), event(NOON + 10 * MIN, 'heartbeat')).state;
    expect(evaluateClock(ctx, s, NOON + 20 * MIN).changes).toEqual([]);
  });
  it('a person never heard from loses contact from their first state, never before the EM period', () => {
    // First looked at before the order began: the silence counts from the order start.
    const ctx = context({ orders: [{ start: NOON, end: NOON + 30 * DAY }] });
    const early = initialPersonState(NOON - 3 * DAY);
    expect(evaluateClock(ctx, early, NOON + 15 * MIN).changes).toEqual([]);
    expect(evaluateClock(ctx, early, NOON + 15 * MIN + 1).changes[0]).toMatchObject({
      kind: 'lost_contact',
      action: 'open',
      startedAt: NOON,
      detail: { daysOffSupervision: 0 },
    });
    // First looked at during the order: from that first state (not the order start months before).
    const later = initialPersonState(NOON + 2 * DAY);
    const opened = evaluateClock(ctx, later, NOON + 2 * DAY + 16 * MIN);
    expect(opened.changes[0]).toMatchObject({ action: 'open', startedAt: NOON + 2 * DAY });
    expect(nextClockDue(ctx, later, NOON + 2 * DAY + 10 * MIN)).toBe(NOON + 2 * DAY + 15 * MIN + 1);
  });
  it('a renewal after a gap starts the silence afresh; a back-to-back renewal carries it on', () => {
    const { state } = run(context(), [fix({ ts: NOON, east: 0, north: 0 })]);
    const gap = context({
      orders: [
        { start: NOON - DAY, end: NOON + HOUR },
        { start: NOON + 2 * DAY, end: NOON + 30 * DAY },
      ],
    });
    expect(evaluateClock(gap, state, NOON + 2 * DAY + 10 * MIN).changes).toEqual([]);
    expect(evaluateClock(gap, state, NOON + 2 * DAY + 16 * MIN).changes[0]).toMatchObject({
      startedAt: NOON + 2 * DAY,
    });
    const backToBack = context({
      orders: [
        { start: NOON - DAY, end: NOON + HOUR },
        { start: NOON + HOUR, end: NOON + 30 * DAY },
      ],
    });
    expect(evaluateClock(backToBack, state, NOON + 2 * HOUR).changes[0]).toMatchObject({
      action: 'open',
      startedAt: NOON,
    });
  });
  it('refuses the clock outside an EM period', () => {
    expect(evaluateClock(context(), initialPersonState(0), MONDAY + 90 * DAY).dropped).toBe(
      'no_active_order',
    );
  });
});

describe('curfew (residence, 22:00–06:00 Asia/Shanghai)', () => {
  const night = MONDAY + 22 * HOUR;
  it('a fix outside home in the window opens a breach after the evidence; the window end clears it', () => {
    const ctx = context();
    const { changes, state } = run(ctx, series(3, night + 30 * MIN, MIN, { east: 500, north: 0 }));
    expect(changes[0]).toMatchObject({
      kind: 'curfew_breach',
      action: 'open',
      startedAt: night + 30 * MIN,
      zoneId: 'home',
    });
    const morning = evaluateClock(ctx, state, night + 8 * HOUR + 1);
    expect(morning.changes.find((c) => c.kind === 'curfew_breach')).toMatchObject({
      action: 'clear',
      at: night + 8 * HOUR,
      detail: { reason: 'window_ended' },
    });
  });
  it('must be inside now: already outside when the window starts is a breach from the window start', () => {
    const ctx = context();
    // 7 km out at 21:50: not home by 22:00 even at PRESENCE_REACH_MPS (10 m/s, 6 km).
    const { state } = run(ctx, [fix({ ts: night - 10 * MIN, east: 7000, north: 0 })]);
    expect(evaluateClock(ctx, state, night + 30_000).changes).toEqual([]);
    const r = evaluateClock(ctx, state, night + 61_000);
    expect(r.changes[0]).toMatchObject({
      kind: 'curfew_breach',
      action: 'open',
      startedAt: night,
      detail: { check: 'window_start' },
    });
    expect(evaluateClock(ctx, r.state, night + 5 * MIN).changes).toEqual([]);
    const home = run(ctx, series(3, night + 6 * MIN, MIN, { east: 0, north: 0 }), r.state);
    expect(summary(home.changes)).toEqual(['clear curfew_breach@home']);
  });
  it('a last fix from cell or Wi-Fi alone never opens the window-start breach: presence unknown', () => {
    const ctx = context();
    for (const source of ['cell', 'wifi'] as const) {
      const coarse = fix({
        ts: night - 10 * MIN,
        east: 3000,
        north: 0,
        acc: source === 'cell' ? 500 : 60,
        source,
      });
      // Even after a GNSS fix outside: the last fix is the coarse one.
      const gnssThenCoarse = [fix({ ts: night - 12 * MIN, east: 0, north: 3000 }), coarse];
      for (const fixes of [[coarse], gnssThenCoarse]) {
        const { state } = run(ctx, fixes);
        for (const t of [night + 61_000, night + 5 * MIN, night + 10 * MIN]) {
          expect(evaluateClock(ctx, state, t).changes.filter((c) => c.kind === 'curfew_breach')).toEqual([]);
        }
      }
    }
    // The next GNSS fixes decide: three of them outside open the breach.
    const { state } = run(ctx, [
      fix({ ts: night - 10 * MIN, east: 0, north: 3000, acc: 500, source: 'cell' }),
    ]);
    const gnss = run(ctx, series(3, night + 11 * MIN, MIN, { east: 0, north: 3000 }), state);
    expect(summary(gnss.changes)).toEqual(['open curfew_breach@home']);
  });
  it('whether the last fix was GNSS survives the state codec; a state stored before it decodes as unknown', () => {
    const ctx = context();
    const { state } = run(ctx, [fix({ ts: night - 10 * MIN, east: 7000, north: 0 })]);
    expect(decodePersonState(encodePersonState(state)).lastStrong).toBe(true);
    const old = JSON.parse(encodePersonState(state)) as Record<string, unknown>;
    delete old.lastStrong;
    const decoded = decodePersonState(JSON.stringify(old));
    expect(decoded.lastStrong).toBe(false);
    expect(evaluateClock(ctx, state, night + 3 * MIN).changes).toHaveLength(1);
    expect(evaluateClock(ctx, decoded, night + 3 * MIN).changes).toEqual([]);
  });
  it('a last fix from which the person could have been home by the window start is no breach', () => {
    // 500 m out at 21:50 and nothing since: at 10 m/s (PRESENCE_REACH_MPS) home by 22:00 with ease.
    // Presence is unknown, not a breach; the silence is lost contact's to report (Art. 30).
    const ctx = context();
    const { state } = run(ctx, [fix({ ts: night - 10 * MIN, east: 500, north: 0 })]);
    const ticks = [night + 61_000, night + 3 * MIN, night + 5 * MIN].map((t) => evaluateClock(ctx, state, t));
    expect(ticks.flatMap((r) => r.changes.filter((c) => c.kind === 'curfew_breach'))).toEqual([]);
    expect(summary(evaluateClock(ctx, state, night + 6 * MIN).changes)).toEqual(['open lost_contact']);
  });
  it('judges presence at the window start only once the next regular fix is overdue', () => {
    // Normal level, a fix every 2 min: walking home, last fix 21:59:10 at 300 m; the next, from
    // home, comes 22:01:10. The check must not run before it could have arrived.
    const ctx = context();
    const walking = run(ctx, [
      fix({ ts: night - 170_000, east: 600, north: 0 }),
      fix({ ts: night - 50_000, east: 300, north: 0 }),
    ]).state;
    const overdueAt = night - 50_000 + 1.5 * ctx.params.reportIntervalMs + 1;
    expect(nextClockDue(ctx, walking, night - 50_000)).toBe(overdueAt);
    const tick = evaluateClock(ctx, walking, night + 61_000);
    expect(tick.changes).toEqual([]);
    const home = evaluateFix(ctx, tick.state, fix({ ts: night + 70_000, east: 0, north: 0 }));
    expect(home.changes).toEqual([]);
    expect(evaluateClock(ctx, home.state, overdueAt + MIN).changes).toEqual([]);
    // Nothing more heard: 300 m from home 50 s before the window, the person may well be in; presence
    // is unknown (lost contact answers for the silence), never a breach.
    expect(evaluateClock(ctx, walking, overdueAt + MIN).changes).toEqual([]);
    // Really out (3 km at 21:59:10, beyond 500 m of reach), nothing more heard: the breach opens as
    // soon as the fix is overdue, from the window start.
    const out = run(ctx, [
      fix({ ts: night - 170_000, east: 3500, north: 0 }),
      fix({ ts: night - 50_000, east: 3000, north: 0 }),
    ]).state;
    expect(evaluateClock(ctx, out, overdueAt - 1).changes).toEqual([]);
    expect(evaluateClock(ctx, out, overdueAt).changes[0]).toMatchObject({
      kind: 'curfew_breach',
      action: 'open',
      startedAt: night,
    });
  });
  it('the first fix in the window confirms a person already out at its start (one of the two fixes GNSS)', () => {
    const ctx = context();
    const teahouse = { east: 0, north: 2000 };
    const gnss = fix({ ts: night - 50_000, ...teahouse });
    const wifi = (ts: number) => fix({ ts, ...teahouse, acc: 60, source: 'wifi' });
    // Last GNSS fix at 21:59:10 at the teahouse, then a Wi-Fi fix there at 22:01:10: out since 22:00.
    const r = run(ctx, [gnss, wifi(night + 70_000)]);
    expect(r.changes).toMatchObject([
      {
        kind: 'curfew_breach',
        action: 'open',
        startedAt: night,
        at: night + 70_000,
        detail: { check: 'window_start' },
      },
    ]);
    expect(r.changes[0]!.evidence).toHaveLength(2);
    // A Wi-Fi fix before the window and a GNSS fix in it agree as well.
    const other = run(ctx, [wifi(night - 50_000), fix({ ts: night + 70_000, ...teahouse })]);
    expect(summary(other.changes)).toEqual(['open curfew_breach@home']);
    // Two coarse fixes never open it; nor does anything while on leave.
    const coarse = run(ctx, [wifi(night - 50_000), wifi(night + 70_000)]);
    expect(coarse.changes).toEqual([]);
    const onLeave = context({ permits: [leave(MONDAY + 8 * HOUR, MONDAY + 2 * DAY)] });
    expect(run(onLeave, [gnss, wifi(night + 70_000)]).changes).toEqual([]);
  });
  it('an approved leave suspends the curfew at home; the permit rules apply instead (Art. 27)', () => {
    // Monday 08:00 to Thursday 00:00 in Chengdu, 2 h grace: three nights away.
    const permit = leave(MONDAY + 8 * HOUR, MONDAY + 3 * DAY);
    const ctx = context({ permits: [permit] });
    const chengdu = { east: -80_000, north: 60_000 };
    let state = run(ctx, [fix({ ts: MONDAY + 7 * HOUR, east: 0, north: 0 })]).state;
    const changes = [];
    for (let n = 0; n < 3; n++) {
      const evening = run(ctx, series(3, night + n * DAY - HOUR, MIN, chengdu), state);
      const tick = evaluateClock(ctx, evening.state, night + n * DAY + 5 * MIN);
      const late = run(ctx, series(6, night + n * DAY + 30 * MIN, MIN, chengdu), tick.state);
      changes.push(...evening.changes, ...tick.changes, ...late.changes);
      state = late.state;
    }
    expect(changes.filter((c) => c.kind === 'curfew_breach')).toEqual([]);
    // Back home on Thursday; out again that night, with no leave: the curfew applies again.
    const back = run(ctx, series(3, MONDAY + 3 * DAY + 12 * HOUR, MIN, { east: 0, north: 0 }), state);
    const out = run(ctx, series(3, night + 3 * DAY + 30 * MIN, MIN, { east: 500, north: 0 }), back.state);
    expect(summary(out.changes)).toEqual(['open curfew_breach@home']);
  });
  it('a standing area approval does not suspend the curfew', () => {
    const ctx = context({ permits: [leave(MONDAY, MONDAY + 7 * DAY, { standing: true })] });
    const r = run(ctx, series(3, night + 30 * MIN, MIN, { east: 500, north: 0 }));
    expect(summary(r.changes)).toEqual(['open curfew_breach@home']);
  });
  it('a leave ending inside a window: the window-start check counts the breach from the leave deadline', () => {
    // Lenient level (lost contact after 60 min). Leave until 20:20 with 2 h grace: deadline 22:20.
    const ctx = context({ level: 'lenient', permits: [leave(MONDAY + 8 * HOUR, night - 100 * MIN)] });
    const deadline = night + 20 * MIN;
    // Last heard at 21:50, still at the leave's destination 40 km off: not home by 22:20.
    const { state } = run(ctx, [fix({ ts: night - 10 * MIN, east: 40_000, north: 0 })]);
    expect(evaluateClock(ctx, state, night + 5 * MIN).changes).toEqual([]);
    expect(evaluateClock(ctx, state, deadline).changes).toEqual([]);
    expect(nextClockDue(ctx, state, deadline - 5 * MIN)).toBe(deadline + 1);
    const r = evaluateClock(ctx, state, deadline + 1);
    expect(r.changes.find((c) => c.kind === 'curfew_breach')).toMatchObject({
      action: 'open',
      startedAt: deadline,
    });
  });
  describe('adjacent windows (22:00–24:00, then 00:00–06:00) are one stretch of curfew', () => {
    const split = (exceptions: { date: string; windows: { startMin: number; endMin: number }[] }[] = []) =>
      compileCurfew({
        weekly: [0, 1, 2, 3, 4, 5, 6].flatMap((weekday) => [
          { weekday, startMin: 22 * 60, endMin: 1440 },
          { weekday, startMin: 0, endMin: 6 * 60 },
        ]),
        exceptions,
      });
    const midnight = night + 2 * HOUR;
    const morning = night + 8 * HOUR;
    it('one continuous breach across midnight is one episode, closed when the last window ends', () => {
      const ctx = context({ curfew: split() });
      const all = run(ctx, series(225, night + 30 * MIN, 2 * MIN, { east: 500, north: 0 }));
      expect(summary(all.changes)).toEqual(['open curfew_breach@home']);
      expect(nextClockDue(ctx, all.state, morning - 2 * MIN)).toBe(morning);
      expect(evaluateClock(ctx, all.state, morning).changes).toMatchObject([
        { kind: 'curfew_breach', action: 'clear', startedAt: night + 30 * MIN, at: morning },
      ]);
      // The clock at midnight carries the breach on too, and closes it when the stretch ends.
      const evening = run(ctx, series(45, night + 30 * MIN, 2 * MIN, { east: 500, north: 0 }));
      const atMidnight = evaluateClock(ctx, evening.state, midnight + 1);
      expect(atMidnight.changes).toEqual([]);
      const later = evaluateClock(ctx, atMidnight.state, midnight + 5 * MIN);
      expect(later.changes.filter((c) => c.kind === 'curfew_breach')).toEqual([]);
      const ended = evaluateClock(ctx, atMidnight.state, morning).changes;
      expect(ended.filter((c) => c.kind === 'curfew_breach')).toMatchObject([
        { action: 'clear', startedAt: night + 30 * MIN, at: morning, detail: { reason: 'window_ended' } },
      ]);
    });
    it('a breach pending at midnight carries its evidence run on', () => {
      const ctx = context({ curfew: split() });
      const r = run(ctx, series(3, midnight - MIN, MIN, { east: 500, north: 0 }));
      expect(r.changes[0]).toMatchObject({
        kind: 'curfew_breach',
        action: 'open',
        startedAt: midnight - MIN,
      });
    });
    it('a dated exception that drops the 00:00–06:00 window still ends the breach at midnight', () => {
      // MONDAY night's next local day is Tuesday 2026-03-03.
      const ctx = context({ curfew: split([{ date: '2026-03-03', windows: [] }]) });
      const r = run(ctx, series(45, night + 30 * MIN, 2 * MIN, { east: 500, north: 0 }));
      expect(summary(r.changes)).toEqual(['open curfew_breach@home']);
      expect(nextClockDue(ctx, r.state, midnight - 2 * MIN)).toBe(midnight);
      const ended = evaluateClock(ctx, r.state, midnight);
      expect(ended.changes).toMatchObject([
        { action: 'clear', at: midnight, detail: { reason: 'window_ended' } },
      ]);
      const later = run(ctx, series(3, midnight + 30 * MIN, MIN, { east: 500, north: 0 }), r.state);
      expect(summary(later.changes)).toEqual(['clear curfew_breach@home']);
    });
  });
  it('at home at the window start: nothing', () => {
    const ctx = context();
    const { state } = run(ctx, [fix({ ts: night - 10 * MIN, east: 10, north: 0 })]);
    expect(evaluateClock(ctx, state, night + 5 * MIN).changes).toEqual([]);
  });
  it('outside home in the day is not a curfew matter', () => {
    expect(run(context(), series(10, NOON, MIN, { east: 500, north: 0 })).changes).toEqual([]);
  });
});

describe('device events', () => {
  const ctx = context();
  const s0 = run(ctx, [fix({ ts: NOON, east: 0, north: 0 })]).state;
  it('strap tamper is an immediate critical; a repeat updates the same episode', () => {
    const a = evaluateEvent(ctx, s0, event(NOON + MIN, 'strap_tamper'));
    expect(a.changes[0]).toMatchObject({
      kind: 'strap_tamper',
      action: 'open',
      severity: 'critical',
      startedAt: NOON + MIN,
      confidence: 1,
    });
    const b = evaluateEvent(ctx, a.state, event(NOON + 2 * MIN, 'case_open'));
    expect(b.changes[0]).toMatchObject({ kind: 'strap_tamper', action: 'update', startedAt: NOON + MIN });
  });
  it('battery low opens and charging clears; battery on fixes has hysteresis', () => {
    const a = evaluateEvent(ctx, s0, event(NOON + MIN, 'battery_low'));
    expect(summary(a.changes)).toEqual(['open battery_low']);
    expect(summary(evaluateEvent(ctx, a.state, event(NOON + 2 * MIN, 'charging_start')).changes)).toEqual([
      'clear battery_low',
    ]);
    const fixes = [10, 18, 24, 30].map((batteryPct, i) =>
      fix({ ts: NOON + (i + 1) * MIN, east: 0, north: 0, batteryPct }),
    );
    expect(summary(run(ctx, fixes, s0).changes)).toEqual(['open battery_low', 'clear battery_low']);
  });
  it('power off opens, power on (or any fix) clears', () => {
    const a = evaluateEvent(ctx, s0, event(NOON + MIN, 'power_off'));
    expect(a.changes[0]).toMatchObject({ kind: 'power_off', action: 'open', severity: 'medium' });
    expect(summary(evaluateEvent(ctx, a.state, event(NOON + 2 * MIN, 'power_on')).changes)).toEqual([
      'clear power_off',
    ]);
    expect(
      summary(evaluateFix(ctx, a.state, fix({ ts: NOON + 3 * MIN, east: 0, north: 0 })).changes),
    ).toEqual(['clear power_off']);
  });
});

describe('person–device separation (人机分离)', () => {
  it('monitor lying still while the phone moves away opens; the monitor moving clears', () => {
    const ctx = context();
    const s0 = run(ctx, [fix({ ts: NOON, east: 0, north: 0 })]).state;
    const still = evaluateEvent(ctx, s0, event(NOON + MIN, 'no_motion')).state;
    // While the monitor is heard from (its no_motion a minute ago: MONITOR_HEARD_INTERVALS).
    const phone = series(3, NOON + 2 * MIN, MIN, { east: 1500, north: 0, deviceId: 'phone-1' });
    const away = run(ctx, phone, still);
    expect(away.changes[0]).toMatchObject({
      kind: 'person_device_separation',
      action: 'open',
      startedAt: NOON + 2 * MIN,
    });
    const near = run(
      ctx,
      series(3, NOON + 10 * MIN, MIN, { east: 50, north: 0, deviceId: 'phone-1' }),
      still,
    );
    expect(near.changes).toEqual([]);
    // Moving takes two confident fixes away from where it lay (STILL_MOVED_FIXES).
    const moved = run(ctx, series(2, NOON + 20 * MIN, MIN, { east: 400, north: 0 }), away.state);
    expect(summary(moved.changes)).toEqual(['clear person_device_separation@ankle-1']);
  });
});

describe('protected person proximity', () => {
  const ctx = context({ protectedPersons: [{ id: 'victim-1', radiusM: 300, freshMs: 10 * MIN }] });
  it('opens near a fresh victim position; a stale one is reported as proximity unknown, never silence', () => {
    const victim = { ts: NOON, ...at(1000, 0), acc: 10 };
    const peers = { protectedFixes: new Map([['victim-1', victim]]) };
    const near = run(ctx, series(3, NOON + MIN, MIN, { east: 1050, north: 0 }), undefined, peers);
    expect(near.changes.find((c) => c.kind === 'protected_person_proximity')).toMatchObject({
      action: 'open',
      severity: 'critical',
      zoneId: 'victim-1',
    });
    const stale = run(ctx, [fix({ ts: NOON + HOUR, east: 0, north: 0 })], undefined, peers);
    expect(stale.changes[0]).toMatchObject({
      kind: 'proximity_unknown',
      action: 'open',
      severity: 'medium',
      confidence: 0,
      detail: { proximity: 'unknown' },
    });
    const fresh = { protectedFixes: new Map([['victim-1', { ...victim, ts: NOON + HOUR }]]) };
    const known = run(ctx, [fix({ ts: NOON + HOUR + MIN, east: 0, north: 0 })], stale.state, fresh);
    expect(known.changes[0]).toMatchObject({ action: 'clear', detail: { proximity: 'known' } });
  });
});

describe('protected person proximity right after positions began to be kept (a restart)', () => {
  const ctx = context({ protectedPersons: [{ id: 'victim-1', radiusM: 300, freshMs: 10 * MIN }] });
  it('says nothing about a phone not heard from while none was due yet, and "unknown" once one was', () => {
    const started = { protectedFixes: new Map(), protectedSince: NOON };
    const early = run(ctx, [fix({ ts: NOON + 9 * MIN, east: 0, north: 0 })], undefined, started);
    expect(early.changes).toEqual([]);
    const due = run(ctx, [fix({ ts: NOON + 10 * MIN, east: 0, north: 0 })], early.state, started);
    expect(due.changes[0]).toMatchObject({
      kind: 'proximity_unknown',
      action: 'open',
      startedAt: NOON + 10 * MIN,
    });
    // A phone heard from since is judged as always, however early.
    const heard = {
      protectedFixes: new Map([['victim-1', { ts: NOON + MIN, ...at(1000, 0), acc: 10 }]]),
      protectedSince: NOON,
    };
    const near = run(ctx, series(3, NOON + 2 * MIN, MIN, { east: 1050, north: 0 }), undefined, heard);
    expect(near.changes.find((c) => c.kind === 'protected_person_proximity')?.action).toBe('open');
  });
});

describe('gathering (同案犯聚集)', () => {
  const params = { radiusM: 100, minDurationMs: 30 * MIN, freshMs: 10 * MIN };
  const pos = (personId: string, ts: number, east: number) => ({ personId, ts, ...at(east, 0), acc: 10 });
  /** a and b 20 m apart, ticks every 5 minutes from NOON to NOON + 40 min. */
  const together = () => {
    let state = NO_GATHERING;
    const kinds: string[] = [];
    for (let m = 0; m <= 40; m += 5) {
      const r = evaluateGathering(
        params,
        state,
        [pos('a', NOON + m * MIN, 0), pos('b', NOON + m * MIN, 20)],
        NOON + m * MIN,
      );
      state = r.state;
      kinds.push(...summary(r.changes));
    }
    return { state, kinds };
  };
  it('opens after linked persons stay within R for T, clears when confidently apart', () => {
    const { state, kinds } = together();
    expect(kinds).toEqual(['open gathering@a+b']);
    const apart = evaluateGathering(
      params,
      state,
      [pos('a', NOON + HOUR, 0), pos('b', NOON + HOUR, 2000)],
      NOON + HOUR,
    );
    expect(summary(apart.changes)).toEqual(['clear gathering@a+b']);
    expect(apart.changes[0]!.startedAt).toBe(NOON);
  });

  it('closes at the end of a member’s EM coverage (order_ended), and judges nobody outside it', () => {
    const { state, kinds } = together();
    expect(kinds).toEqual(['open gathering@a+b']);
    const end = NOON + 42 * MIN;
    // Without fresh positions an open pair is kept (unknown is not apart)...
    const later = NOON + HOUR;
    expect(evaluateGathering(params, state, [pos('a', later, 0)], later).changes).toEqual([]);
    // ...unless one of them is no longer covered: closed at the end of the coverage, once.
    const r = evaluateGathering(params, state, [pos('a', later, 0)], later, new Map([['b', end]]));
    expect(summary(r.changes)).toEqual(['clear gathering@a+b']);
    expect(r.changes[0]).toMatchObject({ at: end, startedAt: NOON, detail: { reason: 'order_ended' } });
    expect(r.state.size).toBe(0);
    // b's positions (collected before the end) start nothing while b is outside coverage.
    let after = r.state;
    for (let m = 60; m <= 120; m += 5) {
      const step = evaluateGathering(
        params,
        after,
        [pos('a', NOON + m * MIN, 0), pos('b', NOON + m * MIN, 20)],
        NOON + m * MIN,
        new Map([['b', end]]),
      );
      expect(step.changes).toEqual([]);
      after = step.state;
    }
    expect(after.size).toBe(0);
  });
});
