import { describe, expect, it } from 'vitest';
import { evaluateClock } from '../../../src/domain/rules/evaluate-clock.js';
import { evaluateFix } from '../../../src/domain/rules/evaluate-fix.js';
import { initialPersonState } from '../../../src/domain/rules/person-state.js';
import { context, DAY, fix, HOUR, leave, MIN, MONDAY, run, series, summary } from './fixture.js';

const NOON = MONDAY + 12 * HOUR;
const OUT_OF_COUNTY = { east: 15_000, north: 0 };

describe('EM order and input filtering', () => {
  it('refuses a fix outside every active EM period (Art. 29)', () => {
    const r = evaluateFix(
      context(),
      initialPersonState(0),
      fix({ ts: MONDAY - 20 * DAY, east: 0, north: 0 }),
    );
    expect(r.dropped).toBe('no_active_order');
    expect(r.changes).toEqual([]);
  });
  it('marks a fix older than the last evaluated one stale and a repeat duplicate, without transitions', () => {
    const { results } = run(context(), [
      fix({ ts: NOON, east: 0, north: 0 }),
      fix({ ts: NOON - MIN, east: 15_000, north: 0 }),
      fix({ ts: NOON, east: 0, north: 0 }),
    ]);
    expect(results.map((r) => r.dropped)).toEqual([undefined, 'stale', 'duplicate']);
  });
  it('drops an impossible jump as an outlier', () => {
    const { results, changes } = run(context(), [
      fix({ ts: NOON, east: 0, north: 0 }),
      fix({ ts: NOON + MIN, east: 0, north: 50_000 }),
      fix({ ts: NOON + 2 * MIN, east: 10, north: 0 }),
    ]);
    expect(results.map((r) => r.dropped)).toEqual([undefined, 'outlier_jump', undefined]);
    expect(changes).toEqual([]);
  });
  it('refuses fixes from a device that is not the person’s', () => {
    expect(
      evaluateFix(context(), initialPersonState(0), fix({ ts: NOON, east: 0, north: 0, deviceId: 'other' }))
        .dropped,
    ).toBe('unknown_device');
  });
});

describe('jurisdiction exit (Art. 27)', () => {
  it('opens after 3 confident GNSS fixes over ≥ 60 s with the true start, and clears with hysteresis', () => {
    const out = series(4, NOON, MIN, OUT_OF_COUNTY);
    const back = series(4, NOON + 10 * MIN, MIN, { east: 0, north: 0 });
    const { results, changes } = run(context(), [...out, ...back]);
    expect(summary(changes)).toEqual(['open jurisdiction_exit@county', 'clear jurisdiction_exit@county']);
    expect(results[2]!.changes[0]).toMatchObject({
      severity: 'high',
      startedAt: NOON,
      at: NOON + 2 * MIN,
      late: false,
    });
    expect(results[2]!.changes[0]!.evidence).toHaveLength(3);
    expect(results[2]!.changes[0]!.confidence).toBeGreaterThan(0.99);
    // Hysteresis: 3 consecutive fixes spanning ≥ 90 s inside before clearing (normal level).
    expect(changes[1]!.at).toBe(NOON + 12 * MIN);
    expect(changes[1]!.episodeKey).toBe(changes[0]!.episodeKey);
  });
  it('cell or Wi-Fi fixes alone never open a violation, but keep an open one open', () => {
    const cells = series(10, NOON, MIN, { ...OUT_OF_COUNTY, acc: 400, source: 'cell' });
    expect(run(context(), cells).changes).toEqual([]);
    const opened = run(context(), series(3, NOON, MIN, OUT_OF_COUNTY));
    const kept = run(
      context(),
      series(5, NOON + 5 * MIN, MIN, { ...OUT_OF_COUNTY, acc: 60, source: 'wifi' }),
      opened.state,
    );
    expect(kept.changes).toEqual([]);
    expect(kept.state.jurisdiction.phase).toBe(2);
  });
  it('is not a violation while a leave permit covers the time: anywhere on the way (Art. 27)', () => {
    const ctx = context({ permits: [leave(NOON - HOUR, NOON + DAY)] });
    expect(run(ctx, series(10, NOON, MIN, OUT_OF_COUNTY)).changes).toEqual([]);
  });
  it('a standing area approval covers only positions inside its area', () => {
    const ctx = context({ permits: [leave(NOON - HOUR, NOON + DAY, { standing: true })] });
    expect(summary(run(ctx, series(3, NOON, MIN, OUT_OF_COUNTY)).changes)).toEqual([
      'open jurisdiction_exit@county',
    ]);
    expect(run(ctx, series(5, NOON, MIN, { east: -80_000, north: 60_000 })).changes).toEqual([]);
  });
});

