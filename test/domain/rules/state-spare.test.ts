// evaluateFix's `into` (decision 0013): the next state written into a spare the caller owns instead
// of a new object. It must be the very same evaluation, touch nothing it was not handed, and leave
// nothing behind that points at a state which may be written over later.
import { describe, expect, it } from 'vitest';
import { evaluateFix } from '../../../src/domain/rules/evaluate-fix.js';
import { NO_PEERS } from '../../../src/domain/rules/person-context.js';
import {
  initialPersonState,
  type PersonState,
  type StateDraft,
} from '../../../src/domain/rules/person-state.js';
import { at, context, DAY, fix, HOUR, MIN, MONDAY, series } from './fixture.js';

/** Runs fixes the way the in-memory store does: each next state into the spare, then swapped. */
function runBuffered(fixes: ReturnType<typeof series>, start: PersonState) {
  const ctx = context();
  let state = start;
  let spare: StateDraft = initialPersonState(0);
  const written: boolean[] = [];
  for (const f of fixes) {
    const r = evaluateFix(ctx, state, f, NO_PEERS, spare);
    written.push(r.state === spare);
    if (r.state === spare) spare = state;
    state = r.state;
  }
  return { state, written };
}

describe('evaluateFix into a spare state', () => {
  it('writes the state it would have built, and is told apart from a refusal by identity', () => {
    const ctx = context();
    // At home, then out past the county line at night: tracks open, episodes, clearances all move.
    // Then quiet for two hours (a gap), and back near the school.
    const fixes = [
      ...series(5, MONDAY + 21 * HOUR, MIN, { east: 0, north: 0, acc: 6 }),
      ...series(20, MONDAY + 21 * HOUR + 5 * MIN, MIN, { east: 15_000, north: 0, acc: 6 }),
      ...series(5, MONDAY + 23 * HOUR + 25 * MIN, MIN, { east: 15_000, north: 0, acc: 6 }),
      ...series(5, MONDAY + 23 * HOUR + 30 * MIN, MIN, { east: 3150, north: 0, acc: 6 }),
    ];
    const start = initialPersonState(MONDAY - DAY);
    let plain = start;
    const kinds: string[] = [];
    for (const f of fixes) {
      const r = evaluateFix(ctx, plain, f);
      kinds.push(...r.changes.map((c) => `${c.kind} ${c.action}`));
      plain = r.state;
    }
    const buffered = runBuffered(fixes, start);
    expect(buffered.state).toEqual(plain);
    expect(kinds).toContain('jurisdiction_exit open');
    expect(plain.gap).not.toBeNull();
    expect(plain.approaching).toBe(true);
    // The 6th fix is a 15 km jump in a minute: dropped as impossible, so nothing is written.
    expect(buffered.written.filter((w) => !w).length).toBeGreaterThan(0);
  });

  it('leaves the spare untouched when the fix is refused', () => {
    const ctx = context();
    const s1 = evaluateFix(
      ctx,
      initialPersonState(MONDAY - DAY),
      fix({ ts: MONDAY, east: 0, north: 0 }),
    ).state;
    const spare = initialPersonState(0);
    const copy = { ...spare };
    const r = evaluateFix(ctx, s1, fix({ ts: MONDAY, east: 0, north: 0 }), NO_PEERS, spare);
    expect(r.dropped).toBe('duplicate');
    expect(r.state).toBe(s1);
    expect(spare).toEqual(copy);
  });

  it('refuses to write over the state it is reading', () => {
    const s = initialPersonState(MONDAY - DAY) as StateDraft;
    expect(() => evaluateFix(context(), s, fix({ ts: MONDAY, east: 0, north: 0 }), NO_PEERS, s)).toThrow(
      /must not be the state/,
    );
  });

  it('a gap keeps its own copy of the state before it, which writing over that state later leaves alone', () => {
    const ctx = context();
    const p = at(0, 0);
    const before = evaluateFix(
      ctx,
      initialPersonState(MONDAY - DAY),
      fix({ ts: MONDAY, east: 0, north: 0 }),
    ).state;
    // Quiet for two hours: the next fix ends a gap that stored fixes may still fill (decision 0011).
    const after = evaluateFix(ctx, before, fix({ ts: MONDAY + 2 * HOUR, east: 0, north: 0 })).state;
    expect(after.gap).not.toBeNull();
    expect(after.gap!.before).not.toBe(before);
    expect(after.gap!.before.lastTs).toBe(MONDAY);
    // The store makes `before` the spare of the next batch, which writes the next state into it.
    evaluateFix(
      ctx,
      after,
      fix({ ts: MONDAY + 2 * HOUR + MIN, east: 0, north: 0 }),
      NO_PEERS,
      before as StateDraft,
    );
    expect(before.lastTs).toBe(MONDAY + 2 * HOUR + MIN);
    expect(after.gap!.before.lastTs).toBe(MONDAY);
    expect(after.gap!.before.lastLat).toBeCloseTo(p.lat, 9);
  });
});
