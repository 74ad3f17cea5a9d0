/** What every bench/<name>.ts exports as default; bench/run.ts adds the envelope of BENCH.md. */
export interface BenchResult {
  config: Record<string, unknown>;
  figures: Record<string, unknown>;
  ratios?: Record<string, number>;
  notes?: string[];
}

export type BenchModule = { default: (args: Record<string, string>) => Promise<BenchResult> };
