// Versioned, idempotent migrations: run at start and by `npm run migrate`. Each version runs once, in
// its own transaction, under an advisory lock so concurrent instances do not race. The storage mode a
// database was first migrated in is recorded and kept: tables cannot switch between layouts silently.
import type pg from 'pg';
import type { Logger } from '../logger.js';
import { migrations } from './migrations/index.js';
import { detectStorageMode, type StorageMode } from './storage-mode.js';

const LOCK_KEY = 7_300_421; // arbitrary, constant: the migration lock's advisory-lock id

export interface MigrationResult {
  mode: StorageMode;
  applied: number[];
}

export async function migrate(
  pool: pg.Pool,
  forced: StorageMode | 'auto',
  log?: Pick<Logger, 'info' | 'warn'>,
): Promise<MigrationResult> {
  const client = await pool.connect();
  try {
    await client.query('select pg_advisory_lock($1)', [LOCK_KEY]);
    await client.query(`create table if not exists schema_migrations (
      version integer primary key, name text not null, storage_mode text not null,
      applied_at timestamptz not null default now())`);
    const done = await client.query<{ version: number; storage_mode: StorageMode }>(
      'select version, storage_mode from schema_migrations order by version',
    );
    const detected = await detectStorageMode(client, forced);
    const recorded = done.rows[0]?.storage_mode;
    const mode = recorded ?? detected;
    if (recorded && recorded !== detected) {
      log?.warn({ recorded, detected }, 'database was first migrated in another storage mode; keeping it');
    }
    const applied: number[] = [];
    const have = new Set(done.rows.map((r) => r.version));
    for (const m of migrations) {
      if (have.has(m.version)) continue;
      await client.query('begin');
      try {
        for (const sql of m.up(mode)) await client.query(sql);
        await client.query('insert into schema_migrations(version, name, storage_mode) values ($1, $2, $3)', [
          m.version,
          m.name,
          mode,
        ]);
        await client.query('commit');
      } catch (err) {
        await client.query('rollback');
        throw new Error(`migration ${m.version} (${m.name}) failed: ${(err as Error).message}`);
      }
      applied.push(m.version);
      log?.info({ version: m.version, name: m.name, mode }, 'migration applied');
    }
    return { mode, applied };
  } finally {
    await client.query('select pg_advisory_unlock($1)', [LOCK_KEY]).catch(() => {});
    client.release();
  }
}
