// Small pieces every benchmark needs: prefixed progress on stderr, numeric options, database
// reachability and admin statements, cleanup that runs newest-first on success, failure or a signal,
// and stopping a service process gracefully (SIGKILL after a timeout).
import pg from 'pg';
import type { ServiceProcess } from '../../test/support/service-process.js';

export type BenchLog = (msg: string) => void;

export function benchLog(name: string): BenchLog {
  const started = performance.now();
  return (msg) =>
    process.stderr.write(`[${name} +${((performance.now() - started) / 1000).toFixed(1)}s] ${msg}\n`);
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A positive number option (`--key 1_000`), or `dflt` when absent. */
export function numArg(args: Record<string, string>, key: string, dflt: number, integer = true): number {
  const raw = args[key];
  if (raw === undefined) return dflt;
  const n = Number(raw.replace(/_/g, ''));
  if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) {
    throw new Error(`--${key} must be a positive ${integer ? 'integer' : 'number'}, got ${raw}`);
  }
  return n;
}

/** null when a PostgreSQL server answers at `url`, else why not. */
export async function reachable(url: string): Promise<string | null> {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await c.connect();
    await c.end();
    return null;
  } catch (err) {
    await c.end().catch(() => {});
    return (err as Error).message || String(err);
  }
}

/**
 * The server a bench measures against: TimescaleDB (BENCH_TIMESCALEDB_URL, :5433) when it answers,
 * else PostgreSQL (BENCH_POSTGRES_URL, :5432) with a note saying so; neither is an error.
 */
export async function benchDatabaseServer(
  log: BenchLog,
  notes: string[],
): Promise<{ adminUrl: string; target: 'timescaledb' | 'postgres' }> {
  const tsdb = process.env.BENCH_TIMESCALEDB_URL ?? 'postgres://postgres@127.0.0.1:5433/postgres';
  const why = await reachable(tsdb);
  if (!why) return { adminUrl: tsdb, target: 'timescaledb' };
  const fallback = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  notes.push(`TimescaleDB unreachable at ${tsdb} (${why}); measured on PostgreSQL at ${fallback}`);
  log(`TimescaleDB unreachable at ${tsdb}: ${why}; falling back to ${fallback}`);
  const why2 = await reachable(fallback);
  if (why2) throw new Error(`no database server: ${fallback}: ${why2}`);
  return { adminUrl: fallback, target: 'postgres' };
}

export async function adminQuery(adminUrl: string, sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: adminUrl });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

/** Cleanup steps, run newest first; `run()` empties the list, so it can be filled and run again. */
export class Cleanup {
  private readonly steps: Array<[string, () => Promise<unknown>]> = [];
  private running: Promise<void> = Promise.resolve();
  constructor(private readonly log: BenchLog) {}
  add(name: string, step: () => Promise<unknown>): void {
    this.steps.push([name, step]);
  }
  run(): Promise<void> {
    this.running = this.running.then(async () => {
      for (let s = this.steps.pop(); s; s = this.steps.pop()) {
        const [name, step] = s;
        await step().catch((err) => this.log(`cleanup: ${name} failed: ${(err as Error).message ?? err}`));
      }
    });
    return this.running;
  }
}

/** SIGTERM, then SIGKILL after `timeoutMs`; resolves with the exit code. */
export async function stopProcess(proc: ServiceProcess, timeoutMs = 20_000): Promise<number | null> {
  const child = proc.child;
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  child.kill('SIGTERM');
  const code = await Promise.race([exited, sleep(timeoutMs).then(() => 'timeout' as const)]);
  if (code === 'timeout') {
    child.kill('SIGKILL');
    return exited;
  }
  return code;
}
