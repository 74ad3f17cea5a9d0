// Zone geometry compiled once for fast evaluation: bounding box in degrees (for rejection and the
// shared-zone index), a local frame at the box centre, and edges in projected metres.
import type { ZoneKind } from '../../../schemas/enums.js';
import { buildEdgeGrid, type EdgeGrid, gridSignedDistance } from './edge-grid.js';
import { bruteSignedDistance } from './edges.js';
import { fingerprintNumbers } from './fingerprint.js';
import { localFrame, metresToDegLat, metresToDegLon } from './projection.js';

/** [lon, lat] as in GeoJSON (RFC 7946 §3.1.1). */
export type Position = readonly [number, number] | readonly number[];

export type ZoneGeometry =
  | { readonly type: 'Circle'; readonly center: Position; readonly radiusM: number }
  | { readonly type: 'Polygon'; readonly coordinates: readonly (readonly Position[])[] }
  | { readonly type: 'MultiPolygon'; readonly coordinates: readonly (readonly (readonly Position[])[])[] };

export interface CompiledZone {
  readonly id: string;
  readonly kind: ZoneKind;
  readonly minLat: number;
  readonly minLon: number;
  readonly maxLat: number;
  readonly maxLon: number;
  /**
   * The local frame (projection.ts), its four numbers held on the zone itself: evaluation reads them
   * for every fix, and one object fewer to reach per zone is one cache miss fewer (issue 4 bench).
   */
  readonly lat0: number;
  readonly lon0: number;
  /** Metres per degree of longitude at lat0. */
  readonly kx: number;
  /** Metres per degree of latitude. */
  readonly ky: number;
  /** Circle radius in metres (centre = frame origin); NaN for polygons. */
  readonly radiusM: number;
  /** Polygon edges [ax, ay, bx, by] in metres in `frame`; empty for circles. */
  readonly edges: Float64Array;
  /** Present for polygons with many edges (jurisdictions). */
  readonly grid: EdgeGrid | null;
  /** The geometry's content, in one number (fingerprint.ts): equal for equal geometry on any instance. */
  readonly fingerprint: number;
}

/** Polygons with more edges than this get an edge grid; below it a linear scan is faster. */
const GRID_MIN_EDGES = 48;

// Both branches build the same object shape (same keys, same order) so evaluation code stays monomorphic.
export function compileZone(id: string, kind: ZoneKind, geometry: ZoneGeometry): CompiledZone {
  if (geometry.type === 'Circle') {
    const [lon, lat] = geometry.center as [number, number];
    const dLat = metresToDegLat(geometry.radiusM);
    const dLon = metresToDegLon(geometry.radiusM, lat);
    const circleFrame = localFrame(lat, lon);
    return {
      id,
      kind,
      minLat: lat - dLat,
      minLon: lon - dLon,
      maxLat: lat + dLat,
      maxLon: lon + dLon,
      lat0: lat,
      lon0: lon,
      kx: circleFrame.kx,
      ky: circleFrame.ky,
      radiusM: geometry.radiusM,
      edges: new Float64Array(0),
      grid: null,
      fingerprint: fingerprintNumbers([lat, lon, geometry.radiusM]),
    };
  }
  const rings = geometry.type === 'Polygon' ? geometry.coordinates : geometry.coordinates.flat();
  let minLat = Number.POSITIVE_INFINITY;
  let minLon = Number.POSITIVE_INFINITY;
  let maxLat = Number.NEGATIVE_INFINITY;
  let maxLon = Number.NEGATIVE_INFINITY;
  let edgeCount = 0;
  for (const ring of rings) {
    if (ring.length < 4)
      throw new Error(`zone ${id}: a linear ring needs at least 4 positions (RFC 7946 §3.1.6)`);
    edgeCount += ring.length - 1;
    for (const p of ring) {
      minLon = Math.min(minLon, p[0]!);
      maxLon = Math.max(maxLon, p[0]!);
      minLat = Math.min(minLat, p[1]!);
      maxLat = Math.max(maxLat, p[1]!);
    }
  }
  const frame = localFrame((minLat + maxLat) / 2, (minLon + maxLon) / 2);
  const edges = new Float64Array(edgeCount * 4);
  let k = 0;
  for (const ring of rings) {
    // The closing position repeats the first (RFC 7946 §3.1.6), so ring.length - 1 edges.
    for (let i = 0; i + 1 < ring.length; i++) {
      const a = ring[i]!;
      const b = ring[i + 1]!;
      edges[k++] = (a[0]! - frame.lon0) * frame.kx;
      edges[k++] = (a[1]! - frame.lat0) * frame.ky;
      edges[k++] = (b[0]! - frame.lon0) * frame.kx;
      edges[k++] = (b[1]! - frame.lat0) * frame.ky;
    }
  }
  const grid = edgeCount >= GRID_MIN_EDGES ? buildEdgeGrid(edges) : null;
  return {
    id,
    kind,
    minLat,
    minLon,
    maxLat,
    maxLon,
    lat0: frame.lat0,
    lon0: frame.lon0,
    kx: frame.kx,
    ky: frame.ky,
    radiusM: Number.NaN,
    edges,
    grid,
    fingerprint: fingerprintNumbers(edges, fingerprintNumbers([frame.lat0, frame.lon0])),
  };
}

/**
 * Signed distance in metres from the point to the zone boundary, negative inside. Exact when
 * |d| < needM; beyond that only a lower bound with the right sign, which is all confidence needs
 * (pass Infinity for an exact answer).
 */
export function signedDistanceM(zone: CompiledZone, lat: number, lon: number, needM: number): number {
  const kx = zone.kx;
  const ky = zone.ky;
  const px = (lon - zone.lon0) * kx;
  const py = (lat - zone.lat0) * ky;
  // A circle (radiusM is NaN for polygons).
  if (!Number.isNaN(zone.radiusM)) return Math.sqrt(px * px + py * py) - zone.radiusM;
  // Bounding-box rejection first: most zones are far from most fixes.
  const boxDistLat = Math.max(zone.minLat - lat, 0, lat - zone.maxLat) * ky;
  const boxDistLon = Math.max(zone.minLon - lon, 0, lon - zone.maxLon) * kx;
  const boxDist = Math.max(boxDistLat, boxDistLon);
  if (boxDist >= needM) return boxDist;
  if (zone.grid !== null) return gridSignedDistance(zone.grid, zone.edges, px, py, needM);
  return bruteSignedDistance(zone.edges, px, py);
}
