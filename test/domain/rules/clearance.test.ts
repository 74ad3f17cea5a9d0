// Clearances (src/domain/rules/clearance.ts) let a fix skip zone tests an earlier fix settled. They
// are a cache: evaluation with them must equal evaluation without them, change for change and state
// for state, in any world and on any track; and a clearance measured against other geometry (an
// edited county, a new prohibition zone) must never be used.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { FixSource } from '../../../schemas/enums.js';
import type { Fix } from '../../../src/domain/fix.js';
import { type CompiledZone, compileZone } from '../../../src/domain/geo/compiled-zone.js';
import { needDistanceM, Side, sideOf, sigmaOf } from '../../../src/domain/geo/membership.js';
import { buildZoneIndex } from '../../../src/domain/geo/zone-index.js';
import type { AlertChange } from '../../../src/domain/rules/alert-change.js';
import {
  forStep,
  measure,
  measured,
  measureSide,
  movedSq,
  saturate,
  stillClear,
} from '../../../src/domain/rules/clearance.js';
import { evaluateFix } from '../../../src/domain/rules/evaluate-fix.js';
import { NO_PEERS, type PersonRulesContext } from '../../../src/domain/rules/person-context.js';
import {
  initialPersonState,
  NO_CLEARANCE,
  type PersonState,
  patchState,
  type StateDraft,
} from '../../../src/domain/rules/person-state.js';
import { decodePersonState, encodePersonState } from '../../../src/domain/rules/person-state-codec.js';
import { at, context, county, DAY, fix, HOUR, home, MIN, MONDAY, run, school, series } from './fixture.js';

/** A star-shaped ring of `n` vertices around (east, north), radius `r` metres ± `wiggle`. */
function star(east: number, north: number, r: number, n: number, wiggle: number, phase: number): number[][] {
  const ring: number[][] = [];
  for (let k = 0; k < n; k++) {
    const a = (2 * Math.PI * k) / n;
    const rr = r * (1 + wiggle * Math.sin(3 * a + phase));
    const p = at(east + rr * Math.cos(a), north + rr * Math.sin(a));
    ring.push([p.lon, p.lat]);
  }
  ring.push(ring[0]!);
  return ring;
}

const zoneArb = fc.record({
  east: fc.double({ min: -3000, max: 3000, noNaN: true }),
  north: fc.double({ min: -3000, max: 3000, noNaN: true }),
  size: fc.double({ min: 20, max: 400, noNaN: true }),
  circle: fc.boolean(),
  n: fc.integer({ min: 4, max: 60 }),
});

const worldArb = fc.record({
  countyRadius: fc.double({ min: 1500, max: 6000, noNaN: true }),
  countyVertices: fc.integer({ min: 8, max: 300 }),
  home: zoneArb,
  prohibition: fc.array(zoneArb, { maxLength: 30 }),
  subset: fc.boolean(),
  level: fc.constantFrom('strict' as const, 'normal' as const, 'lenient' as const),
});

const stepArb = fc.record({
  // Mostly jitter (someone at home), sometimes a walk or a drive, now and then a jump anywhere.
  kind: fc.constantFrom('jitter', 'jitter', 'jitter', 'walk', 'walk', 'drive', 'jump', 'home'),
  angle: fc.double({ min: 0, max: 2 * Math.PI, noNaN: true }),
  size: fc.double({ min: 0, max: 1, noNaN: true }),
  jumpEast: fc.double({ min: -8000, max: 8000, noNaN: true }),
  jumpNorth: fc.double({ min: -8000, max: 8000, noNaN: true }),
  source: fc.constantFrom<FixSource>('gnss', 'gnss', 'gnss', 'gnss', 'wifi', 'cell'),
  acc: fc.double({ min: 0, max: 1, noNaN: true }),
  dtS: fc.integer({ min: -30, max: 240 }),
});

type ZoneSpec = typeof zoneArb extends fc.Arbitrary<infer T> ? T : never;
type World = typeof worldArb extends fc.Arbitrary<infer T> ? T : never;
type Step = typeof stepArb extends fc.Arbitrary<infer T> ? T : never;

