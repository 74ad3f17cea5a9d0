/** What every bench/<name>.ts exports as default; bench/run.ts adds the envelope of BENCH.md. */
export interface BenchResult {
  config: Record<string, unknown>;
  figures: Record<string, unknown>;
  ratios?: Record<string, number>;
  notes?: string[];
  /** Measurements over time (the soak): rows of the same shape, in order. */
  series?: ReadonlyArray<Record<string, unknown>>;
}

export type BenchModule = { default: (args: Record<string, string>) => Promise<BenchResult> };
