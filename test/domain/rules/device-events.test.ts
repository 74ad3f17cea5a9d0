// Device events against the episodes they open and end: a strap cut after an earlier one was
// handled, events that arrive after later contact (issue 4), and the charging flag.
import { describe, expect, it } from 'vitest';
import { evaluateEvent } from '../../../src/domain/rules/evaluate-event.js';
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

  it('a late report of a cut long before the running episode is reported (late) and keeps the episode', () => {
    const a = evaluateEvent(ctx, s0, event(NOON + 2 * HOUR, 'strap_tamper'));
    const late = evaluateEvent(ctx, a.state, event(NOON - HOUR, 'strap_tamper', NOON + 2 * HOUR + MIN));
    expect(late.changes[0]).toMatchObject({ action: 'open', startedAt: NOON - HOUR, late: true });
    expect(late.state.episodes.strap_tamper?.startedAt).toBe(NOON + 2 * HOUR);
  });
});
