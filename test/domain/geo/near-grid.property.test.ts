// The prohibition check answers from the near grid (and, for wide searches, the index) instead of
// testing every zone: it must agree with testing every zone exactly, for any fix and accuracy.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type CompiledZone, compileZone, signedDistanceM } from '../../../src/domain/geo/compiled-zone.js';
import { needDistanceM, pOutside } from '../../../src/domain/geo/membership.js';
import { buildZoneIndex } from '../../../src/domain/geo/zone-index.js';
import { checkProhibition } from '../../../src/domain/rules/zone-checks.js';

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

const zonesArb = fc.array(
  fc.record({
    east: fc.double({ min: -1500, max: 1500, noNaN: true }),
    north: fc.double({ min: -1500, max: 1500, noNaN: true }),
    size: fc.double({ min: 10, max: 300, noNaN: true }),
    circle: fc.boolean(),
  }),
  { minLength: 1, maxLength: 80 },
);

const fixArb = fc.record({
  east: fc.double({ min: -2500, max: 2500, noNaN: true }),
  north: fc.double({ min: -2500, max: 2500, noNaN: true }),
  acc: fc.oneof(fc.double({ min: 0, max: 40, noNaN: true }), fc.double({ min: 40, max: 1500, noNaN: true })),
});

describe('prohibition check through the near grid', () => {
  it('finds the same nearest zone within the saturation distance as testing every zone', () => {
    fc.assert(
      fc.property(
        zonesArb,
        fc.array(fixArb, { minLength: 1, maxLength: 20 }),
        fc.boolean(),
        (specs, fixes, subset) => {
          const zones = specs.map((z, i) => zoneAt(i, z.east, z.north, z.size, z.circle));
          const ids = subset ? new Set(zones.filter((_, i) => i % 2 === 0).map((z) => z.id)) : null;
          const refs = { index: buildZoneIndex(zones), ids };
          for (const f of fixes) {
            const lat = LAT0 + f.north / KY;
            const lon = LON0 + f.east / KX;
            const need = needDistanceM(f.acc);
            let best: CompiledZone | null = null;
            let bestD = need;
            for (const z of zones) {
              if (ids !== null && !ids.has(z.id)) continue;
              const d = signedDistanceM(z, lat, lon, Number.POSITIVE_INFINITY);
              if (d < bestD) {
                bestD = d;
                best = z;
              }
            }
            const s = checkProhibition(refs, lat, lon, f.acc, true);
            if (best === null) expect(s).toBeNull();
            else {
              expect(s?.zoneId).toBe(best.id);
              expect(s!.p).toBeCloseTo(1 - pOutside(bestD, f.acc), 9);
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('a point far off the grid is answered without a zone, and wide searches still find a zone', () => {
    const zones = [zoneAt(0, 0, 0, 100, true)];
    const refs = { index: buildZoneIndex(zones), ids: null };
    expect(checkProhibition(refs, LAT0 + 5000 / KY, LON0, 5, true)).toBeNull();
    // 1,000 m accuracy: the zone 3 km away is within 4.5 σ, beyond the cell's reach.
    expect(checkProhibition(refs, LAT0 + 3000 / KY, LON0, 1000, false)?.zoneId).toBe('z0');
  });
});
