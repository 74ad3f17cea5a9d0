// One storage contract, run against every database target (STYLE.md: one suite for every adapter pair).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Directory } from '../../src/directory/directory.js';
import { directoryRevision, loadDirectory } from '../../src/directory/load-directory.js';
import { createPool, type Database } from '../../src/storage/database.js';
import { type StoredFix, writeDeviceEvents, writeFixes } from '../../src/storage/fix-writer.js';
import { migrate } from '../../src/storage/migrate.js';
import { DIRECTORY_TABLES } from '../../src/storage/migrations/006-directory-revision.js';
import { maintainTimeSeries, refreshHourlySummary } from '../../src/storage/time-partitions.js';
import { databaseTargets } from '../support/databases.js';

const targets = await databaseTargets();
const expectedMode = {
  embedded: 'postgres',
  postgres: 'postgres',
  timescaledb: process.env.TEST_TIMESCALEDB_MODE ?? 'timescaledb-apache',
} as const;

const HOUR = 3_600_000;
const now = Date.now();

function fix(deviceId: string, ts: number, seq: number): StoredFix {
  return {
    deviceId,
    seq,
    ts,
    receivedAt: ts + 500,
    lat: 30.12 + seq * 1e-5,
    lon: 104.63,
    accuracyM: 8,
    source: 'gnss',
    batteryPct: 80,
    protocol: 'native',
    superviseeId: null,
    late: false,
  };
}

