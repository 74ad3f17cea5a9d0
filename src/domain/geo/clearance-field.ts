// A coarse distance field over shared zones: for each small square of ground, a lower bound on the
// distance from anywhere in it to the bounding box of every zone, in one byte. A traveller's fix is
// usually far from every prohibition zone (1 per km² in the rules bench), and this answers "farther
// than the approach band from all of them" with one memory access, where the near grid needs two
// (its cell, then the cell's list). Measured on the rules bench: the two dependent cache misses of
// the near grid were three quarters of prohibitionClearance's time (issue 4: 1M fixes/s/core).
//
// Distances are in the near grid's box metric (zone-checks.ts: the larger of the two axis gaps, each
// axis at its fewest metres per degree), so a value here is a lower bound on what the near grid's
// lists would give for the same point, and clearances taken from either mix freely (clearance.ts).
import type { CompiledZone } from './compiled-zone.js';
import { M_PER_DEG_LAT } from './projection.js';

/** Preferred square side; grown when the area is large so the field stays under MAX_FIELD_CELLS bytes. */
const FIELD_CELL_M = 50;
const MAX_FIELD_CELLS = 1 << 23;
/** Metres per unit of a stored byte: 255 units reach 1,020 m, beyond which nothing asks. */
export const FIELD_UNIT_M = 4;
const MAX_UNITS = 255;
/** Safety slack for floating-point rounding at square sides (metres). */
const SLACK_M = 0.5;

export interface ClearanceField {
  readonly minLat: number;
  readonly minLon: number;
  readonly stepLat: number;
  readonly stepLon: number;
  readonly nx: number;
  readonly ny: number;
  /** Per square (row-major), whole FIELD_UNIT_M from any point of it to the nearest zone's box. */
  readonly units: Uint8Array;
}

const NO_FIELD: ClearanceField = {
  minLat: 0,
  minLon: 0,
  stepLat: 1,
  stepLon: 1,
  nx: 0,
  ny: 0,
  units: new Uint8Array(0),
};

/**
 * The field over the zones' boxes grown by the farthest distance it stores (off it, the caller falls
 * back to its exact path). Longitude gaps count at the fewest metres per degree anywhere on the field,
 * never more than the near grid counts them (its area is smaller), so the field's values are lower
 * bounds both on true distances and on the near grid's.
 */
export function buildClearanceField(zones: readonly CompiledZone[]): ClearanceField {
  if (zones.length === 0) return NO_FIELD;
  const reachM = MAX_UNITS * FIELD_UNIT_M;
  let minLat = Number.POSITIVE_INFINITY;
  let minLon = Number.POSITIVE_INFINITY;
  let maxLat = Number.NEGATIVE_INFINITY;
  let maxLon = Number.NEGATIVE_INFINITY;
  for (const z of zones) {
    minLat = Math.min(minLat, z.minLat);
    minLon = Math.min(minLon, z.minLon);
    maxLat = Math.max(maxLat, z.maxLat);
    maxLon = Math.max(maxLon, z.maxLon);
  }
  minLat -= reachM / M_PER_DEG_LAT;
  maxLat += reachM / M_PER_DEG_LAT;
  const maxAbsLat = Math.min(89, Math.max(Math.abs(minLat), Math.abs(maxLat)));
  const kxMin = M_PER_DEG_LAT * Math.cos((maxAbsLat * Math.PI) / 180);
  minLon -= reachM / kxMin;
  maxLon += reachM / kxMin;
  const heightM = (maxLat - minLat) * M_PER_DEG_LAT;
  const widthM = (maxLon - minLon) * kxMin;
  const cellM = Math.max(FIELD_CELL_M, Math.sqrt((heightM * widthM) / MAX_FIELD_CELLS));
  const stepLat = cellM / M_PER_DEG_LAT;
  const stepLon = cellM / kxMin;
  const nx = Math.max(1, Math.ceil((maxLon - minLon) / stepLon));
  const ny = Math.max(1, Math.ceil((maxLat - minLat) / stepLat));
  const units = new Uint8Array(nx * ny).fill(MAX_UNITS);
  const reachLat = reachM / M_PER_DEG_LAT;
  const reachLon = reachM / kxMin;
  // Units per row and per column of one zone's neighbourhood: the box metric is the larger of the two
  // axis gaps, and flooring commutes with taking the larger, so a square's units are the larger of its
  // row's and its column's (one comparison per square: 10,000 zones build in about 0.1 s).
  const colUnits = new Int32Array(nx);
  for (const z of zones) {
    const r0 = Math.max(0, Math.floor((z.minLat - reachLat - minLat) / stepLat));
    const r1 = Math.min(ny - 1, Math.floor((z.maxLat + reachLat - minLat) / stepLat));
    const c0 = Math.max(0, Math.floor((z.minLon - reachLon - minLon) / stepLon));
    const c1 = Math.min(nx - 1, Math.floor((z.maxLon + reachLon - minLon) / stepLon));
    for (let c = c0; c <= c1; c++) {
      const sMinLon = minLon + c * stepLon;
      colUnits[c] = toUnits(Math.max(z.minLon - (sMinLon + stepLon), sMinLon - z.maxLon, 0) * kxMin);
    }
    for (let r = r0; r <= r1; r++) {
      const sMinLat = minLat + r * stepLat;
      const rowUnits = toUnits(
        Math.max(z.minLat - (sMinLat + stepLat), sMinLat - z.maxLat, 0) * M_PER_DEG_LAT,
      );
      const row = r * nx;
      for (let c = c0; c <= c1; c++) {
        const u = Math.max(rowUnits, colUnits[c]!);
        if (u < units[row + c]!) units[row + c] = u;
      }
    }
  }
  return { minLat, minLon, stepLat, stepLon, nx, ny, units };
}

/** Whole units below a gap less the slack: a stored value never exceeds the true gap. */
function toUnits(gapM: number): number {
  return Math.min(MAX_UNITS, Math.max(0, Math.floor((gapM - SLACK_M) / FIELD_UNIT_M)));
}

/**
 * Lower bound (metres, box metric) on the distance from the point to every zone's box; -1 off the
 * field, where only the exact path can say.
 */
export function fieldClearance(f: ClearanceField, lat: number, lon: number): number {
  const x = Math.floor((lon - f.minLon) / f.stepLon);
  const y = Math.floor((lat - f.minLat) / f.stepLat);
  if (x < 0 || y < 0 || x >= f.nx || y >= f.ny) return -1;
  return f.units[y * f.nx + x]! * FIELD_UNIT_M;
}
