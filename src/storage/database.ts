// One pg.Pool whatever serves it: a real PostgreSQL/TimescaleDB, or the embedded PGlite behind its
// Postgres-protocol socket (docs/decisions/0001-embedded-postgres.md). Everything above this file
// speaks plain `pg`, so the embedded default and production share one code path.
import pg from 'pg';
import type { StorageMode } from './storage-mode.js';

export interface Database {
  readonly pool: pg.Pool;
  /** 'embedded' or the real server's host:port, for /readyz and logs. */
  readonly describe: string;
  mode: StorageMode;
  close(): Promise<void>;
}

// Postgres int8 and numeric arrive as strings by default; our counters fit in a JS number.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number.parseInt(v, 10));

export function createPool(connectionString: string, max: number): pg.Pool {
  const pool = new pg.Pool({
    connectionString,
    max,
    idleTimeoutMillis: 30_000,
    connectionTimeoutMillis: 10_000,
  });
  // An idle client's error (server restart) must not crash the process; the next query reconnects.
  pool.on('error', () => {});
  // Nor may a checked-out one's: pg-pool drops its own error listener while a client is lent out, and
  // a connection cut between two statements of a transaction then emits 'error' with no listener,
  // an uncaught exception that took the whole service down in a database outage (issue 10). The
  // statement in flight or the next one fails instead, and the batch is retried.
  pool.on('connect', (client) => client.on('error', () => {}));
  return pool;
}

export async function openPostgres(url: string, poolSize: number): Promise<Database> {
  const pool = createPool(url, poolSize);
  await pool.query('select 1');
  const u = new URL(url);
  return {
    pool,
    describe: `${u.hostname}:${u.port || '5432'}${u.pathname}`,
    mode: 'postgres',
    close: () => pool.end(),
  };
}

/** Runs fn in one transaction on one client; rolls back on any error. */
export async function inTransaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  } finally {
    client.release();
  }
}
