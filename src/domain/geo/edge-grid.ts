// Uniform grid over a large polygon's bounding box (county boundaries have 500–2,000 vertices).
// Each cell lists the edges whose bounding box overlaps it; cells without edges are wholly inside or
// wholly outside, decided once at compile time. A query then touches only the few cells within the
// distance that still matters for confidence, so its cost does not grow with the vertex count.
import { bruteSignedDistance, rayCrossingX, segmentDistance2 } from './edges.js';

export interface EdgeGrid {
  readonly minX: number;
  readonly minY: number;
  readonly maxX: number;
  readonly maxY: number;
  readonly nx: number;
  readonly ny: number;
  readonly cellW: number;
  readonly cellH: number;
  /** CSR layout: edges of cell c are cellEdges[cellStart[c] .. cellStart[c + 1]), as offsets into `edges`. */
  readonly cellStart: Int32Array;
  readonly cellEdges: Int32Array;
  /**
   * Per cell, side and clearance in one number (one memory access per query): 0 for a cell with
   * edges; for an edge-free cell ±(1 + a lower bound on the distance from any of its points to the
   * boundary), negative inside, positive outside.
   */
  readonly cellCode: Float32Array;
}

function col(g: EdgeGrid, x: number): number {
  return cellOf(x, g.minX, g.cellW, g.nx);
}

function row(g: EdgeGrid, y: number): number {
  return cellOf(y, g.minY, g.cellH, g.ny);
}

/** The column (row) of coordinate v on a grid axis starting at `min` with n cells of `size`, clamped. */
function cellOf(v: number, min: number, size: number, n: number): number {
  const c = Math.floor((v - min) / size);
  return c < 0 ? 0 : c >= n ? n - 1 : c;
}

export function buildEdgeGrid(edges: Float64Array): EdgeGrid {
  let minX = Number.POSITIVE_INFINITY;
  let minY = Number.POSITIVE_INFINITY;
  let maxX = Number.NEGATIVE_INFINITY;
  let maxY = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < edges.length; i += 2) {
    minX = Math.min(minX, edges[i]!);
    maxX = Math.max(maxX, edges[i]!);
    minY = Math.min(minY, edges[i + 1]!);
    maxY = Math.max(maxY, edges[i + 1]!);
  }
  const edgeCount = edges.length / 4;
  // About 2 cells per edge along each axis keeps boundary cells to a handful of edges each.
  const side = Math.max(8, Math.min(256, Math.ceil(2 * Math.sqrt(edgeCount))));
  const w = Math.max(maxX - minX, 1e-6);
  const h = Math.max(maxY - minY, 1e-6);
  const nx = w >= h ? side : Math.max(4, Math.ceil((side * w) / h));
  const ny = h >= w ? side : Math.max(4, Math.ceil((side * h) / w));
  const cellW = w / nx;
  const cellH = h / ny;

  const counts = new Int32Array(nx * ny + 1);
  const forEachCell = (i: number, visit: (cell: number) => void): void => {
    const c0 = cellOf(Math.min(edges[i]!, edges[i + 2]!), minX, cellW, nx);
    const c1 = cellOf(Math.max(edges[i]!, edges[i + 2]!), minX, cellW, nx);
    const r0 = cellOf(Math.min(edges[i + 1]!, edges[i + 3]!), minY, cellH, ny);
    const r1 = cellOf(Math.max(edges[i + 1]!, edges[i + 3]!), minY, cellH, ny);
    for (let r = r0; r <= r1; r++) for (let c = c0; c <= c1; c++) visit(r * nx + c);
  };
  for (let i = 0; i < edges.length; i += 4) forEachCell(i, (cell) => counts[cell + 1]!++);
  const cellStart = new Int32Array(nx * ny + 1);
  for (let c = 0; c < nx * ny; c++) cellStart[c + 1] = cellStart[c]! + counts[c + 1]!;
  const fill = cellStart.slice(0, nx * ny);
  const cellEdges = new Int32Array(cellStart[nx * ny]!);
  for (let i = 0; i < edges.length; i += 4) forEachCell(i, (cell) => (cellEdges[fill[cell]!++] = i));

  const cellCode = new Float32Array(nx * ny);
  const halfDiagonal = Math.hypot(cellW, cellH) / 2;
  for (let r = 0; r < ny; r++) {
    for (let c = 0; c < nx; c++) {
      const cell = r * nx + c;
      if (cellStart[cell + 1]! > cellStart[cell]!) continue;
      const cx = minX + (c + 0.5) * cellW;
      const cy = minY + (r + 0.5) * cellH;
      const d = bruteSignedDistance(edges, cx, cy);
      // Lowered by more than float32 rounding (relative 6e-8) so it stays a lower bound once stored.
      const clear = Math.max(0, Math.abs(d) - halfDiagonal - 1e-3 * Math.abs(d) - 0.01);
      cellCode[cell] = d < 0 ? -(1 + clear) : 1 + clear;
    }
  }
  // One literal with every field, so every grid has one hidden class: built by spreading a partial
  // object, grids got classes of their own and the reads in gridSignedDistance went megamorphic
  // (issue 4: rules bench, a traveller's county test).
  return { minX, minY, maxX, maxY, nx, ny, cellW, cellH, cellStart, cellEdges, cellCode };
}

