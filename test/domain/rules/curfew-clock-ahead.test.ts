// A monitor whose clock runs ahead (the decoders accept up to 5 min, limits.ts) stamps a fix taken
// before a curfew window with a time inside it. The fix arrived before the window began, so it was
// taken before it: it says nothing about where the person was during the window.
//
// Reproduces the quality bench's one false alert (seed quality-1, home-at-curfew-start, 2026-12-04):
// a normal-level ankle monitor 147.257 s ahead, the person driving home from a teahouse 2.8 km out,
// truly through the door at 22:00:45. The fix taken at 21:59:04.5, 890 m out, arrived at 21:59:30
// stamped 22:01:31.8; it was judged the first fix of the 22:00 window and, with the fix before it
// (2 km out), opened curfew_breach from 22:00, at 21:59:30 by the service's clock.
import { describe, expect, it } from 'vitest';
import type { Fix } from '../../../src/domain/fix.js';
import type { AlertChange } from '../../../src/domain/rules/alert-change.js';
import { evaluateClock } from '../../../src/domain/rules/evaluate-clock.js';
import { evaluateFix } from '../../../src/domain/rules/evaluate-fix.js';
import type { PersonRulesContext } from '../../../src/domain/rules/person-context.js';
import { initialPersonState } from '../../../src/domain/rules/person-state.js';
import { context, DAY, fix, HOUR, MIN, MONDAY } from './fixture.js';

const night = MONDAY + 22 * HOUR;
const SKEW = 147_257;
const STEP = 30_000;
const S = 1000;

/** A fix truly taken at `t`, stamped by the skewed clock, delivered at the next 30 s step (as in the bench). */
function skewed(t: number, north: number, acc: number, source: 'gnss' | 'wifi' = 'gnss'): Fix {
  return fix({ ts: t + SKEW, receivedAt: Math.ceil(t / STEP) * STEP, east: 0, north, acc, source });
}

/** Plays fixes and a clock tick every step in service-clock order, as the accelerated harness does. */
function play(ctx: PersonRulesContext, fixes: readonly Fix[], from: number, to: number) {
  let state = initialPersonState(MONDAY - DAY);
  const changes: (AlertChange & { openedAt: number })[] = [];
  let i = 0;
  for (let now = from; now <= to; now += STEP) {
    const tick = evaluateClock(ctx, state, now);
    state = tick.state;
    changes.push(...tick.changes.map((c) => ({ ...c, openedAt: now })));
    for (; i < fixes.length && fixes[i]!.receivedAt <= now; i++) {
      const r = evaluateFix(ctx, state, fixes[i]!);
      state = r.state;
      changes.push(...r.changes.map((c) => ({ ...c, openedAt: now })));
    }
  }
  return changes.filter((c) => c.kind === 'curfew_breach');
}

describe('curfew window start with a device clock running ahead', () => {
  // Before 22:00 true time: at the teahouse, then driving home (distances from the residence).
  const beforeWindow = [
    skewed(night - 8 * MIN - 30 * S, 2814, 33, 'wifi'),
    skewed(night - 6 * MIN - 30 * S, 2800, 31.2),
    skewed(night - 4 * MIN - 30 * S, 2737, 41.8, 'wifi'),
    skewed(night - 2 * MIN - 55_455, 2016, 66.7),
    skewed(night - 55_455, 890, 12.6),
  ];

  it('a fix that arrived before the window began is not evidence of being out in it', () => {
    const ctx = context();
    // Through the door at 22:00:45; home from the next fix on.
    const home = [
      skewed(night + 64_545, 3, 14.5),
      skewed(night + 3 * MIN + 4_545, 20, 55.6, 'wifi'),
      skewed(night + 5 * MIN + 4_545, 7, 17.2),
      skewed(night + 7 * MIN + 4_545, 15, 20),
    ];
    const breaches = play(ctx, [...beforeWindow, ...home], night - 10 * MIN, night + 15 * MIN);
    expect(breaches.map((c) => `${c.action} at ${(c.openedAt - night) / 1000} s`)).toEqual([]);
  });

  it('the same device still shows a person truly out after 22:00', () => {
    const ctx = context();
    // Stays 890 m out: a true breach, opened once fixes certainly taken inside the window show it.
    const out = Array.from({ length: 8 }, (_, k) => skewed(night + 64_545 + k * 2 * MIN, 890, 10));
    const breaches = play(ctx, [...beforeWindow, ...out], night - 10 * MIN, night + 20 * MIN);
    expect(breaches.map((c) => c.action)).toEqual(['open']);
    const opened = breaches[0]!;
    // Never before the window starts by the service's clock, and within a few regular intervals.
    expect(opened.openedAt).toBeGreaterThanOrEqual(night);
    expect(opened.openedAt).toBeLessThanOrEqual(night + 8 * MIN);
  });
});
