import { describe, expect, it } from 'vitest';
import { FloodGuard } from '../../src/ingest/flood-guard.js';

describe('FloodGuard', () => {
  it('allows a burst, then the sustained rate, per device', () => {
    const g = new FloodGuard({ burst: 3, perSecond: 1 });
    const t = 1_000_000;
    expect([g.allow('a', t), g.allow('a', t), g.allow('a', t), g.allow('a', t)]).toEqual([
      true,
      true,
      true,
      false,
    ]);
    expect(g.allow('b', t)).toBe(true);
    expect(g.allow('a', t + 500)).toBe(false);
    expect(g.allow('a', t + 1000)).toBe(true);
    expect(g.allow('a', t + 1000)).toBe(false);
    expect(g.allow('a', t + 10_000)).toBe(true);
  });

  it('forgets a bucket once it has filled up again, and only then', () => {
    // One token back every 100 s.
    const g = new FloodGuard({ burst: 3, perSecond: 0.01 });
    const t = 1_000_000;
    // Many made-up ids, one message each: each leaves a bucket one token short of full (100 s).
    for (let i = 0; i < 1000; i++) g.allow(`made-up-${i}`, t);
    for (let i = 0; i < 3; i++) g.allow('drained', t);
    expect(g.size).toBe(1001);
    // 150 s on, the made-up ids' buckets are full again and are forgotten at the next message;
    // 'drained' has 1.5 of 3 tokens back, so it is kept, and limited as before.
    expect(g.allow('other', t + 150_000)).toBe(true);
    expect(g.size).toBe(2);
    expect([g.allow('drained', t + 150_000), g.allow('drained', t + 150_000)]).toEqual([true, false]);
    // A forgotten key starts from a full bucket: the same allowance a full bucket gave it.
    expect([0, 1, 2, 3].map(() => g.allow('made-up-7', t + 150_000))).toEqual([true, true, true, false]);
  });

  it('keeps a bucket that has not filled up again across a sweep', () => {
    const g = new FloodGuard({ burst: 100, perSecond: 1 });
    const t = 5_000_000;
    for (let i = 0; i < 100; i++) g.allow('busy', t);
    expect(g.allow('busy', t)).toBe(false);
    // 60 s later 60 tokens are back, not 100: the sweep keeps it, so the allowance is 60, not a new 100.
    const later = t + 60_000;
    let allowed = 0;
    while (g.allow('busy', later)) allowed++;
    expect(allowed).toBe(60);
  });

  it('keeps the bucket of a device still reporting, even when it is full at the sweep', () => {
    // Full again three seconds after a message.
    const g = new FloodGuard({ burst: 3, perSecond: 1 });
    const t = 2_000_000;
    g.allow('first', t); // the first sweep runs here
    g.allow('steady', t + 50_000);
    // The next sweep, 60 s on: 'steady' is full but was used since the last sweep, so it is kept
    // (not deleted and made again at its next message); 'first', unused since, is forgotten.
    g.allow('probe', t + 60_000);
    expect(g.size).toBe(2);
    // A device that reported in every interval is never dropped: its allowance is unchanged.
    expect([0, 1, 2, 3].map(() => g.allow('steady', t + 60_000))).toEqual([true, true, true, false]);
  });
});
