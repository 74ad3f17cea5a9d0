// Storage adapts to what the database offers (ARCHITECTURE.md):
//   timescaledb         community licence: hypertables, compression, retention policy, continuous aggregate
//   timescaledb-apache  Apache edition (Debian, some clouds): hypertables; retention + summaries by the service
//   postgres            plain PostgreSQL or embedded PGlite: native range partitions kept by the service
import type pg from 'pg';

export type StorageMode = 'timescaledb' | 'timescaledb-apache' | 'postgres';

export async function detectStorageMode(
  pool: Pick<pg.PoolClient, 'query'>,
  forced: StorageMode | 'auto',
): Promise<StorageMode> {
  const available = await pool.query<{ n: number }>(
    "select count(*)::int as n from pg_available_extensions where name = 'timescaledb'",
  );
  const hasTimescale = (available.rows[0]?.n ?? 0) > 0;
  if (forced === 'postgres') return 'postgres';
  if (!hasTimescale) {
    if (forced !== 'auto')
      throw new Error(`STORAGE_MODE=${forced} but the database has no timescaledb extension`);
    return 'postgres';
  }
  // Fails clearly when timescaledb is available but not preloaded (shared_preload_libraries).
  await pool.query('create extension if not exists timescaledb');
  const license = await pool.query<{ license: string }>(
    "select current_setting('timescaledb.license') as license",
  );
  const detected: StorageMode = license.rows[0]?.license === 'apache' ? 'timescaledb-apache' : 'timescaledb';
  if (forced !== 'auto' && forced !== detected) {
    throw new Error(`STORAGE_MODE=${forced} but the database offers ${detected}`);
  }
  return detected;
}
