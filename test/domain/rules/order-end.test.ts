// The end of EM coverage (Art. 29) closes what is open: nothing shows as going on for ever after
// monitoring stopped, and a renewal after a gap starts afresh. A renewal back to back carries on.
import { describe, expect, it } from 'vitest';
import type { AlertChange } from '../../../src/domain/rules/alert-change.js';
import { nextClockDue } from '../../../src/domain/rules/clock-due.js';
import { evaluateClock } from '../../../src/domain/rules/evaluate-clock.js';
import { evaluateEvent } from '../../../src/domain/rules/evaluate-event.js';
import type { PersonState } from '../../../src/domain/rules/person-state.js';
import { context, DAY, event, fix, HOUR, MIN, MONDAY, run, series, summary } from './fixture.js';

const NOON = MONDAY + 12 * HOUR;
const OUT_OF_COUNTY = { east: 15_000, north: 0 };

/** The clock from `from` to `to` every `step`, as the timer schedule would tick it. */
function tick(ctx: ReturnType<typeof context>, state: PersonState, from: number, to: number, step: number) {
  const changes: AlertChange[] = [];
  let s = state;
  for (let t = from; t <= to; t += step) {
    const r = evaluateClock(ctx, s, t);
    s = r.state;
    changes.push(...r.changes);
  }
  return { state: s, changes };
}

describe('the end of EM coverage (Art. 29)', () => {
  it('closes a county exit open at the end, at the end, once', () => {
    const end = NOON + 2 * HOUR;
    const ctx = context({ orders: [{ start: NOON - 10 * DAY, end }] });
    const out = run(ctx, series(4, NOON, MIN, OUT_OF_COUNTY));
    expect(summary(out.changes)).toContain('open jurisdiction_exit@county');
    const { changes, state } = tick(ctx, out.state, end - MIN, end + 2 * DAY, 10 * MIN);
    const exits = changes.filter((c) => c.kind === 'jurisdiction_exit');
    expect(exits.map((c) => [c.action, c.at, c.detail?.reason])).toEqual([['clear', end, 'order_ended']]);
    // Lost contact opened before the end (silent since NOON + 3 min) is closed with it, days and all.
    expect(changes.filter((c) => c.kind === 'lost_contact').map((c) => c.action)).toEqual(['open', 'clear']);
    expect(evaluateClock(ctx, state, end + 3 * DAY).dropped).toBe('no_active_order');
  });

  it('a renewal after a gap counts days off supervision from its own start', () => {
    const renewal = NOON + 15 * DAY;
    const ctx = context({
      orders: [
        { start: NOON - 20 * DAY, end: NOON + 10 * DAY },
        { start: renewal, end: NOON + 60 * DAY },
      ],
    });
    const heard = run(ctx, [fix({ ts: NOON, east: 0, north: 0 })]).state;
    const first = tick(ctx, heard, NOON + 20 * MIN, NOON + 11 * DAY, HOUR);
    const lost = first.changes.filter((c) => c.kind === 'lost_contact');
    expect(lost.at(-1)).toMatchObject({
      action: 'clear',
      at: NOON + 10 * DAY,
      detail: { reason: 'order_ended', daysOffSupervision: 9 },
    });
    // Still silent in the renewed period: a new episode from the renewal's start, 3 days by day 3.
    const second = tick(ctx, first.state, renewal, renewal + 3 * DAY + HOUR, HOUR);
    const again = second.changes.filter((c) => c.kind === 'lost_contact');
    expect(again[0]).toMatchObject({ action: 'open', startedAt: renewal });
    expect(again.at(-1)).toMatchObject({ action: 'update', detail: { daysOffSupervision: 3 } });
  });

  it('a renewal back to back carries the open alert on', () => {
    const end = NOON + 2 * HOUR;
    const ctx = context({
      orders: [
        { start: NOON - 10 * DAY, end },
        { start: end, end: end + 30 * DAY },
      ],
    });
    const out = run(ctx, series(4, NOON, MIN, OUT_OF_COUNTY));
    const { changes } = tick(ctx, out.state, end - MIN, end + DAY, 10 * MIN);
    expect(changes.filter((c) => c.kind === 'jurisdiction_exit')).toEqual([]);
  });

  it('a revoked order (gone from the directory) closes what is open when it is known, not at an older end', () => {
    const older = { start: NOON - 40 * DAY, end: NOON - 10 * DAY };
    const ctx = context({ orders: [older, { start: NOON - 10 * DAY, end: NOON + 60 * DAY }] });
    const out = run(ctx, series(4, NOON, MIN, OUT_OF_COUNTY));
    const revoked = context({ orders: [older] });
    const r = evaluateClock(revoked, out.state, NOON + HOUR);
    expect(r.changes.filter((c) => c.kind === 'jurisdiction_exit').map((c) => [c.action, c.at])).toEqual([
      ['clear', NOON + HOUR],
    ]);
  });

  it('a strap tamper open at the end is cleared as no longer observed (the officer still closes it)', () => {
    const end = NOON + 2 * HOUR;
    const ctx = context({ orders: [{ start: NOON - 10 * DAY, end }] });
    const s = run(ctx, [fix({ ts: NOON, east: 0, north: 0 })]).state;
    const cut = evaluateEvent(ctx, s, event(NOON + MIN, 'strap_tamper'));
    const { changes } = tick(ctx, cut.state, end, end + HOUR, 10 * MIN);
    expect(changes.filter((c) => c.kind === 'strap_tamper').map((c) => [c.action, c.at])).toEqual([
      ['clear', end],
    ]);
  });

  it('the timer schedule looks at the person at the end, and at once if still open after it', () => {
    const end = NOON + 2 * HOUR;
    const ctx = context({ orders: [{ start: NOON - 10 * DAY, end }], curfew: null });
    const out = run(ctx, series(4, NOON, MIN, OUT_OF_COUNTY));
    const due = nextClockDue(ctx, out.state, end - 5 * MIN);
    expect(due).toBeLessThanOrEqual(end);
    expect(nextClockDue(ctx, out.state, end + MIN)).toBe(end + MIN + 1);
    const closed = evaluateClock(ctx, out.state, end + MIN).state;
    expect(nextClockDue(ctx, closed, end + MIN)).toBeGreaterThan(end + MIN + 1);
  });
});
