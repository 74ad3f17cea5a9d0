// Approach bands (issue 7, detection delay): a placed fix near a prohibition zone or a protected
// person marks the state `approaching`, which keeps the devices in fast reporting; it never opens
// an alert by itself, and a cell fix (too coarse to place anyone) leaves the flag as it was.
import { describe, expect, it } from 'vitest';
import { wantsFastReporting } from '../../../src/reporting/reporting-mode.js';
import { at, context, fix, MIN, MONDAY, run } from './fixture.js';

const NOON = MONDAY + 12 * 60 * MIN;

describe('approach band around prohibition zones', () => {
  it('is set within the band of the school and cleared away from it, without any alert', () => {
    const ctx = context();
    // The school is a 200 m square centred 3 km east: its box ends at 2,900 m east.
    const near = run(ctx, [fix({ ts: NOON, east: 2_800, north: 0 })]);
    expect(near.state.approaching).toBe(true);
    expect(near.changes).toEqual([]);
    expect(wantsFastReporting(near.state)).toBe(true);
    const far = run(ctx, [fix({ ts: NOON + MIN, east: 2_500, north: 0 })], near.state);
    expect(far.state.approaching).toBe(false);
    expect(wantsFastReporting(far.state)).toBe(false);
  });

  it('is not set at home, and a cell fix keeps the previous value', () => {
    const ctx = context();
    const home = run(ctx, [fix({ ts: NOON, east: 0, north: 0 })]);
    expect(home.state.approaching).toBe(false);
    const near = run(ctx, [fix({ ts: NOON + MIN, east: 2_850, north: 0 })], home.state);
    expect(near.state.approaching).toBe(true);
    const cell = run(
      ctx,
      [fix({ ts: NOON + 2 * MIN, east: 0, north: 0, acc: 800, source: 'cell' })],
      near.state,
    );
    expect(cell.state.approaching).toBe(true);
  });

  it('ignores prohibition zones that are not the person’s own', () => {
    const ctx = context({ prohibition: { index: context().prohibition!.index, ids: new Set(['other']) } });
    expect(run(ctx, [fix({ ts: NOON, east: 2_950, north: 0 })]).state.approaching).toBe(false);
  });
});

describe('approach band around a protected person', () => {
  const victim = at(-5_000, 0);
  const ctx = context({ protectedPersons: [{ id: 'victim-phone', radiusM: 500, freshMs: 10 * MIN }] });
  const peers = (ts: number) => ({
    protectedFixes: new Map([['victim-phone', { ts, lat: victim.lat, lon: victim.lon, acc: 10 }]]),
  });

  it('is set within 1 km of the circle, before any proximity evidence', () => {
    const r = run(ctx, [fix({ ts: NOON, east: -3_700, north: 0 })], undefined, peers(NOON));
    expect(r.state.approaching).toBe(true);
    expect(r.state.proximity.phase).toBe(0);
    expect(r.changes.filter((c) => c.kind === 'protected_person_proximity')).toEqual([]);
  });

  it('is not set farther away', () => {
    const r = run(ctx, [fix({ ts: NOON, east: -3_000, north: 0 })], undefined, peers(NOON));
    expect(r.state.approaching).toBe(false);
  });
});