describe('leave overdue', () => {
  const end = NOON + 2 * HOUR;
  const ctx = context({ permits: [leave(NOON - HOUR, end)] });
  const deadline = end + 2 * HOUR;
  it('opens from the clock when not back inside by end + grace, with the deadline as its start', () => {
    const { state } = run(ctx, series(3, NOON, MIN, OUT_OF_COUNTY));
    expect(evaluateClock(ctx, state, deadline - 1).changes.filter((c) => c.kind === 'leave_overdue')).toEqual(
      [],
    );
    const r = evaluateClock(ctx, state, deadline + MIN);
    const overdue = r.changes.find((c) => c.kind === 'leave_overdue');
    expect(overdue).toMatchObject({
      action: 'open',
      startedAt: deadline,
      severity: 'high',
      zoneId: 'leave-1',
    });
  });
  it('a fix outside after the deadline raises leave overdue, not a second jurisdiction alert; back inside clears it', () => {
    const before = run(ctx, series(3, NOON, MIN, OUT_OF_COUNTY));
    const after = run(
      ctx,
      [
        ...series(5, deadline + MIN, MIN, OUT_OF_COUNTY),
        ...series(2, deadline + HOUR, MIN, { east: 0, north: 0 }),
      ],
      before.state,
    );
    expect(summary(after.changes)).toEqual(['open leave_overdue@leave-1', 'clear leave_overdue@leave-1']);
  });
  it('no overdue when the person came back in time', () => {
    const { state } = run(ctx, [
      ...series(3, NOON, MIN, OUT_OF_COUNTY),
      ...series(3, end, MIN, { east: 0, north: 0 }),
    ]);
    expect(
      evaluateClock(ctx, state, deadline + HOUR).changes.filter((c) => c.kind === 'leave_overdue'),
    ).toEqual([]);
  });
});

describe('leave overdue: only GNSS shows the person outside', () => {
  const end = NOON + 2 * HOUR;
  const deadline = end + 2 * HOUR;
  const ctx = context({ permits: [leave(NOON - HOUR, end)] });
  const back = [
    ...series(3, NOON, MIN, { east: -80_000, north: 60_000 }),
    // Home, 100 m inside the county line, confirmed on GNSS before the deadline.
    ...series(3, NOON + 3 * HOUR, MIN, { east: 9900, north: 0 }),
  ];
  it('one stray Wi-Fi fix across the county line after a GNSS return does not make the person overdue', () => {
    const { state, changes } = run(ctx, [
      ...back,
      // Indoors: one Wi-Fi fix placed 300 m off (across the line), then Wi-Fi fixes merely uncertain.
      fix({ ts: NOON + 3 * HOUR + 30 * MIN, east: 10_200, north: 0, acc: 60, source: 'wifi' }),
      ...series(3, NOON + 3 * HOUR + 40 * MIN, 5 * MIN, { east: 9900, north: 0, acc: 60, source: 'wifi' }),
    ]);
    expect(changes.filter((c) => c.kind === 'jurisdiction_exit' || c.kind === 'leave_overdue')).toEqual([]);
    const r = evaluateClock(ctx, state, deadline + MIN);
    expect(r.changes.filter((c) => c.kind === 'leave_overdue')).toEqual([]);
    // Nor does a stray cell fix after the deadline.
    const cell = run(
      ctx,
      [fix({ ts: deadline + 2 * MIN, east: 12_000, north: 0, acc: 500, source: 'cell' })],
      r.state,
    );
    expect(cell.changes.filter((c) => c.kind === 'leave_overdue')).toEqual([]);
  });
  it('GNSS fixes outside after the deadline still raise it', () => {
    const { state } = run(ctx, back);
    const out = run(ctx, series(2, deadline + MIN, MIN, OUT_OF_COUNTY), state);
    expect(summary(out.changes)).toEqual(['open leave_overdue@leave-1']);
  });
  it('a Wi-Fi fix confidently inside the county counts as back (indoors at home, no GNSS)', () => {
    const away = run(ctx, series(3, NOON, MIN, { east: -80_000, north: 60_000 }));
    const home = series(2, deadline - 30 * MIN, MIN, { east: 0, north: 0, acc: 60, source: 'wifi' });
    const indoors = run(ctx, home, away.state);
    const r = evaluateClock(ctx, indoors.state, deadline + MIN);
    expect(r.changes.filter((c) => c.kind === 'leave_overdue')).toEqual([]);
  });
});