function zoneOf(id: string, kind: 'residence' | 'prohibition', z: ZoneSpec) {
  if (z.circle) {
    const c = at(z.east, z.north);
    return compileZone(id, kind, { type: 'Circle', center: [c.lon, c.lat], radiusM: z.size });
  }
  return compileZone(id, kind, {
    type: 'Polygon',
    coordinates: [star(z.east, z.north, z.size, z.n, 0.3, 1)],
  });
}

function worldContext(w: World): PersonRulesContext {
  const zones = w.prohibition.map((z, i) => zoneOf(`z${i}`, 'prohibition', z));
  return context({
    level: w.level,
    residence: zoneOf('home', 'residence', w.home),
    jurisdiction: compileZone('county', 'jurisdiction', {
      type: 'Polygon',
      coordinates: [star(0, 0, w.countyRadius, w.countyVertices, 0.15, 2)],
    }),
    prohibition: {
      index: buildZoneIndex(zones),
      ids: w.subset ? new Set(zones.filter((_, i) => i % 2 === 0).map((z) => z.id)) : null,
    },
  });
}

/** A walk starting at home just before the 22:00 curfew, so both sides of a window are seen. */
function walk(w: World, steps: Step[]): Fix[] {
  let east = w.home.east;
  let north = w.home.north;
  let ts = MONDAY + 21 * HOUR + 55 * MIN;
  return steps.map((s) => {
    const r =
      s.kind === 'jitter'
        ? s.size * 30
        : s.kind === 'walk'
          ? s.size * 300
          : s.kind === 'drive'
            ? s.size * 1500
            : 0;
    if (s.kind === 'jump') {
      east = s.jumpEast;
      north = s.jumpNorth;
    } else if (s.kind === 'home') {
      // Back home, near its boundary: where the answers are closest to changing.
      east = w.home.east + w.home.size * (0.5 + s.size) * Math.cos(s.angle);
      north = w.home.north + w.home.size * (0.5 + s.size) * Math.sin(s.angle);
    } else {
      east += r * Math.cos(s.angle);
      north += r * Math.sin(s.angle);
    }
    ts += s.dtS * 1000;
    const acc =
      s.source === 'gnss' ? 2 + s.acc * 40 : s.source === 'wifi' ? 20 + s.acc * 80 : 300 + s.acc * 1500;
    return fix({ ts, east, north, acc, source: s.source });
  });
}

/** A state as text without its clearance fields (they are the one thing allowed to differ). */
const CLEARANCE_FIELDS = new Set(Object.keys(NO_CLEARANCE));
const decisions = (s: PersonState): unknown =>
  JSON.parse(encodePersonState(s), (k, v) => (CLEARANCE_FIELDS.has(k) ? undefined : v));