describe.each(targets)('storage on $name', (target) => {
  let db: Database;
  let drop: () => Promise<void>;
  let created: Awaited<ReturnType<typeof target.create>>;

  beforeAll(async () => {
    created = await target.create();
    db = created.db;
    drop = created.drop;
    const first = await migrate(db.pool, 'auto');
    db.mode = first.mode;
    await maintainTimeSeries(db.pool, db.mode, { retentionDays: 180, maxFixAgeDays: 30 }, now);
  }, 120_000);

  afterAll(async () => {
    await drop?.();
  });

  it('detects the storage mode the database offers', () => {
    console.log(`[storage] target=${target.name} mode=${db.mode}`);
    expect(db.mode).toBe(expectedMode[target.name]);
  });

  it('migrations are idempotent: a second run applies nothing and keeps the mode', async () => {
    const again = await migrate(db.pool, 'auto');
    expect(again.applied).toEqual([]);
    expect(again.mode).toBe(db.mode);
  });

  it('every write to a directory table moves the directory revision; a reload at the same revision keeps its snapshot', async () => {
    let loads = 0;
    const directory = new Directory(
      async () => {
        loads++;
        return loadDirectory(db.pool, Date.now());
      },
      () => directoryRevision(db.pool),
    );
    await directory.reload();
    const first = directory.current;
    await directory.reload();
    expect(directory.current).toBe(first);
    expect(loads).toBe(1);
    // Writes elsewhere (time series, incidents' neighbours) leave it alone; a directory write moves it.
    await writeFixes(db.pool, [fix('dev-rev', now - HOUR, 1)]);
    await directory.reload();
    expect(loads).toBe(1);
    for (const table of DIRECTORY_TABLES) {
      const before = await directoryRevision(db.pool);
      // A statement that touches no row still counts: the trigger is per statement, cheap and safe.
      await db.pool.query(`delete from ${table} where false`);
      expect(await directoryRevision(db.pool), table).not.toBe(before);
    }
    await db.pool.query(
      `insert into org_units (id, name, level, parent_id, path) values ('rev-u', 'Rev', 'office', null, '/rev-u/')`,
    );
    await directory.reload();
    expect(loads).toBe(2);
    expect(directory.current).not.toBe(first);
  });

  it('writing the same batch twice stores it once', async () => {
    const batch = Array.from({ length: 500 }, (_, i) => fix('dev-idem', now - HOUR + i * 1000, i));
    expect(await writeFixes(db.pool, batch)).toBe(500);
    expect(await writeFixes(db.pool, batch)).toBe(0);
    const mixed = [...batch.slice(0, 10), fix('dev-idem', now - HOUR + 600_000, 600)];
    expect(await writeFixes(db.pool, mixed)).toBe(1);
    const { rows } = await db.pool.query<{ n: number }>(
      "select count(*)::int as n from fixes where device_id = 'dev-idem'",
    );
    expect(rows[0]?.n).toBe(501);
  });

  it('a batch with a duplicate inside it stores one row', async () => {
    const f = fix('dev-dup', now - 2 * HOUR, 1);
    expect(await writeFixes(db.pool, [f, f, { ...f, seq: 2 }])).toBe(1);
  });

  it('stores device events idempotently', async () => {
    const ev = {
      deviceId: 'dev-ev',
      seq: 3,
      ts: now - HOUR,
      receivedAt: now,
      type: 'strap_tamper' as const,
      protocol: 'native' as const,
      superviseeId: null,
    };
    expect(await writeDeviceEvents(db.pool, [ev, ev])).toBe(1);
    expect(await writeDeviceEvents(db.pool, [ev])).toBe(0);
  });

  it('accepts store-and-forward fixes up to the oldest accepted age', async () => {
    const old = fix('dev-old', now - 29 * 24 * HOUR, 1);
    expect(await writeFixes(db.pool, [old])).toBe(1);
  });

  it('keeps an hourly per-device summary for long-range tracks', async () => {
    await refreshHourlySummary(db.pool, db.mode, now - 3 * HOUR, now);
    const { rows } = await db.pool.query<{ fixes: number }>(
      "select sum(fixes)::int as fixes from device_hourly where device_id = 'dev-idem'",
    );
    expect(rows[0]?.fixes).toBe(501);
  });

  it('time-series maintenance keeps the hourly summary current where the service keeps it', async () => {
    // The service only calls maintainTimeSeries (hourly); long-range tracks read device_hourly.
    if (db.mode === 'timescaledb') return; // a continuous aggregate with its own policy there
    const batch = Array.from({ length: 30 }, (_, i) => fix('dev-maint', now - 5 * HOUR + i * 6 * 60_000, i));
    expect(await writeFixes(db.pool, batch)).toBe(30);
    await maintainTimeSeries(db.pool, db.mode, { retentionDays: 180, maxFixAgeDays: 30 }, now);
    const { rows } = await db.pool.query<{ fixes: number }>(
      "select sum(fixes)::int as fixes from device_hourly where device_id = 'dev-maint'",
    );
    expect(rows[0]?.fixes).toBe(30);
  });

  it('drops data past retention', async () => {
    const veryOld = now - 40 * 24 * HOUR;
    if (db.mode === 'postgres') {
      // Partitions for 40 days ago exist only while retention covers them: make one, then shrink retention.
      await maintainTimeSeries(db.pool, db.mode, { retentionDays: 180, maxFixAgeDays: 45 }, now);
    }
    expect(await writeFixes(db.pool, [fix('dev-ret', veryOld, 1)])).toBe(1);
    const result = await maintainTimeSeries(db.pool, db.mode, { retentionDays: 35, maxFixAgeDays: 30 }, now);
    if (db.mode !== 'timescaledb') expect(result.dropped.length).toBeGreaterThan(0);
    if (db.mode === 'timescaledb') return; // retention runs as a TimescaleDB background job there
    const { rows } = await db.pool.query<{ n: number }>(
      "select count(*)::int as n from fixes where device_id = 'dev-ret'",
    );
    expect(rows[0]?.n).toBe(0);
    const recent = await db.pool.query<{ n: number }>(
      "select count(*)::int as n from fixes where device_id = 'dev-idem'",
    );
    expect(recent.rows[0]?.n).toBe(501);
  });

  it('drops the hourly summary past retention with the fixes it summarises', async () => {
    // device_hourly holds positions (an hour's mean) too: location data is kept no longer than the
    // fixes (RETENTION_DAYS; Art. 29, 54: confidential, only for corrections work).
    if (db.mode === 'timescaledb') return; // the continuous aggregate's own retention policy there
    const veryOld = now - 50 * 24 * HOUR;
    await maintainTimeSeries(db.pool, db.mode, { retentionDays: 180, maxFixAgeDays: 55 }, now);
    expect(await writeFixes(db.pool, [fix('dev-hourly-ret', veryOld, 1)])).toBe(1);
    await refreshHourlySummary(db.pool, db.mode, veryOld - HOUR, veryOld + HOUR);
    const count = async () =>
      (
        await db.pool.query<{ n: number }>(
          "select count(*)::int as n from device_hourly where device_id = 'dev-hourly-ret'",
        )
      ).rows[0]?.n;
    expect(await count()).toBe(1);
    await maintainTimeSeries(db.pool, db.mode, { retentionDays: 35, maxFixAgeDays: 30 }, now);
    expect(await count()).toBe(0);
  });

  it('two instances maintaining the time series at once both succeed', async () => {
    // Instances sharing a database (README, scaling out) start, and run their hourly maintenance, at
    // the same moment; days that have no partitions yet are created by both.
    const other = target.name === 'embedded' ? db.pool : createPool(created.url!, 4);
    const later = now + 100 * 24 * HOUR;
    const settings = { retentionDays: 180, maxFixAgeDays: 30 };
    try {
      const results = await Promise.allSettled([
        maintainTimeSeries(db.pool, db.mode, settings, later),
        maintainTimeSeries(other, db.mode, settings, later),
      ]);
      expect(results.map((r) => (r.status === 'rejected' ? String(r.reason) : r.status))).toEqual([
        'fulfilled',
        'fulfilled',
      ]);
    } finally {
      if (other !== db.pool) await other.end();
    }
  });
});
