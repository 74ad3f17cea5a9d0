// Traccar issue 2189 (a parked device flapping on a boundary) and out-of-order arrival must not
// happen here: a day of seeded GNSS noise at the boundary, and every arrival order of a track.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluateFix } from '../../../src/domain/rules/evaluate-fix.js';
import { IDLE_TRACK, initialPersonState, NO_EPISODES } from '../../../src/domain/rules/person-state.js';
import { context, DAY, fix, MIN, MONDAY, run, series } from './fixture.js';

/** Seeded normal noise (mulberry32 + Box–Muller). */
function gaussian(seed: number): () => number {
  let s = seed >>> 0;
  const uniform = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) + 1) / (2 ** 32 + 1);
  };
  return () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
}

/** A day of 1-a-minute fixes parked at (east, north), noise σ = reported accuracy (varying 5–25 m). */
function parkedDay(seed: number, east: number, north: number) {
  const g = gaussian(seed);
  return Array.from({ length: DAY / MIN }, (_, i) => {
    const acc = 5 + 20 * Math.abs(Math.sin(i / 97));
    return fix({ ts: MONDAY + i * MIN, east: east + g() * acc * 0.7, north: north + g() * acc * 0.7, acc });
  });
}

describe('a device parked on a boundary never flaps', () => {
  for (const seed of [1, 2, 3, 4, 5]) {
    it(`county boundary, seed ${seed}: no alert in a day`, () => {
      expect(run(context({ residence: null, curfew: null }), parkedDay(seed, 10_000, 3000)).changes).toEqual(
        [],
      );
    });
    it(`residence boundary through the curfew night, seed ${seed}: no alert in a day`, () => {
      expect(run(context(), parkedDay(seed, 100, 0)).changes).toEqual([]);
    });
    it(`prohibition zone edge, seed ${seed}: no alert in a day`, () => {
      expect(run(context({ residence: null, curfew: null }), parkedDay(seed, 3000 - 100, 0)).changes).toEqual(
        [],
      );
    });
  }
});

describe('out-of-order arrival', () => {
  const outside = series(12, MONDAY + 12 * 60 * MIN, MIN, { east: 15_000, north: 0 });
  const inside = series(12, MONDAY + 12 * 60 * MIN, MIN, { east: 0, north: 0 });
  it('never creates enter/exit pairs: any order of a track outside gives at most one open and no clear', () => {
    fc.assert(
      fc.property(fc.shuffledSubarray(outside, { minLength: outside.length }), (arrival) => {
        const { changes, results } = run(context(), arrival);
        expect(changes.filter((c) => c.action === 'clear')).toEqual([]);
        expect(changes.filter((c) => c.action === 'open').length).toBeLessThanOrEqual(1);
        // Every fix is either evaluated or explicitly marked, never silently lost.
        expect(results.filter((r) => r.dropped === undefined || r.dropped === 'stale').length).toBe(
          arrival.length,
        );
      }),
    );
  });
  it('any order of a track inside gives no change at all', () => {
    fc.assert(
      fc.property(fc.shuffledSubarray(inside, { minLength: inside.length }), (arrival) => {
        expect(run(context(), arrival).changes).toEqual([]);
      }),
    );
  });
  it('a late fix from before the last one is kept out of the decisions', () => {
    const s = run(context(), series(3, MONDAY + 12 * 60 * MIN, MIN, { east: 0, north: 0 })).state;
    const r = evaluateFix(context(), s, fix({ ts: MONDAY + 12 * 60 * MIN + 30_000, east: 15_000, north: 0 }));
    expect(r).toMatchObject({ dropped: 'stale', changes: [] });
    expect(r.state).toBe(s);
  });
  it('state starts empty and stays small: numbers, flags and the shared idle constants only', () => {
    const s = initialPersonState(0);
    // 23 decision fields (among them gathering runs, null but for the keepers of linked groups;
    // whether the last fix was GNSS, for the curfew window-start check; the interval the monitor
    // keeps, for gaps in fast mode) and the 8 of the clearance (decision 0012; the last two, room
    // from the person's own prohibition zones, small integers kept inside the object); the rules
    // bench measures bytes.
    expect(Object.keys(s).length).toBeLessThanOrEqual(31);
    for (const [k, v] of Object.entries(s)) {
      const shared = v === IDLE_TRACK || v === NO_EPISODES || v === null;
      expect(shared || typeof v === 'number' || typeof v === 'boolean', k).toBe(true);
    }
  });
});
