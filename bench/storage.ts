// `npm run bench -- storage [--fixes N] [--batch N] [--concurrency N] [--devices N] [--seed N]
//                          [--targets embedded,postgres,timescaledb]`
// Writes the same synthetic fixes through writeFixes (the service's batched, idempotent insert) into a
// FRESH database per target, created for the run and dropped afterwards:
//   embedded     PGlite (openEmbeddedPostgres) in a temp dir
//   postgres     a temp database on BENCH_POSTGRES_URL (admin URL)
//   timescaledb  a temp database on BENCH_TIMESCALEDB_URL (admin URL); unreachable => null figures + note
// Each target: migrate(pool, 'auto') and maintainTimeSeries first (untimed), then `concurrency` writers on
// separate pool clients take batches from one queue (timed), then the row count is checked (`lost`) and
// one batch is written again, which must store 0 new rows. Progress goes to stderr.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { createPool } from '../src/storage/database.js';
import { openEmbeddedPostgres } from '../src/storage/embedded-postgres.js';
import { type StoredFix, writeFixes } from '../src/storage/fix-writer.js';
import { migrate } from '../src/storage/migrate.js';
import type { StorageMode } from '../src/storage/storage-mode.js';
import { maintainTimeSeries } from '../src/storage/time-partitions.js';
import type { BenchResult } from './bench-types.js';
import { reachable } from './lib/bench-common.js';

type TargetName = 'embedded' | 'postgres' | 'timescaledb';
const ALL_TARGETS: readonly TargetName[] = ['postgres', 'embedded', 'timescaledb'];

const DAY_MS = 86_400_000;
const CENTER = { lat: 30.12, lon: 104.63 };
const M_PER_DEG_LAT = 111_320;

const started = performance.now();
function log(msg: string): void {
  process.stderr.write(`[storage +${((performance.now() - started) / 1000).toFixed(1)}s] ${msg}\n`);
}

