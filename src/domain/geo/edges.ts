// Polygon edges in projected metres, stored flat as [ax, ay, bx, by] per edge, and the exact
// brute-force signed distance used for small polygons and as the reference for the edge grid.

/** Squared distance from (px, py) to the segment starting at edges[i]. */
export function segmentDistance2(e: Float64Array, i: number, px: number, py: number): number {
  const ax = e[i]!;
  const ay = e[i + 1]!;
  const dx = e[i + 2]! - ax;
  const dy = e[i + 3]! - ay;
  const len2 = dx * dx + dy * dy;
  let t = len2 > 0 ? ((px - ax) * dx + (py - ay) * dy) / len2 : 0;
  if (t < 0) t = 0;
  else if (t > 1) t = 1;
  const qx = ax + t * dx - px;
  const qy = ay + t * dy - py;
  return qx * qx + qy * qy;
}

/**
 * Whether the edge at edges[i] crosses the horizontal ray from (px, py) towards +x, and where.
 * Returns the crossing x, or NaN. Half-open in y (the classic even-odd rule), so a ray through a
 * vertex counts once, and holes and multipolygon parts need no special case.
 */
export function rayCrossingX(e: Float64Array, i: number, px: number, py: number): number {
  const ay = e[i + 1]!;
  const by = e[i + 3]!;
  if (ay > py === by > py) return Number.NaN;
  const ax = e[i]!;
  const x = ax + ((e[i + 2]! - ax) * (py - ay)) / (by - ay);
  return x > px ? x : Number.NaN;
}

/** Exact signed distance (negative inside) over all edges: O(edges). */
export function bruteSignedDistance(e: Float64Array, px: number, py: number): number {
  let inside = false;
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < e.length; i += 4) {
    if (!Number.isNaN(rayCrossingX(e, i, px, py))) inside = !inside;
    const d2 = segmentDistance2(e, i, px, py);
    if (d2 < best) best = d2;
  }
  const d = Math.sqrt(best);
  return inside ? -d : d;
}