/** Even-odd test using only the edges of the point's grid row to its right. */
function insideByGrid(g: EdgeGrid, edges: Float64Array, px: number, py: number): boolean {
  const r = row(g, py);
  const c0 = col(g, px);
  const code = g.cellCode[r * g.nx + c0]!;
  if (code !== 0) return code < 0;
  let inside = false;
  for (let c = c0; c < g.nx; c++) {
    const cell = r * g.nx + c;
    for (let k = g.cellStart[cell]!; k < g.cellStart[cell + 1]!; k++) {
      const x = rayCrossingX(edges, g.cellEdges[k]!, px, py);
      // An edge is listed in every cell it overlaps; count its crossing only in the cell that holds it.
      if (!Number.isNaN(x) && col(g, x) === c) inside = !inside;
    }
  }
  return inside;
}

/**
 * Signed distance (negative inside) that is exact when |d| < needM; otherwise it has the right sign
 * and a magnitude of at least needM (every edge nearer than needM lies in a scanned cell).
 */
export function gridSignedDistance(
  g: EdgeGrid,
  edges: Float64Array,
  px: number,
  py: number,
  needM: number,
): number {
  const off = px < g.minX || px > g.maxX || py < g.minY || py > g.maxY;
  if (off) {
    const dx = Math.max(g.minX - px, 0, px - g.maxX);
    const dy = Math.max(g.minY - py, 0, py - g.maxY);
    const boxDist = Math.sqrt(dx * dx + dy * dy);
    if (boxDist >= needM) return boxDist;
  }
  // Off the grid the search starts from the cell of the nearest point of the grid's box: every point
  // of the box is at least as far from the point as from that one (projection onto a convex set does
  // not lengthen distances), so the rings' floors hold, and no edge is tested beyond needM.
  const c0 = col(g, px);
  const r0 = row(g, py);
  const code = off ? 1 : g.cellCode[r0 * g.nx + c0]!;
  // Far from the boundary (the common case for a county): answered from the cell alone.
  const clear = off || code === 0 ? 0 : Math.abs(code) - 1;
  if (code !== 0 && clear >= needM) return code < 0 ? -clear : clear;
  const inside = off ? false : code === 0 ? insideByGrid(g, edges, px, py) : code < 0;
  // Otherwise search rings of cells outwards until no nearer edge can exist or needM is reached.
  const step = Math.min(g.cellW, g.cellH);
  let best = Number.POSITIVE_INFINITY;
  const maxRing = Math.max(c0, g.nx - 1 - c0, r0, g.ny - 1 - r0);
  for (let k = 0; k <= maxRing; k++) {
    const ringFloor = Math.max(0, k - 1) * step;
    if (ringFloor * ringFloor >= best || ringFloor >= needM) break;
    for (let r = r0 - k; r <= r0 + k; r++) {
      if (r < 0 || r >= g.ny) continue;
      const edgeRow = r === r0 - k || r === r0 + k;
      for (let c = c0 - k; c <= c0 + k; c += edgeRow || k === 0 ? 1 : 2 * k) {
        if (c < 0 || c >= g.nx) continue;
        const at = r * g.nx + c;
        for (let e = g.cellStart[at]!; e < g.cellStart[at + 1]!; e++) {
          const d2 = segmentDistance2(edges, g.cellEdges[e]!, px, py);
          if (d2 < best) best = d2;
        }
      }
    }
  }
  const d = Math.min(Math.sqrt(best), Math.max(needM, clear));
  return inside ? -d : d;
}