function intArg(args: Record<string, string>, key: string, dflt: number): number {
  const raw = args[key];
  if (raw === undefined) return dflt;
  const n = Number(raw.replace(/_/g, ''));
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${key} must be a positive integer, got ${raw}`);
  return n;
}

/** mulberry32: small, fast, seeded; the same seed gives the same fixes on every machine. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function gaussian(rand: () => number): number {
  const u = 1 - rand();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
}

/**
 * `total` fixes from `devices` devices over the 24 h before `now`, in arrival order (time slot by
 * time slot, every device once per slot). Each device reports once per slot at its own phase, so
 * (device_id, ts) is unique. Devices live within ~15 km of 30.12 N 104.63 E and random-walk around home.
 */
function generateFixes(total: number, devices: number, now: number, seed: number): StoredFix[] {
  const rand = prng(seed);
  const slots = Math.ceil(total / devices);
  const slotMs = Math.floor(DAY_MS / slots);
  const start = now - DAY_MS;
  const mPerDegLon = M_PER_DEG_LAT * Math.cos((CENTER.lat * Math.PI) / 180);
  const dev = Array.from({ length: devices }, (_, i) => ({
    id: `bench-dev-${String(i).padStart(6, '0')}`,
    person: `bench-p-${String(i).padStart(6, '0')}`,
    phase: Math.floor(rand() * slotMs),
    homeLat: CENTER.lat + (gaussian(rand) * 7_000) / M_PER_DEG_LAT,
    homeLon: CENTER.lon + (gaussian(rand) * 7_000) / mPerDegLon,
    dx: 0,
    dy: 0,
    batt: 60 + rand() * 40,
    ankle: rand() < 0.8,
  }));
  const fixes: StoredFix[] = new Array(total);
  let k = 0;
  for (let slot = 0; slot < slots && k < total; slot++) {
    for (let i = 0; i < devices && k < total; i++) {
      const d = dev[i]!;
      // Random walk, pulled back towards home so devices stay in town.
      d.dx = d.dx * 0.95 + gaussian(rand) * 60;
      d.dy = d.dy * 0.95 + gaussian(rand) * 60;
      d.batt = Math.max(5, d.batt - rand() * 0.6);
      const r = rand();
      const source = r < 0.85 ? 'gnss' : r < 0.97 ? 'wifi' : 'cell';
      const accuracyM =
        source === 'gnss' ? 3 + rand() * 12 : source === 'wifi' ? 20 + rand() * 40 : 300 + rand() * 900;
      const ts = start + slot * slotMs + d.phase;
      const moving = rand() < 0.3;
      fixes[k++] = {
        deviceId: d.id,
        seq: slot + 1,
        ts,
        receivedAt: ts + 200 + Math.floor(rand() * 3_000),
        lat: d.homeLat + d.dy / M_PER_DEG_LAT,
        lon: d.homeLon + d.dx / mPerDegLon,
        accuracyM: Math.round(accuracyM * 10) / 10,
        source,
        speedMps: source === 'gnss' ? (moving ? Math.round(rand() * 150) / 10 : 0) : undefined,
        headingDeg: source === 'gnss' && moving ? Math.floor(rand() * 360) : undefined,
        altitudeM: source === 'gnss' ? Math.round(450 + gaussian(rand) * 15) : undefined,
        batteryPct: Math.round(d.batt),
        protocol: d.ankle ? 'native' : 'owntracks',
        superviseeId: d.person,
        late: false,
      };
    }
  }
  return fixes;
}

interface FreshDatabase {
  pool: pg.Pool;
  describe: string;
  drop(): Promise<void>;
}

async function freshServerDatabase(
  target: TargetName,
  adminUrl: string,
  poolSize: number,
): Promise<FreshDatabase> {
  const dbName = `em_bench_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`create database ${dbName}`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${dbName}`;
  const pool = createPool(url.toString(), poolSize);
  return {
    pool,
    describe: `${target} ${url.hostname}:${url.port || '5432'}/${dbName}`,
    async drop() {
      await pool.end().catch(() => {});
      const a = new pg.Client({ connectionString: adminUrl });
      await a.connect();
      try {
        await a.query(`drop database if exists ${dbName} with (force)`);
      } finally {
        await a.end();
      }
    },
  };
}

async function freshEmbeddedDatabase(poolSize: number): Promise<FreshDatabase> {
  const dir = mkdtempSync(join(tmpdir(), 'em-bench-pglite-'));
  try {
    const db = await openEmbeddedPostgres(dir, poolSize);
    return {
      pool: db.pool,
      describe: db.describe,
      async drop() {
        await db.close().catch(() => {});
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

interface TargetResult {
  mode: StorageMode;
  written: number;
  seconds: number;
  rowCount: number;
  rewriteNew: number;
  tableBytes: number;
}

async function tableBytes(pool: pg.Pool, mode: StorageMode): Promise<number> {
  if (mode !== 'postgres') {
    const r = await pool.query<{ bytes: number }>(`select hypertable_size('fixes')::bigint as bytes`);
    return r.rows[0]?.bytes ?? 0;
  }
  // A partitioned parent has no storage of its own: sum heap + indexes + toast over its partitions.
  const r = await pool.query<{ bytes: number }>(
    `select coalesce(sum(pg_total_relation_size(relid)), 0)::bigint as bytes from pg_partition_tree('fixes')`,
  );
  return r.rows[0]?.bytes ?? 0;
}

async function runTarget(
  target: TargetName,
  db: FreshDatabase,
  batches: readonly StoredFix[][],
  concurrency: number,
  now: number,
): Promise<TargetResult> {
  const s0 = performance.now();
  const { mode } = await migrate(db.pool, 'auto');
  const { created } = await maintainTimeSeries(db.pool, mode, { retentionDays: 180, maxFixAgeDays: 30 }, now);
  const total = batches.reduce((s, b) => s + b.length, 0);
  log(
    `${target}: ${db.describe}, storage mode ${mode}, migrated and ${created.length} partitions created in ` +
      `${((performance.now() - s0) / 1000).toFixed(1)} s (untimed); writing ${total} fixes with ${concurrency} writers`,
  );

  const clients = await Promise.all(Array.from({ length: concurrency }, () => db.pool.connect()));
  let next = 0;
  let done = 0;
  let written = 0;
  const t0 = performance.now();
  const progress = setInterval(() => {
    const s = (performance.now() - t0) / 1000;
    log(
      `${target}: ${done}/${total} (${((100 * done) / total).toFixed(1)}%) in ${s.toFixed(0)} s, ` +
        `${Math.round(done / s)} rows/s`,
    );
  }, 5_000);
  try {
    await Promise.all(
      clients.map(async (client) => {
        for (let i = next++; i < batches.length; i = next++) {
          const batch = batches[i]!;
          // Not `written += await ...`: that reads `written` before awaiting and loses other writers' adds.
          const stored = await writeFixes(client, batch);
          written += stored;
          done += batch.length;
        }
      }),
    );
  } finally {
    clearInterval(progress);
    for (const c of clients) c.release();
  }
  const seconds = (performance.now() - t0) / 1000;
  log(
    `${target}: wrote ${written} new rows in ${seconds.toFixed(1)} s (${Math.round(written / seconds)} rows/s)`,
  );

  const count = await db.pool.query<{ n: number }>('select count(*)::bigint as n from fixes');
  const rowCount = count.rows[0]?.n ?? 0;
  const rewriteNew = batches[0] ? await writeFixes(db.pool, batches[0]) : 0;
  const bytes = await tableBytes(db.pool, mode);
  log(
    `${target}: ${rowCount} rows in fixes, ${bytes} bytes; re-writing one batch stored ${rewriteNew} new rows`,
  );
  return { mode, written, seconds, rowCount, rewriteNew, tableBytes: bytes };
}

export default async function storage(args: Record<string, string>): Promise<BenchResult> {
  const fixes = intArg(args, 'fixes', 1_000_000);
  const batch = intArg(args, 'batch', 1000);
  const concurrency = intArg(args, 'concurrency', 4);
  const devices = Math.min(intArg(args, 'devices', 10_000), fixes);
  const seed = intArg(args, 'seed', 42);
  const targets = (args.targets ?? ALL_TARGETS.join(','))
    .split(',')
    .map((t) => t.trim())
    .filter((t): t is TargetName => {
      if ((ALL_TARGETS as readonly string[]).includes(t)) return true;
      throw new Error(`--targets: unknown target ${t} (known: ${ALL_TARGETS.join(', ')})`);
    });
  const urls: Record<Exclude<TargetName, 'embedded'>, string> = {
    postgres: process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    timescaledb: process.env.BENCH_TIMESCALEDB_URL ?? 'postgres://postgres@127.0.0.1:5433/postgres',
  };

  const now = Date.now();
  const g0 = performance.now();
  const all = generateFixes(fixes, devices, now, seed);
  const batches: StoredFix[][] = [];
  for (let i = 0; i < all.length; i += batch) batches.push(all.slice(i, i + batch));
  log(
    `generated ${all.length} fixes (${devices} devices × ${Math.ceil(fixes / devices)} over the last 24 h) ` +
      `in ${((performance.now() - g0) / 1000).toFixed(1)} s; ${batches.length} batches of ${batch}`,
  );

  const figures: Record<string, unknown> = {};
  const notes: string[] = [];
  const rate: Partial<Record<TargetName, number>> = {};
  const poolSize = concurrency + 1;
  for (const target of ALL_TARGETS) {
    const nulls = () => {
      figures[`rows_per_s_${target}`] = null;
      figures[`rows_written_${target}`] = null;
      figures[`seconds_${target}`] = null;
      figures[`storage_mode_${target}`] = null;
      figures[`table_bytes_${target}`] = null;
    };
    if (!targets.includes(target)) {
      nulls();
      notes.push(`${target}: not run (--targets ${targets.join(',')})`);
      continue;
    }
    if (target !== 'embedded') {
      const why = await reachable(urls[target]);
      if (why) {
        nulls();
        const env = `BENCH_${target.toUpperCase()}_URL`;
        notes.push(`${target}: not measured, nothing answers at ${urls[target]} (${env}): ${why}`);
        log(`${target}: skipped, unreachable at ${urls[target]}: ${why}`);
        continue;
      }
    }
    let db: FreshDatabase | undefined;
    try {
      db =
        target === 'embedded'
          ? await freshEmbeddedDatabase(poolSize)
          : await freshServerDatabase(target, urls[target], poolSize);
      // The embedded database is served through one connection (src/storage/embedded-postgres.ts).
      const writers = target === 'embedded' ? 1 : concurrency;
      if (writers !== concurrency) figures.writers_embedded = writers;
      const r = await runTarget(target, db, batches, writers, now);
      rate[target] = r.written / r.seconds;
      figures[`rows_per_s_${target}`] = Math.round(r.written / r.seconds);
      figures[`rows_written_${target}`] = r.written;
      figures[`seconds_${target}`] = Math.round(r.seconds * 100) / 100;
      figures[`storage_mode_${target}`] = r.mode;
      figures[`table_bytes_${target}`] = r.tableBytes;
      figures[`lost_${target}`] = all.length - r.rowCount;
      figures[`rewrite_new_rows_${target}`] = r.rewriteNew;
      if (r.rowCount !== all.length)
        notes.push(`${target}: ${r.rowCount} rows stored of ${all.length} written`);
      if (r.rewriteNew !== 0) notes.push(`${target}: re-writing a batch stored ${r.rewriteNew} new rows`);
      if (target === 'timescaledb' && r.mode === 'postgres') {
        notes.push(
          'timescaledb: the server has no timescaledb extension; measured as plain postgres partitions',
        );
      }
    } catch (err) {
      nulls();
      notes.push(`${target}: failed: ${(err as Error).message}`);
      log(`${target}: failed: ${(err as Error).stack ?? err}`);
    } finally {
      await db?.drop().catch((err) => log(`${target}: dropping the bench database failed: ${err}`));
      if (db) log(`${target}: bench database dropped`);
    }
  }
  figures.lost = Object.entries(figures)
    .filter(([k, v]) => k.startsWith('lost_') && typeof v === 'number')
    .reduce((s, [, v]) => s + (v as number), 0);

  const ratios: Record<string, number> = {};
  const ratio = (a: number | undefined, b: number | undefined) =>
    a !== undefined && b !== undefined && b > 0 ? Math.round((a / b) * 100) / 100 : undefined;
  const pe = ratio(rate.postgres, rate.embedded);
  const tp = ratio(rate.timescaledb, rate.postgres);
  if (pe !== undefined) ratios.postgres_vs_embedded = pe;
  if (tp !== undefined) ratios.timescaledb_vs_postgres = tp;

  return {
    config: { fixes, batch, concurrency, devices, fixes_per_device: Math.ceil(fixes / devices), seed },
    figures,
    ratios,
    notes,
  };
}
