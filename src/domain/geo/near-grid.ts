// Precomputed "who is near" lists for shared zones: the hot path of the prohibition rule.
// A fine grid over the zones' area; each cell lists every zone whose bounding box comes within
// NEAR_MARGIN_M of the cell. For a fix in a cell, that list is complete for any distance up to
// the margin plus the fix's clearance to the cell's sides, so a GNSS fix (needing at most ~150 m)
// is answered with one cell lookup and a few bounding-box tests: no query, no allocation, and no
// per-person cache (a person who moves needs no refresh; ~1 zone per list at 1 zone per km²).
import type { CompiledZone } from './compiled-zone.js';
import { M_PER_DEG_LAT } from './projection.js';

/** Margin around each cell within which zones are listed; also the smallest need always answered. */
export const NEAR_MARGIN_M = 200;
/** Preferred cell side; grown when the area is large so the grid stays under MAX_NEAR_CELLS. */
const NEAR_CELL_M = 250;
const MAX_NEAR_CELLS = 1 << 21;
/** Safety slack for floating-point rounding at cell sides (metres). */
const SLACK_M = 0.5;

export interface NearGrid {
  readonly zones: readonly CompiledZone[];
  readonly minLat: number;
  readonly minLon: number;
  readonly maxLat: number;
  readonly maxLon: number;
  readonly stepLat: number;
  readonly stepLon: number;
  readonly nx: number;
  readonly ny: number;
  /** Metres per degree of longitude at the grid's highest |latitude| (the fewest metres per degree). */
  readonly kxMin: number;
  /**
   * Two Int32 per cell, read together (one cache line): cells[2c] = first entry of cell c (its
   * entries end where cell c + 1's begin), cells[2c + 1] = whole metres from the cell to the nearest
   * listed zone's box (a lower bound; MAX_CLEAR_M when the list is empty). Cell nx*ny is the empty cell.
   */
  readonly cells: Int32Array;
  /**
   * ENTRY_SIZE numbers per listed zone, so the box test needs neither the zone nor its frame:
   * minLat, maxLat, minLon, maxLon, index into `zones`.
   */
  readonly entries: Float64Array;
}

export const ENTRY_SIZE = 5;
const MAX_CLEAR_M = 1 << 30;

/** The empty cell: returned for points so far from every zone that nothing can be near. */
export function emptyCell(g: NearGrid): number {
  return g.nx * g.ny;
}

