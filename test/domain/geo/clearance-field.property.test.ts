// The clearance field answers "farther than the approach band from every prohibition zone" in one
// byte (clearance-field.ts). A clearance is only ever a lower bound (clearance.ts), so the field must
// never claim more room than there is, and prohibitionClearance must keep deciding "inside a zone's
// box" and "approaching one of the person's zones" exactly as the near grid's lists do.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fieldClearance } from '../../../src/domain/geo/clearance-field.js';
import { type CompiledZone, compileZone, signedDistanceM } from '../../../src/domain/geo/compiled-zone.js';
import { M_PER_DEG_LAT } from '../../../src/domain/geo/projection.js';
import { buildZoneIndex } from '../../../src/domain/geo/zone-index.js';
import { PROHIBITION_APPROACH_M } from '../../../src/domain/rules/supervision-levels.js';
import { prohibitionClearance, prohibitionNear } from '../../../src/domain/rules/zone-checks.js';

const LAT0 = 30.12;
const LON0 = 104.63;
const KY = 111_195;
const KX = KY * Math.cos((LAT0 * Math.PI) / 180);

function zoneAt(i: number, east: number, north: number, size: number, circle: boolean): CompiledZone {
  const lat = LAT0 + north / KY;
  const lon = LON0 + east / KX;
  if (circle)
    return compileZone(`z${i}`, 'prohibition', { type: 'Circle', center: [lon, lat], radiusM: size });
  const ring: number[][] = [];
  const n = 5 + (i % 30);
  for (let k = 0; k < n; k++) {
    const a = (2 * Math.PI * k) / n;
    const r = size * (0.7 + 0.3 * Math.sin(3 * a + i));
    ring.push([lon + (r * Math.cos(a)) / KX, lat + (r * Math.sin(a)) / KY]);
  }
  ring.push(ring[0]!);
  return compileZone(`z${i}`, 'prohibition', { type: 'Polygon', coordinates: [ring] });
}

/** Gap from the point to the zone's box in the near grid's metric (zone-checks.ts). */
function boxGap(z: CompiledZone, lat: number, lon: number, kx: number): number {
  return Math.max(
    Math.max(z.minLat - lat, 0, lat - z.maxLat) * M_PER_DEG_LAT,
    Math.max(z.minLon - lon, 0, lon - z.maxLon) * kx,
  );
}

const zonesArb = fc.array(
  fc.record({
    east: fc.double({ min: -3000, max: 3000, noNaN: true }),
    north: fc.double({ min: -3000, max: 3000, noNaN: true }),
    size: fc.double({ min: 10, max: 300, noNaN: true }),
    circle: fc.boolean(),
  }),
  { minLength: 1, maxLength: 60 },
);

const pointArb = fc.record({
  east: fc.double({ min: -6000, max: 6000, noNaN: true }),
  north: fc.double({ min: -6000, max: 6000, noNaN: true }),
});

describe('prohibition clearance field', () => {
  it('never claims more room than the true distance to any zone or its box', () => {
    fc.assert(
      fc.property(zonesArb, fc.array(pointArb, { minLength: 1, maxLength: 30 }), (specs, points) => {
        const zones = specs.map((z, i) => zoneAt(i, z.east, z.north, z.size, z.circle));
        const g = buildZoneIndex(zones).near;
        for (const p of points) {
          const lat = LAT0 + p.north / KY;
          const lon = LON0 + p.east / KX;
          const f = fieldClearance(g.field, lat, lon);
          if (f < 0) continue; // off the field: the near grid answers
          for (const z of zones) {
            expect(f).toBeLessThanOrEqual(boxGap(z, lat, lon, g.kxMin));
            expect(f).toBeLessThanOrEqual(Math.max(0, signedDistanceM(z, lat, lon, Number.POSITIVE_INFINITY)));
          }
        }
      }),
      { numRuns: 200 },
    );
  });

  it('prohibitionClearance decides "inside a box" and "approaching" exactly, and stays a lower bound', () => {
    fc.assert(
      fc.property(
        zonesArb,
        fc.array(pointArb, { minLength: 1, maxLength: 30 }),
        fc.boolean(),
        (specs, points, subset) => {
          const zones = specs.map((z, i) => zoneAt(i, z.east, z.north, z.size, z.circle));
          const ids = subset ? new Set(zones.filter((_, i) => i % 2 === 0).map((z) => z.id)) : null;
          const refs = { index: buildZoneIndex(zones), ids };
          const kx = refs.index.near.kxMin;
          for (const p of points) {
            const lat = LAT0 + p.north / KY;
            const lon = LON0 + p.east / KX;
            const clear = prohibitionClearance(refs, lat, lon);
            const gaps = zones.map((z) => boxGap(z, lat, lon, kx));
            const nearest = Math.min(...gaps);
            expect(clear).toBeGreaterThanOrEqual(0);
            expect(clear).toBeLessThanOrEqual(nearest);
            expect(clear === 0).toBe(nearest === 0);
            const approaching = zones.some(
              (z, i) => (ids === null || ids.has(z.id)) && gaps[i]! <= PROHIBITION_APPROACH_M,
            );
            expect(prohibitionNear.own).toBe(approaching);
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('reaches beyond the near grid: a fix 800 m from the nearest zone is clear by more than 700 m', () => {
    // Between two zones 3 km apart, on the near grid: its lists alone answer at most their margin
    // plus half a cell (about 325 m), so a traveller would measure again after every move of 175 m.
    const zones = [zoneAt(0, 0, 0, 100, true), zoneAt(1, 1800, 0, 100, true)];
    const refs = { index: buildZoneIndex(zones), ids: null };
    const clear = prohibitionClearance(refs, LAT0, LON0 + 900 / KX);
    expect(clear).toBeGreaterThan(700);
    expect(clear).toBeLessThanOrEqual(800);
    expect(prohibitionNear.own).toBe(false);
  });
});
