// Flat-earth geometry around one city: good to centimetres over tens of kilometres, which is all a
// simulator needs. GeoJSON order is [lon, lat] (RFC 7946 §3.1.1).

export interface LatLon {
  readonly lat: number;
  readonly lon: number;
}

const M_PER_DEG_LAT = 111_320;

export function mPerDegLon(lat: number): number {
  return M_PER_DEG_LAT * Math.cos((lat * Math.PI) / 180);
}

/** The point `east` and `north` metres from `p`. */
export function offset(p: LatLon, east: number, north: number): LatLon {
  return { lat: p.lat + north / M_PER_DEG_LAT, lon: p.lon + east / mPerDegLon(p.lat) };
}

/** East and north metres from `a` to `b`. */
export function delta(a: LatLon, b: LatLon): { east: number; north: number } {
  return { east: (b.lon - a.lon) * mPerDegLon(a.lat), north: (b.lat - a.lat) * M_PER_DEG_LAT };
}

export function distanceM(a: LatLon, b: LatLon): number {
  const d = delta(a, b);
  return Math.hypot(d.east, d.north);
}

/** The point `bearingDeg` (clockwise from north) and `m` metres from `p`. */
export function destination(p: LatLon, bearingDeg: number, m: number): LatLon {
  const r = (bearingDeg * Math.PI) / 180;
  return offset(p, m * Math.sin(r), m * Math.cos(r));
}

export function lerp(a: LatLon, b: LatLon, f: number): LatLon {
  return { lat: a.lat + (b.lat - a.lat) * f, lon: a.lon + (b.lon - a.lon) * f };
}

export type Ring = readonly (readonly [number, number])[];

export interface PolygonGeometry {
  readonly type: 'Polygon';
  readonly coordinates: readonly Ring[];
}

export interface CircleGeometry {
  readonly type: 'Circle';
  /** [lon, lat] as in GeoJSON. */
  readonly center: readonly [number, number];
  readonly radiusM: number;
}

export type ZoneShape = PolygonGeometry | CircleGeometry;

/** A closed ring through `points`. */
export function polygonOf(points: readonly LatLon[]): PolygonGeometry {
  const ring = points.map((p) => [p.lon, p.lat] as const);
  return { type: 'Polygon', coordinates: [[...ring, ring[0]!]] };
}

export function squareAround(c: LatLon, halfM: number): PolygonGeometry {
  return polygonOf([
    offset(c, -halfM, -halfM),
    offset(c, halfM, -halfM),
    offset(c, halfM, halfM),
    offset(c, -halfM, halfM),
  ]);
}

export function circleAround(c: LatLon, radiusM: number): CircleGeometry {
  return { type: 'Circle', center: [c.lon, c.lat], radiusM };
}

/** Even-odd rule on the outer ring (simulated zones have no holes). */
export function insidePolygon(g: PolygonGeometry, p: LatLon): boolean {
  const ring = g.coordinates[0]!;
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i]!;
    const [xj, yj] = ring[j]!;
    if (yi > p.lat !== yj > p.lat && p.lon < ((xj - xi) * (p.lat - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

export function insideShape(g: ZoneShape, p: LatLon): boolean {
  if (g.type === 'Polygon') return insidePolygon(g, p);
  return distanceM({ lon: g.center[0], lat: g.center[1] }, p) <= g.radiusM;
}

/** Shortest distance from `p` to segment a–b, metres. */
export function distanceToSegmentM(p: LatLon, a: LatLon, b: LatLon): number {
  const ab = delta(a, b);
  const ap = delta(a, p);
  const len2 = ab.east * ab.east + ab.north * ab.north;
  const f = len2 === 0 ? 0 : Math.max(0, Math.min(1, (ap.east * ab.east + ap.north * ab.north) / len2));
  return Math.hypot(ap.east - f * ab.east, ap.north - f * ab.north);
}