describe('clearances', () => {
  it('never change a decision: the same changes and state as exact tests at every fix (property)', () => {
    fc.assert(
      fc.property(worldArb, fc.array(stepArb, { minLength: 1, maxLength: 120 }), (w, steps) => {
        const ctx = worldContext(w);
        let cached = initialPersonState(MONDAY - DAY);
        let exact = cached;
        // The same as `cached`, written into a spare swapped with the state after every fix, as the
        // in-memory store does (decision 0013): it must be the very same evaluation.
        let buffered = cached;
        let spare: StateDraft = initialPersonState(0);
        for (const f of walk(w, steps)) {
          const a = evaluateFix(ctx, cached, f);
          // Without: every fix starts from no clearance, so every test runs.
          const b = evaluateFix(ctx, patchState(exact, NO_CLEARANCE), f);
          expect(a.changes).toEqual(b.changes);
          expect(a.dropped).toBe(b.dropped);
          expect(decisions(a.state)).toEqual(decisions(b.state));
          const c = evaluateFix(ctx, buffered, f, NO_PEERS, spare);
          expect(c.changes).toEqual(a.changes);
          expect(c.state).toEqual(a.state);
          if (c.state === spare) spare = buffered;
          buffered = c.state;
          cached = a.state;
          exact = b.state;
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('measure a zone only as far as the side needs, and the exact distance whenever it is given (property)', () => {
    // measureSide: a cell-tower fix (need up to 6.75 km) searches a county only out to its side's
    // threshold; what it reports must be the exact side, and the exact saturated distance when finite.
    fc.assert(
      fc.property(
        fc.integer({ min: 8, max: 300 }),
        fc.double({ min: 1500, max: 6000, noNaN: true }),
        fc.double({ min: -9000, max: 9000, noNaN: true }),
        fc.double({ min: -9000, max: 9000, noNaN: true }),
        fc.double({ min: 2, max: 1500, noNaN: true }),
        fc.boolean(),
        (n, r, east, north, acc, extend) => {
          const zone = compileZone('county', 'jurisdiction', {
            type: 'Polygon',
            coordinates: [star(0, 0, r, n, 0.15, 2)],
          });
          const p = at(east, north);
          const need = needDistanceM(acc);
          const exact = saturate(measure(zone, p.lat, p.lon, Number.POSITIVE_INFINITY), need);
          const m = measureSide(zone, p.lat, p.lon, need, sigmaOf(acc), extend);
          const d = measured.d;
          expect(sideOf(d, acc)).toBe(sideOf(exact, acc));
          if (Number.isFinite(d)) expect(d).toBeCloseTo(exact, 6);
          else expect(sideOf(d, acc)).not.toBe(Side.uncertain);
          expect(forStep(d, zone, p.lat, p.lon, need)).toBeCloseTo(exact, 6);
          // What it returns is a clearance: never farther from zero than the truth, same side.
          const truth = measure(zone, p.lat, p.lon, Number.POSITIVE_INFINITY);
          expect(Math.abs(m)).toBeLessThanOrEqual(Math.abs(truth) + 1e-6);
          expect(Math.sign(m)).toBe(Math.sign(truth));
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('are used: someone at home skips the tests, and the skipped answers are the exact ones', () => {
    const ctx = context();
    const still = series(30, MONDAY + 22 * HOUR + MIN, MIN, { east: 5, north: -3, acc: 6 });
    const { state, changes } = run(ctx, still);
    expect(changes).toEqual([]);
    expect(state.clearKey).toBe(ctx.geometryKey);
    // Measured once and carried: 100 m circle, the fix ~6 m from its centre; the county is 10 km.
    expect(state.clearHome).toBeLessThan(-80);
    expect(state.clearCounty).toBeLessThan(-400);
    expect(state.clearProhibition).toBeGreaterThan(151);
    const moved2 = movedSq(state, ctx.geometryKey, still[29]!.lat, still[29]!.lon);
    expect(stillClear(state.clearProhibition, 151, moved2)).toBe(true);
  });

  it('are used next to a zone: inside its box, outside it, nothing is looked up again, and entering still opens', () => {
    // A round zone of 200 m: its box reaches 200 m from the centre in both axes, its area only in
    // the middle. Home ~40 m outside the circle, inside the box, in the approach band.
    const park = compileZone('park', 'prohibition', {
      type: 'Circle',
      center: [at(3000, 0).lon, at(3000, 0).lat],
      radiusM: 200,
    });
    const ctx = context({ prohibition: { index: buildZoneIndex([park]), ids: null } });
    const jitter = Array.from({ length: 30 }, (_, i) =>
      fix({ ts: MONDAY + 12 * HOUR + i * MIN, east: 3170 + (i % 3), north: 170 - (i % 2), acc: 6 }),
    );
    const { state, changes } = run(ctx, jitter);
    expect(changes).toEqual([]);
    expect(state.approaching).toBe(true);
    expect(state.clearArea).toBeGreaterThan(25);
    expect(state.clearNearOwn).toBeGreaterThan(140);
    // Anchored where it was measured, at the first fix: no fix after it measured anything again.
    expect(state.clearLonE6).toBe(Math.round(jitter[0]!.lon * 1e6));
    expect(state.clearLonE6).not.toBe(Math.round(jitter[29]!.lon * 1e6));
    // Walking in is seen at once, as without clearances.
    const inside = series(6, MONDAY + 12 * HOUR + 30 * MIN, MIN, { east: 3000, north: 0, acc: 6 });
    let s = state;
    const opened: string[] = [];
    for (const f of inside) {
      const r = evaluateFix(ctx, s, f);
      s = r.state;
      for (const c of r.changes) opened.push(`${c.action} ${c.kind}`);
    }
    expect(opened).toContain('open prohibition_entry');
  });

  it('measured against other geometry are never used: a zone added where someone stands is entered', () => {
    // At home, 0.5 km from every boundary of the first world, so every test is skippable...
    const before = context();
    const first = run(before, series(10, MONDAY + 12 * HOUR, MIN, { east: 0, north: 0, acc: 5 }));
    const c = first.state;
    const here = at(0, 0);
    expect(stillClear(c.clearProhibition, needDistanceM(5), movedSq(c, c.clearKey, here.lat, here.lon))).toBe(
      true,
    );
    // ...then a prohibition zone is drawn around the home (say a kindergarten next door).
    const square = star(0, 0, 150, 4, 0, 0);
    const kindergarten: CompiledZone = compileZone('kindergarten', 'prohibition', {
      type: 'Polygon',
      coordinates: [square],
    });
    const after = context({ prohibition: { index: buildZoneIndex([school, kindergarten]), ids: null } });
    expect(after.geometryKey).not.toBe(before.geometryKey);
    const next = run(
      after,
      series(10, MONDAY + 12 * HOUR + 10 * MIN, MIN, { east: 0, north: 0, acc: 5 }),
      first.state,
    );
    expect(next.changes.map((ch: AlertChange) => [ch.kind, ch.action, ch.zoneId])).toEqual([
      ['prohibition_entry', 'open', 'kindergarten'],
    ]);
  });

  it('measured against other geometry are never used: a county redrawn without the home is left', () => {
    const first = run(context(), series(5, MONDAY + 12 * HOUR, MIN, { east: 0, north: 0, acc: 5 }));
    const smaller = compileZone('county', 'jurisdiction', {
      type: 'Polygon',
      coordinates: [star(5000, 0, 3000, 64, 0, 0)],
    });
    const next = run(
      context({ jurisdiction: smaller }),
      series(12, MONDAY + 12 * HOUR + 5 * MIN, MIN, { east: 0, north: 0, acc: 5 }),
      first.state,
    );
    expect(next.changes.map((ch) => [ch.kind, ch.action])).toEqual([['jurisdiction_exit', 'open']]);
  });

  it('fingerprints name geometry by content: equal when compiled again, different when a vertex moves', () => {
    const ring = star(0, 0, 500, 80, 0.1, 0);
    const a = compileZone('a', 'jurisdiction', { type: 'Polygon', coordinates: [ring] });
    const b = compileZone('b', 'jurisdiction', { type: 'Polygon', coordinates: [ring.map((p) => [...p])] });
    const moved = ring.map((p, i) => (i === 7 ? [p[0]! + 1e-7, p[1]!] : p));
    moved[moved.length - 1] = moved[0]!;
    const c = compileZone('a', 'jurisdiction', { type: 'Polygon', coordinates: [moved] });
    expect(a.fingerprint).toBe(b.fingerprint);
    expect(c.fingerprint).not.toBe(a.fingerprint);
    expect(county.fingerprint).not.toBe(home.fingerprint);
    const wider = compileZone('home', 'residence', { type: 'Circle', center: [104.63, 30.12], radiusM: 101 });
    expect(wider.fingerprint).not.toBe(home.fingerprint);
    expect(buildZoneIndex([school]).fingerprint).toBe(buildZoneIndex([school]).fingerprint);
    expect(buildZoneIndex([school, home]).fingerprint).not.toBe(buildZoneIndex([school]).fingerprint);
  });

  it('go through the state codec; a state stored before clearances existed decodes with none', () => {
    const { state } = run(context(), series(3, MONDAY + 12 * HOUR, MIN, { east: 0, north: 0 }));
    expect(state.clearKey).not.toBe(0);
    const decoded = decodePersonState(encodePersonState(state));
    for (const k of CLEARANCE_FIELDS)
      expect(decoded[k as keyof PersonState]).toBe(state[k as keyof PersonState]);
    const old = JSON.parse(encodePersonState(state)) as Record<string, unknown>;
    for (const k of CLEARANCE_FIELDS) delete old[k];
    const none = decodePersonState(JSON.stringify(old));
    for (const k of CLEARANCE_FIELDS) expect(none[k as keyof PersonState]).toBe(0);
  });
});
