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
});
