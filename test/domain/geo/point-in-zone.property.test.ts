import { booleanPointInPolygon } from '@turf/turf';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type CompiledZone,
  compileZone,
  signedDistanceM,
  type ZoneGeometry,
} from '../../../src/domain/geo/compiled-zone.js';
import { bruteSignedDistance } from '../../../src/domain/geo/edges.js';

const LAT0 = 30.12;
const LON0 = 104.63;
type Ring = [number, number][];

/** A star-shaped ring (always simple) around (lat, lon): radii in metres, one per vertex. */
function starRing(lat: number, lon: number, radii: readonly number[], phase: number, reverse = false): Ring {
  const kx = 111_195 * Math.cos((lat * Math.PI) / 180);
  const ring: Ring = radii.map((r, i) => {
    const a = phase + (2 * Math.PI * i) / radii.length;
    return [lon + (r * Math.cos(a)) / kx, lat + (r * Math.sin(a)) / 111_195];
  });
  if (reverse) ring.reverse();
  ring.push(ring[0]!);
  return ring;
}

const radiiArb = (min: number, max: number, n: fc.IntegerConstraints) =>
  fc.array(fc.double({ min, max, noNaN: true }), { minLength: n.min ?? 3, maxLength: n.max ?? 40 });

/** Polygon with an optional hole (radii of the hole below the outer minimum). */
const polygonArb = fc
  .record({
    outer: radiiArb(300, 1000, { min: 3, max: 60 }),
    hole: fc.option(radiiArb(50, 280, { min: 3, max: 20 }), { nil: undefined }),
    phase: fc.double({ min: 0, max: 6.28, noNaN: true }),
  })
  .map(({ outer, hole, phase }): ZoneGeometry => {
    const rings = [starRing(LAT0, LON0, outer, phase)];
    if (hole) rings.push(starRing(LAT0, LON0, hole, phase / 2, true));
    return { type: 'Polygon', coordinates: rings };
  });

const multiPolygonArb = fc
  .tuple(
    radiiArb(100, 900, { min: 3, max: 30 }),
    radiiArb(100, 900, { min: 3, max: 30 }),
    radiiArb(20, 90, { min: 3, max: 8 }),
  )
  .map(
    ([a, b, hole]): ZoneGeometry => ({
      type: 'MultiPolygon',
      coordinates: [
        [starRing(LAT0, LON0, a, 0), starRing(LAT0, LON0, hole, 1, true)],
        [starRing(LAT0, LON0 + 0.03, b, 0.5)],
      ],
    }),
  );

/** Big wiggly polygon (county-like): exercises the edge grid. */
const bigPolygonArb = fc
  .record({ n: fc.integer({ min: 60, max: 1500 }), seed: fc.integer(), hole: fc.boolean() })
  .map(({ n, seed, hole }): ZoneGeometry => {
    let s = seed >>> 0 || 1;
    const rnd = () => {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      return s / 2 ** 32;
    };
    const radii = Array.from(
      { length: n },
      (_, i) => 5000 * (1 + 0.2 * Math.sin((7 * 2 * Math.PI * i) / n)) + 600 * rnd(),
    );
    const rings = [starRing(LAT0, LON0, radii, 0)];
    if (hole)
      rings.push(
        starRing(
          LAT0,
          LON0,
          Array.from({ length: 30 }, () => 800 + 600 * rnd()),
          0,
          true,
        ),
      );
    return { type: 'Polygon', coordinates: rings };
  });

const pointArb = (spanM: number) =>
  fc.tuple(
    fc.double({ min: -spanM, max: spanM, noNaN: true }),
    fc.double({ min: -spanM, max: spanM, noNaN: true }),
  );

function check(geometry: ZoneGeometry, dx: number, dy: number, acc: number, compiled?: CompiledZone): void {
  const zone = compiled ?? compileZone('z', 'prohibition', geometry);
  const lat = LAT0 + dy / 111_195;
  const lon = LON0 + dx / (111_195 * Math.cos((LAT0 * Math.PI) / 180));
  const exact = signedDistanceM(zone, lat, lon, Number.POSITIVE_INFINITY);
  // Within a few cm of an edge the answer is a matter of rounding, not of geometry.
  fc.pre(Math.abs(exact) > 0.05);
  const turfInside = booleanPointInPolygon(
    [lon, lat],
    geometry as Parameters<typeof booleanPointInPolygon>[1],
  );
  expect(exact < 0).toBe(turfInside);
  // The bounded query agrees in sign, and is exact whenever the answer is within the needed range.
  const need = 4.5 * acc;
  const bounded = signedDistanceM(zone, lat, lon, need);
  expect(Math.sign(bounded)).toBe(Math.sign(exact));
  if (Math.abs(exact) < need) expect(bounded).toBeCloseTo(exact, 6);
  else expect(Math.abs(bounded)).toBeGreaterThanOrEqual(need - 1e-6);
  if (zone.grid)
    expect(Math.abs(exact)).toBeCloseTo(
      Math.abs(bruteSignedDistance(zone.edges, (lon - zone.lon0) * zone.kx, (lat - zone.lat0) * zone.ky)),
      6,
    );
}

describe('point in zone agrees with @turf/turf booleanPointInPolygon', () => {
  const accArb = fc.double({ min: 3, max: 400, noNaN: true });
  it('polygons with holes', () => {
    fc.assert(
      fc.property(polygonArb, pointArb(1100), accArb, (g, [dx, dy], acc) => check(g, dx, dy, acc)),
      { numRuns: 2000 },
    );
  });
  it('multipolygons with holes', () => {
    fc.assert(
      fc.property(multiPolygonArb, pointArb(3500), accArb, (g, [dx, dy], acc) => check(g, dx, dy, acc)),
      { numRuns: 2000 },
    );
  });
  it('large polygons through the edge grid', () => {
    fc.assert(
      fc.property(
        bigPolygonArb,
        fc.array(pointArb(7000), { minLength: 20, maxLength: 20 }),
        accArb,
        (g, points, acc) => {
          const zone = compileZone('county', 'jurisdiction', g);
          for (const [dx, dy] of points) check(g, dx, dy, acc, zone);
        },
      ),
      { numRuns: 60 },
    );
  });
  it('circles: signed distance is distance to centre minus radius', () => {
    fc.assert(
      fc.property(fc.double({ min: 10, max: 5000, noNaN: true }), pointArb(6000), (r, [dx, dy]) => {
        const zone = compileZone('c', 'residence', { type: 'Circle', center: [LON0, LAT0], radiusM: r });
        const lat = LAT0 + dy / 111_195;
        const lon = LON0 + dx / (111_195 * Math.cos((LAT0 * Math.PI) / 180));
        expect(signedDistanceM(zone, lat, lon, Number.POSITIVE_INFINITY)).toBeCloseTo(
          Math.hypot(dx, dy) - r,
          0,
        );
      }),
    );
  });
});
