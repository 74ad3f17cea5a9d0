// Keeps the time series' shape over time, per storage mode (ARCHITECTURE.md, storage adapts):
// native partitions created ahead and dropped after retention (postgres), drop_chunks (Apache
// TimescaleDB), or TimescaleDB's own retention policy (community). Also refreshes the hourly summary
// where no continuous aggregate exists: the service's hourly maintenance is the only thing that does.
import type pg from 'pg';
import type { StorageMode } from './storage-mode.js';

const DAY_MS = 86_400_000;
/**
 * How far back each maintenance run recomputes the hourly summary the service keeps: the window the
 * community edition's continuous-aggregate policy refreshes (start_offset, 003-hourly-summary.ts), so
 * every mode's long-range tracks see the same fixes, late store-and-forward ones within it included.
 */
const SUMMARY_REFRESH_MS = 3 * DAY_MS;
/** The refresh's slice (the next slice recomputes whole the hour a boundary cuts: date_trunc). */
const SUMMARY_SLICE_MS = 6 * 3_600_000;
const PARTITIONED = ['fixes', 'device_events'] as const;

export interface RetentionSettings {
  retentionDays: number;
  /** Partitions must exist back to the oldest fix that ingest accepts. */
  maxFixAgeDays: number;
  /** Days of partitions created ahead of now. */
  aheadDays?: number;
}

function dayName(t: number): string {
  return new Date(t).toISOString().slice(0, 10).replace(/-/g, '');
}

/** The time-series maintenance's advisory-lock id (arbitrary, constant; migrate.ts holds another). */
const MAINTENANCE_LOCK_KEY = 7_300_422;

type Queryable = Pick<pg.PoolClient, 'query'>;

export async function maintainTimeSeries(
  pool: pg.Pool,
  mode: StorageMode,
  settings: RetentionSettings,
  now: number,
): Promise<{ created: string[]; dropped: string[] }> {
  const result = await withMaintenanceLock(pool, (client) => maintainLocked(client, mode, settings, now));
  if (mode !== 'timescaledb') {
    // In slices, each under the lock on its own: the embedded pool's one connection goes back to
    // the pipeline between them (3 days of 300 devices took 3.6 s of PGlite in one statement).
    for (let from = now - SUMMARY_REFRESH_MS; from < now; from += SUMMARY_SLICE_MS) {
      const to = Math.min(from + SUMMARY_SLICE_MS, now);
      await withMaintenanceLock(pool, (client) => refreshHourlySummary(client, mode, from, to));
    }
  }
  return result;
}

/**
 * One instance at a time: instances sharing a database (README, scaling out) start and run this
 * together, and two creating the same day's partition failed with 'relation already exists', which
 * stopped an instance's start. `fn` runs on the locking client: the embedded pool has a single
 * connection (embedded-postgres.ts).
 */
async function withMaintenanceLock<T>(pool: pg.Pool, fn: (client: Queryable) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken = false;
  try {
    await client.query('select pg_advisory_lock($1)', [MAINTENANCE_LOCK_KEY]);
    return await fn(client);
  } finally {
    await client.query('select pg_advisory_unlock($1)', [MAINTENANCE_LOCK_KEY]).catch(() => {
      broken = true;
    });
    client.release(broken);
  }
}

async function maintainLocked(
  pool: Queryable,
  mode: StorageMode,
  settings: RetentionSettings,
  now: number,
): Promise<{ created: string[]; dropped: string[] }> {
  const created: string[] = [];
  const dropped: string[] = [];
  if (mode === 'timescaledb') {
    for (const table of PARTITIONED) {
      await pool.query(
        `select add_retention_policy('${table}', interval '${settings.retentionDays} days', if_not_exists => true)`,
      );
    }
    return { created, dropped };
  }
  if (mode === 'timescaledb-apache') {
    for (const table of PARTITIONED) {
      const res = await pool.query<{ chunk: string }>(
        `select drop_chunks('${table}', older_than => now() - interval '${settings.retentionDays} days') as chunk`,
      );
      dropped.push(...res.rows.map((r) => r.chunk));
    }
    await pool.query(
      `delete from device_hourly where hour < now() - interval '${settings.retentionDays} days'`,
    );
    return { created, dropped };
  }
  const today = Math.floor(now / DAY_MS) * DAY_MS;
  const firstDay = today - Math.min(settings.maxFixAgeDays + 1, settings.retentionDays) * DAY_MS;
  const lastDay = today + (settings.aheadDays ?? 3) * DAY_MS;
  for (const table of PARTITIONED) {
    const existing = await pool.query<{ name: string }>(
      `select c.relname as name from pg_inherits i join pg_class c on c.oid = i.inhrelid
       join pg_class p on p.oid = i.inhparent where p.relname = $1`,
      [table],
    );
    const names = new Set(existing.rows.map((r) => r.name));
    for (let day = firstDay; day <= lastDay; day += DAY_MS) {
      const name = `${table}_p${dayName(day)}`;
      if (names.has(name)) continue;
      await pool.query(
        `create table if not exists ${name} partition of ${table}
         for values from ('${new Date(day).toISOString()}') to ('${new Date(day + DAY_MS).toISOString()}')`,
      );
      created.push(name);
    }
    const cutoff = dayName(today - settings.retentionDays * DAY_MS);
    for (const name of names) {
      const m = /_p(\d{8})$/.exec(name);
      if (m?.[1] && m[1] < cutoff) {
        await pool.query(`drop table if exists ${name}`);
        dropped.push(name);
      }
    }
  }
  // The summary holds positions too (an hour's mean): kept no longer than the fixes (Art. 29, 54).
  await pool.query('delete from device_hourly where hour < $1', [
    new Date(today - settings.retentionDays * DAY_MS),
  ]);
  return { created, dropped };
}

/** Recomputes device_hourly for [from, to) where it is a table the service keeps (not a cagg). */
export async function refreshHourlySummary(
  pool: Queryable,
  mode: StorageMode,
  from: number,
  to: number,
): Promise<void> {
  if (mode === 'timescaledb') {
    await pool.query(`call refresh_continuous_aggregate('device_hourly', $1::timestamptz, $2::timestamptz)`, [
      new Date(from),
      new Date(to),
    ]);
    return;
  }
  await pool.query(
    `insert into device_hourly (device_id, hour, fixes, lat, lon, best_acc, first_ts, last_ts, min_batt)
     select device_id, date_trunc('hour', ts), count(*)::int, avg(lat), avg(lon), min(acc), min(ts), max(ts), min(batt)
     from fixes where ts >= date_trunc('hour', $1::timestamptz) and ts < $2
     group by device_id, date_trunc('hour', ts)
     on conflict (device_id, hour) do update set fixes = excluded.fixes, lat = excluded.lat, lon = excluded.lon,
       best_acc = excluded.best_acc, first_ts = excluded.first_ts, last_ts = excluded.last_ts,
       min_batt = excluded.min_batt`,
    [new Date(from), new Date(to)],
  );
}

/** Dead letters are kept for inspection, bounded: the newest `keep` rows stay. */
export async function trimDeadLetters(pool: pg.Pool, keep = 100_000): Promise<number> {
  const res = await pool.query(
    'delete from dead_letters where id < (select max(id) - $1 from dead_letters)',
    [keep],
  );
  return res.rowCount ?? 0;
}