export function buildNearGrid(zones: readonly CompiledZone[]): NearGrid {
  let zMinLat = Number.POSITIVE_INFINITY;
  let zMinLon = Number.POSITIVE_INFINITY;
  let zMaxLat = Number.NEGATIVE_INFINITY;
  let zMaxLon = Number.NEGATIVE_INFINITY;
  for (const z of zones) {
    zMinLat = Math.min(zMinLat, z.minLat);
    zMinLon = Math.min(zMinLon, z.minLon);
    zMaxLat = Math.max(zMaxLat, z.maxLat);
    zMaxLon = Math.max(zMaxLon, z.maxLon);
  }
  if (zones.length === 0) {
    return {
      zones,
      minLat: 0,
      minLon: 0,
      maxLat: -1,
      maxLon: -1,
      stepLat: 1,
      stepLon: 1,
      nx: 0,
      ny: 0,
      kxMin: M_PER_DEG_LAT,
      cells: new Int32Array([0, MAX_CLEAR_M, 0, MAX_CLEAR_M]),
      entries: new Float64Array(0),
    };
  }
  const eLat = NEAR_MARGIN_M / M_PER_DEG_LAT;
  const maxAbsLat = Math.min(89, Math.max(Math.abs(zMinLat), Math.abs(zMaxLat)) + eLat);
  const kxMin = M_PER_DEG_LAT * Math.cos((maxAbsLat * Math.PI) / 180);
  const eLon = NEAR_MARGIN_M / kxMin;
  const minLat = zMinLat - eLat;
  const maxLat = zMaxLat + eLat;
  const minLon = zMinLon - eLon;
  const maxLon = zMaxLon + eLon;
  const heightM = (maxLat - minLat) * M_PER_DEG_LAT;
  const widthM = (maxLon - minLon) * kxMin;
  const cellM = Math.max(NEAR_CELL_M, Math.sqrt((heightM * widthM) / MAX_NEAR_CELLS));
  const stepLat = cellM / M_PER_DEG_LAT;
  const stepLon = cellM / kxMin;
  const nx = Math.max(1, Math.ceil((maxLon - minLon) / stepLon));
  const ny = Math.max(1, Math.ceil((maxLat - minLat) / stepLat));
  const colOf = (lon: number): number => Math.min(nx - 1, Math.max(0, Math.floor((lon - minLon) / stepLon)));
  const rowOf = (lat: number): number => Math.min(ny - 1, Math.max(0, Math.floor((lat - minLat) / stepLat)));

  const cellCount = nx * ny;
  const counts = new Int32Array(cellCount + 2);
  for (const z of zones) {
    const c1 = colOf(z.maxLon + eLon);
    const r1 = rowOf(z.maxLat + eLat);
    for (let r = rowOf(z.minLat - eLat); r <= r1; r++)
      for (let c = colOf(z.minLon - eLon); c <= c1; c++) counts[r * nx + c + 1]!++;
  }
  for (let b = 0; b <= cellCount; b++) counts[b + 1]! += counts[b]!;
  const cells = new Int32Array(2 * (cellCount + 2));
  for (let b = 0; b <= cellCount + 1; b++) {
    cells[2 * b] = counts[Math.min(b, cellCount + 1)]!;
    cells[2 * b + 1] = MAX_CLEAR_M;
  }
  const entries = new Float64Array(ENTRY_SIZE * counts[cellCount]!);
  for (let i = 0; i < zones.length; i++) {
    const z = zones[i]!;
    const c1 = colOf(z.maxLon + eLon);
    const r1 = rowOf(z.maxLat + eLat);
    for (let r = rowOf(z.minLat - eLat); r <= r1; r++) {
      for (let c = colOf(z.minLon - eLon); c <= c1; c++) {
        const cell = r * nx + c;
        const k = ENTRY_SIZE * counts[cell]!++;
        entries[k] = z.minLat;
        entries[k + 1] = z.maxLat;
        entries[k + 2] = z.minLon;
        entries[k + 3] = z.maxLon;
        entries[k + 4] = i;
        // Gap between the cell's rectangle and the zone's box, in metres at the fewest metres per degree.
        const cMinLat = minLat + r * stepLat;
        const cMinLon = minLon + c * stepLon;
        const gapLat = Math.max(z.minLat - (cMinLat + stepLat), cMinLat - z.maxLat, 0) * M_PER_DEG_LAT;
        const gapLon = Math.max(z.minLon - (cMinLon + stepLon), cMinLon - z.maxLon, 0) * kxMin;
        const clear = Math.max(0, Math.floor(Math.max(gapLat, gapLon) - SLACK_M));
        if (clear < cells[2 * cell + 1]!) cells[2 * cell + 1] = clear;
      }
    }
  }
  return { zones, minLat, minLon, maxLat, maxLon, stepLat, stepLon, nx, ny, kxMin, cells, entries };
}

/** Set by nearCell: the radius (metres) within which the returned cell's list is complete. */
export const nearReach = { m: 0 };

/**
 * The cell of the point (or the empty cell when the point is off the grid), whose list holds
 * every zone that lies within `nearReach.m` metres of the point: the margin plus the point's
 * clearance to the cell's sides (off the grid, the margin plus the distance to the grid).
 * Returns through a scratch object instead of allocating: this runs for every GNSS fix.
 */
export function nearCell(g: NearGrid, lat: number, lon: number): number {
  const x = (lon - g.minLon) / g.stepLon;
  const y = (lat - g.minLat) / g.stepLat;
  if (x >= 0 && y >= 0 && x < g.nx && y < g.ny) {
    const c = Math.floor(x);
    const r = Math.floor(y);
    const fx = x - c;
    const fy = y - r;
    const gapX = (fx < 0.5 ? fx : 1 - fx) * g.stepLon * g.kxMin;
    const gapY = (fy < 0.5 ? fy : 1 - fy) * g.stepLat * M_PER_DEG_LAT;
    nearReach.m = NEAR_MARGIN_M - SLACK_M + Math.min(gapX, gapY);
    return r * g.nx + c;
  }
  // Off the grid, which reaches NEAR_MARGIN_M beyond every zone's box: no zone is nearer than that
  // plus the distance beyond the grid along either axis.
  const outX = Math.max(-x, x - g.nx, 0) * g.stepLon * g.kxMin;
  const outY = Math.max(-y, y - g.ny, 0) * g.stepLat * M_PER_DEG_LAT;
  nearReach.m = NEAR_MARGIN_M - SLACK_M + Math.max(outX, outY);
  return g.nx * g.ny;
}