describe('leave overdue and a fix from before its deadline', () => {
  it('a fix taken before the deadline, evaluated after the clock opened overdue, neither clears nor reopens it', () => {
    const permit = leave(NOON, NOON + 3 * HOUR);
    const ctx = context({ permits: [permit] });
    const deadline = NOON + 5 * HOUR;
    const inChengdu = { east: -80_000, north: 60_000 };
    // In Chengdu from 14:00, a fix every 10 minutes until 16:50; the deadline is 17:00.
    const away = run(ctx, [
      fix({ ts: NOON - HOUR, east: 0, north: 0 }),
      ...series(18, NOON + 2 * HOUR, 10 * MIN, inChengdu),
    ]);
    const opened = evaluateClock(ctx, away.state, deadline + 1);
    expect(summary(opened.changes)).toEqual(['open leave_overdue@leave-1']);
    // Delivered late, or stamped by a clock running behind: taken 30 s before the deadline.
    const before = run(
      ctx,
      [fix({ ts: deadline - 30_000, ...inChengdu, receivedAt: deadline + 60_000 })],
      opened.state,
    );
    expect(before.changes).toEqual([]);
    const after = run(ctx, [fix({ ts: deadline + 90_000, ...inChengdu })], before.state);
    expect(after.changes).toEqual([]);
    const home = run(ctx, series(2, deadline + 3 * HOUR, MIN, { east: 0, north: 0 }), after.state);
    expect(summary(home.changes)).toEqual(['clear leave_overdue@leave-1']);
  });
});

describe('leave overdue after an extension (续假)', () => {
  const first = leave(NOON, NOON + 3 * DAY, { id: 'leave-a' });
  const extension = leave(NOON + 3 * DAY, NOON + 6 * DAY, { id: 'leave-b' });
  const inChengdu = { east: -80_000, north: 60_000 };
  const away = (ctx: ReturnType<typeof context>) =>
    run(ctx, [fix({ ts: NOON - HOUR, east: 0, north: 0 }), ...series(3, NOON + 2 * HOUR, MIN, inChengdu)]);

  it('is not overdue at the first deadline and starts at the extension deadline, naming the extension', () => {
    const ctx = context({ permits: [first, extension] });
    const { state } = away(ctx);
    const mid = evaluateClock(ctx, state, NOON + 3 * DAY + 3 * HOUR);
    expect(mid.changes.filter((c) => c.kind === 'leave_overdue')).toEqual([]);
    // A fix in Chengdu past the first deadline is covered by the extension too.
    const fixMid = run(ctx, series(2, NOON + 3 * DAY + 4 * HOUR, MIN, inChengdu), mid.state);
    expect(fixMid.changes.filter((c) => c.kind === 'leave_overdue')).toEqual([]);
    const deadline = NOON + 6 * DAY + 2 * HOUR;
    const atDeadline = evaluateClock(ctx, fixMid.state, deadline).changes;
    expect(atDeadline.filter((c) => c.kind === 'leave_overdue')).toEqual([]);
    const r = evaluateClock(ctx, fixMid.state, deadline + 1);
    expect(r.changes.find((c) => c.kind === 'leave_overdue')).toMatchObject({
      action: 'open',
      startedAt: deadline,
      zoneId: 'leave-b',
    });
  });
  it('the chain counts from its first permit: last seen outside during the first permit is enough', () => {
    // Permits listed out of order; the device went quiet in Chengdu before the extension began.
    const ctx = context({ permits: [extension, first] });
    const r = evaluateClock(ctx, away(ctx).state, NOON + 6 * DAY + 2 * HOUR + 1);
    expect(r.changes.find((c) => c.kind === 'leave_overdue')).toMatchObject({
      startedAt: NOON + 6 * DAY + 2 * HOUR,
      zoneId: 'leave-b',
    });
  });
  it('a later leave that starts after the first deadline does not excuse the first one', () => {
    const later = leave(NOON + 4 * DAY, NOON + 6 * DAY, { id: 'leave-c' });
    const ctx = context({ permits: [first, later] });
    const r = evaluateClock(ctx, away(ctx).state, NOON + 3 * DAY + 2 * HOUR + 1);
    expect(r.changes.find((c) => c.kind === 'leave_overdue')).toMatchObject({
      startedAt: NOON + 3 * DAY + 2 * HOUR,
      zoneId: 'leave-a',
    });
  });
});

