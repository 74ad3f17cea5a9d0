// The assertions every fault test ends with (issue 10): every acknowledged message stored exactly
// once, the incidents of an undisturbed run of the same seeded fleet, and every console given every
// incident event of its scope, once, across its reconnections.
import { expect } from 'vitest';
import type { RunVerdict } from './rig.js';

export function expectNothingLost(v: RunVerdict, baseline: readonly string[], label: string): void {
  console.info(
    `[fault ${label}] acknowledged ${v.stored.acked}; missing ${v.stored.missing.length}; duplicated ` +
      `${v.stored.duplicated.length}; incidents ${v.incidents.length} (baseline ${baseline.length}); consoles ` +
      v.consoles.map((c) => `${c.name} ${c.got}/${c.want}`).join(', '),
  );
  expect(v.stored.acked).toBeGreaterThan(0);
  expect(v.stored.missing.slice(0, 10), 'acknowledged but not stored').toEqual([]);
  expect(v.stored.duplicated.slice(0, 10), 'stored more than once').toEqual([]);
  expect(baseline.length, 'the seeded fleet must produce incidents').toBeGreaterThan(0);
  expect(v.incidents).toEqual(baseline);
  for (const c of v.consoles) {
    expect(c.want, `${c.name}: incidents in scope`).toBeGreaterThan(0);
    expect(c.missing, `${c.name}: incident events never received`).toEqual([]);
    expect(c.repeated, `${c.name}: incident events received twice`).toBe(0);
  }
}
