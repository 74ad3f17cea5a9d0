// The database targets every storage-touching suite runs against: embedded PGlite always; real
// PostgreSQL and TimescaleDB when configured. In CI a configured-but-missing service fails the run;
// elsewhere the suite says it was skipped (DEVELOPERS.md non-negotiable 2).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { createPool, type Database } from '../../src/storage/database.js';
import { openEmbeddedPostgres } from '../../src/storage/embedded-postgres.js';

export interface DatabaseTarget {
  readonly name: 'embedded' | 'postgres' | 'timescaledb';
  /** Creates an empty database for one suite; `drop` removes it. */
  create(): Promise<{ db: Database; url?: string; drop(): Promise<void> }>;
}

const inCi = process.env.CI === 'true';

function serverTarget(name: 'postgres' | 'timescaledb', adminUrl: string): DatabaseTarget {
  return {
    name,
    async create() {
      const admin = new pg.Client({ connectionString: adminUrl });
      await admin.connect();
      const dbName = `em_test_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
      await admin.query(`create database ${dbName}`);
      await admin.end();
      const url = new URL(adminUrl);
      url.pathname = `/${dbName}`;
      const pool = createPool(url.toString(), 8);
      const db: Database = { pool, describe: `${name} ${dbName}`, mode: 'postgres', close: () => pool.end() };
      return {
        db,
        url: url.toString(),
        async drop() {
          await pool.end().catch(() => {});
          const a = new pg.Client({ connectionString: adminUrl });
          await a.connect();
          await a.query(`drop database if exists ${dbName} with (force)`);
          await a.end();
        },
      };
    },
  };
}

const embedded: DatabaseTarget = {
  name: 'embedded',
  async create() {
    const dir = mkdtempSync(join(tmpdir(), 'em-pglite-'));
    const db = await openEmbeddedPostgres(dir, 6);
    return {
      db,
      async drop() {
        await db.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
};

async function reachable(url: string): Promise<boolean> {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await c.connect();
    await c.end();
    return true;
  } catch {
    return false;
  }
}

const configured: Array<['postgres' | 'timescaledb', string | undefined]> = [
  [
    'postgres',
    process.env.TEST_POSTGRES_URL ?? (inCi ? undefined : 'postgres://postgres@127.0.0.1:5432/postgres'),
  ],
  [
    'timescaledb',
    process.env.TEST_TIMESCALEDB_URL ?? (inCi ? undefined : 'postgres://postgres@127.0.0.1:5433/postgres'),
  ],
];

/** Resolved once per test file. Outside CI, an unreachable default is skipped with a message. */
export async function databaseTargets(): Promise<DatabaseTarget[]> {
  const targets: DatabaseTarget[] = [embedded];
  for (const [name, url] of configured) {
    if (!url) {
      if (inCi) throw new Error(`CI: TEST_${name.toUpperCase()}_URL is not set; .ci/run must provide it`);
      continue;
    }
    if (await reachable(url)) targets.push(serverTarget(name, url));
    else if (inCi) throw new Error(`CI: ${name} at ${url} is configured but unreachable`);
    else console.warn(`[skipped] ${name} suites: nothing answers at ${url}`);
  }
  return targets;
}
