// Small pure helpers shared by the oversight figures: percentiles and supervised time.

export const DAY_MS = 86_400_000;

/**
 * Nearest-rank percentile (q in (0, 1]) of `values`: the smallest value such that at least q of the
 * values are at or below it. Null when there are no values.
 */
export function percentile(values: readonly number[], q: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil(q * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1] ?? null;
}

export interface Interval {
  readonly start: number;
  readonly end: number;
}

/** Total length (ms) of the union of `intervals` clipped to [from, to). Overlaps count once. */
export function coveredMs(intervals: readonly Interval[], from: number, to: number): number {
  const clipped = intervals
    .map((i) => ({ start: Math.max(i.start, from), end: Math.min(i.end, to) }))
    .filter((i) => i.end > i.start)
    .sort((a, b) => a.start - b.start);
  let total = 0;
  let curStart = Number.NaN;
  let curEnd = Number.NaN;
  for (const i of clipped) {
    if (Number.isNaN(curStart) || i.start > curEnd) {
      if (!Number.isNaN(curStart)) total += curEnd - curStart;
      curStart = i.start;
      curEnd = i.end;
    } else if (i.end > curEnd) {
      curEnd = i.end;
    }
  }
  if (!Number.isNaN(curStart)) total += curEnd - curStart;
  return total;
}

/** Rounds to `digits` decimals (figures are reported, not computed further). */
export function round(value: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
