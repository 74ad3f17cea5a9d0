// Index over the bounding boxes of shared zones (prohibition zones: all schools of a district,
// shared by many people). Like Tile38, index the fences, not the points: the index picks the few
// candidates for a fix and the exact test runs only on those.
// Two structures: a flat bucket grid answers the small queries made for every GNSS fix in ~100 ns
// (an R-tree search costs ~2 µs here, too slow for 1M fixes/s); the R-tree (rbush) answers large
// queries (cell-tower fixes with km accuracy) without scanning thousands of buckets.
import RBush from 'rbush';
import type { CompiledZone } from './compiled-zone.js';
import { fingerprintNumbers } from './fingerprint.js';
import { buildNearGrid, type NearGrid } from './near-grid.js';
import { M_PER_DEG_LAT, metresToDegLat, metresToDegLon } from './projection.js';

interface IndexedZone {
  readonly minX: number;
  readonly minY: number;
  readonly maxX: number;
  readonly maxY: number;
  readonly zone: CompiledZone;
}

export interface ZoneIndex {
  readonly size: number;
  readonly byId: ReadonlyMap<string, CompiledZone>;
  /** Zones whose bounding box comes within radiusM of the point (a superset of the zones that do). */
  candidates(lat: number, lon: number, radiusM: number): CompiledZone[];
  /** Per-cell lists of the zones near each cell: the allocation-free path for GNSS fixes (near-grid.ts). */
  readonly near: NearGrid;
  /** The indexed zones' geometry, in one number (fingerprint.ts). */
  readonly fingerprint: number;
}

/** Bucket size; queries wider than MAX_GRID_SPAN buckets go to the R-tree. */
const BUCKET_M = 500;
const MAX_GRID_SPAN = 6;
const MAX_BUCKETS = 1 << 22;

export function buildZoneIndex(zones: readonly CompiledZone[]): ZoneIndex {
  const tree = new RBush<IndexedZone>(16);
  tree.load(
    zones.map((zone) => ({
      minX: zone.minLon,
      minY: zone.minLat,
      maxX: zone.maxLon,
      maxY: zone.maxLat,
      zone,
    })),
  );
  const byId = new Map(zones.map((z) => [z.id, z]));
  const searchTree = (lat: number, lon: number, radiusM: number): CompiledZone[] => {
    const dLat = metresToDegLat(radiusM);
    const dLon = metresToDegLon(radiusM, Math.abs(lat) + dLat);
    return tree
      .search({ minX: lon - dLon, minY: lat - dLat, maxX: lon + dLon, maxY: lat + dLat })
      .map((h) => h.zone);
  };
  const near = buildNearGrid(zones);
  const fingerprint = fingerprintNumbers(zones.map((z) => z.fingerprint));
  if (zones.length === 0) return { size: 0, byId, candidates: () => [], near, fingerprint };

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
  // Bucket width in degrees: BUCKET_M at the index's widest latitude, so a bucket is never narrower.
  const stepLat = BUCKET_M / M_PER_DEG_LAT;
  const stepLon = metresToDegLon(BUCKET_M, Math.min(Math.abs(minLat), Math.abs(maxLat)));
  const nx = Math.ceil((maxLon - minLon) / stepLon) + 1;
  const ny = Math.ceil((maxLat - minLat) / stepLat) + 1;
  if (nx * ny > MAX_BUCKETS) return { size: zones.length, byId, candidates: searchTree, near, fingerprint };

  const colOf = (lon: number): number => Math.min(nx - 1, Math.max(0, Math.floor((lon - minLon) / stepLon)));
  const rowOf = (lat: number): number => Math.min(ny - 1, Math.max(0, Math.floor((lat - minLat) / stepLat)));
  const firstCol = new Int32Array(zones.length);
  const firstRow = new Int32Array(zones.length);
  const counts = new Int32Array(nx * ny + 1);
  zones.forEach((z, i) => {
    firstCol[i] = colOf(z.minLon);
    firstRow[i] = rowOf(z.minLat);
    for (let r = firstRow[i]!; r <= rowOf(z.maxLat); r++)
      for (let c = firstCol[i]!; c <= colOf(z.maxLon); c++) counts[r * nx + c + 1]!++;
  });
  for (let b = 0; b < nx * ny; b++) counts[b + 1]! += counts[b]!;
  const bucketStart = counts.slice();
  const bucketZones = new Int32Array(counts[nx * ny]!);
  zones.forEach((z, i) => {
    for (let r = firstRow[i]!; r <= rowOf(z.maxLat); r++) {
      for (let c = firstCol[i]!; c <= colOf(z.maxLon); c++) bucketZones[counts[r * nx + c]!++] = i;
    }
  });

  return {
    size: zones.length,
    byId,
    near,
    fingerprint,
    candidates(lat, lon, radiusM) {
      const dLat = metresToDegLat(radiusM);
      const dLon = metresToDegLon(radiusM, Math.abs(lat) + dLat);
      const qMinLon = lon - dLon;
      const qMaxLon = lon + dLon;
      const qMinLat = lat - dLat;
      const qMaxLat = lat + dLat;
      if (qMaxLon < minLon || qMinLon > maxLon || qMaxLat < minLat || qMinLat > maxLat) return [];
      const c0 = colOf(qMinLon);
      const c1 = colOf(qMaxLon);
      const r0 = rowOf(qMinLat);
      const r1 = rowOf(qMaxLat);
      if (c1 - c0 > MAX_GRID_SPAN || r1 - r0 > MAX_GRID_SPAN) return searchTree(lat, lon, radiusM);
      const out: CompiledZone[] = [];
      for (let r = r0; r <= r1; r++) {
        for (let c = c0; c <= c1; c++) {
          const b = r * nx + c;
          for (let k = bucketStart[b]!; k < bucketStart[b + 1]!; k++) {
            const i = bucketZones[k]!;
            // A zone spanning several buckets is reported once: from the first bucket both share.
            if (c !== Math.max(firstCol[i]!, c0) || r !== Math.max(firstRow[i]!, r0)) continue;
            const z = zones[i]!;
            if (z.maxLon >= qMinLon && z.minLon <= qMaxLon && z.maxLat >= qMinLat && z.minLat <= qMaxLat)
              out.push(z);
          }
        }
      }
      return out;
    },
  };
}