describe('prohibition entry (Art. 31)', () => {
  it('is critical and needs 2 fixes near the edge', () => {
    const { results, changes } = run(context(), series(3, NOON, MIN, { east: 3000 - 100 + 30, north: 0 }));
    expect(results[0]!.changes).toEqual([]);
    expect(changes[0]).toMatchObject({
      kind: 'prohibition_entry',
      action: 'open',
      severity: 'critical',
      zoneId: 'school',
      startedAt: NOON,
      at: NOON + MIN,
    });
  });
  it('opens on one fix only when it is deep inside at saturated confidence', () => {
    const { results } = run(context(), [fix({ ts: NOON, east: 3000, north: 0, acc: 8 })]);
    expect(summary(results[0]!.changes)).toEqual(['open prohibition_entry@school']);
    const vague = run(context(), [fix({ ts: NOON, east: 3000, north: 0, acc: 30 })]);
    expect(vague.changes).toEqual([]);
  });
  it('walking past outside the zone raises nothing', () => {
    const walk = Array.from({ length: 30 }, (_, i) =>
      fix({ ts: NOON + i * MIN, east: 2500 + i * 40, north: 150 }),
    );
    expect(run(context(), walk).changes).toEqual([]);
  });
});

describe('late data (store-and-forward)', () => {
  it('raises a violation found late with its true start and late: true', () => {
    const late = series(3, NOON, MIN, { ...OUT_OF_COUNTY, receivedAt: NOON + 3 * HOUR });
    const { changes } = run(context(), late);
    expect(changes[0]).toMatchObject({
      kind: 'jurisdiction_exit',
      action: 'open',
      startedAt: NOON,
      at: NOON + 2 * MIN,
      late: true,
    });
  });
});

describe('clearing an open episode', () => {
  // Normal level: an episode ends after 3 consecutive confident fixes on the right side over 90 s.
  // A violating fix in the middle of that run starts it again (zone-track.ts; evaluate-fix.ts
  // staysOpen must not skip the step that resets it).
  const kinds = (from: number, places: { east: number; north: number }[]) =>
    places.map((p, i) => fix({ ts: from + i * MIN, ...p }));

  it('curfew: a fix outside home in the middle of a clearing run starts the run again', () => {
    const OUT = { east: 500, north: 0 };
    const HOME = { east: 0, north: 0 };
    const night = MONDAY + 22 * HOUR + 10 * MIN;
    const fixes = kinds(night, [OUT, OUT, OUT, OUT, HOME, HOME, OUT, HOME, HOME]);
    expect(summary(run(context(), fixes).changes)).toEqual(['open curfew_breach@home']);
    const more = kinds(night, [OUT, OUT, OUT, OUT, HOME, HOME, OUT, HOME, HOME, HOME]);
    expect(summary(run(context(), more).changes)).toEqual([
      'open curfew_breach@home',
      'clear curfew_breach@home',
    ]);
  });

  it('county: a fix outside in the middle of a clearing run starts the run again', () => {
    const OUT = { east: 10_500, north: 0 };
    const IN = { east: 9_500, north: 0 };
    const fixes = kinds(NOON, [OUT, OUT, OUT, OUT, IN, IN, OUT, IN, IN]);
    expect(summary(run(context(), fixes).changes)).toEqual(['open jurisdiction_exit@county']);
    const more = kinds(NOON, [OUT, OUT, OUT, OUT, IN, IN, OUT, IN, IN, IN]);
    expect(summary(run(context(), more).changes)).toEqual([
      'open jurisdiction_exit@county',
      'clear jurisdiction_exit@county',
    ]);
  });
});
