// Local equirectangular projection: metres east/north of an origin. Its scale error grows with the
// square of the distance from the origin (~0.1% at 100 km at 30°N), which is fine at county scale and
// far below GNSS accuracy; it is linear, so point-in-polygon answers are the same as in degrees.

const EARTH_RADIUS_M = 6_371_008.8;
/** Metres per degree of latitude on the mean sphere. */
export const M_PER_DEG_LAT = (EARTH_RADIUS_M * Math.PI) / 180;

export interface LocalFrame {
  readonly lat0: number;
  readonly lon0: number;
  /** Metres per degree of longitude at lat0. */
  readonly kx: number;
  /** Metres per degree of latitude. */
  readonly ky: number;
}

export function localFrame(lat0: number, lon0: number): LocalFrame {
  return { lat0, lon0, kx: M_PER_DEG_LAT * Math.cos((lat0 * Math.PI) / 180), ky: M_PER_DEG_LAT };
}

/** Ground distance in metres between two nearby WGS-84 points (equirectangular about their mean latitude). */
export function distanceM(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const kx = M_PER_DEG_LAT * Math.cos(((lat1 + lat2) * Math.PI) / 360);
  const dx = (lon2 - lon1) * kx;
  const dy = (lat2 - lat1) * M_PER_DEG_LAT;
  return Math.sqrt(dx * dx + dy * dy);
}

/** Degrees of longitude spanning `metres` at latitude `lat` (for bounding-box queries). */
export function metresToDegLon(metres: number, lat: number): number {
  return metres / (M_PER_DEG_LAT * Math.max(0.01, Math.cos((lat * Math.PI) / 180)));
}

export function metresToDegLat(metres: number): number {
  return metres / M_PER_DEG_LAT;
}
