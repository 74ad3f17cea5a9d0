// Embedded PostgreSQL for the zero-setup default: PGlite (PostgreSQL in WebAssembly) persisted under
// DATA_DIR, served on a loopback port by @electric-sql/pglite-socket so the ordinary `pg` driver uses it.
//
// One connection only. PGlite is a single session, and pglite-socket 0.2.x interleaves the
// extended-protocol messages (Parse/Bind/Execute/Sync) of concurrent connections outside a
// transaction, so one connection's Bind can run against another's statement: errors such as
// `portal "" does not exist`, or silently wrong rows (upstream electric-sql/pglite#1046; reproduced
// here with parallel API requests). PGlite executes one statement at a time anyway, so a pool of one
// costs little; code must never wait on the pool while holding a client from it.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { createPool, type Database } from './database.js';

export async function openEmbeddedPostgres(dataDir: string, _requestedPoolSize?: number): Promise<Database> {
  const dir = join(dataDir, 'pglite');
  mkdirSync(dir, { recursive: true });
  const db = await PGlite.create(dir);
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 4 });
  await server.start();
  const conn = server.getServerConn();
  const pool = createPool(`postgres://postgres@${conn}/postgres`, 1);
  await pool.query('select 1');
  return {
    pool,
    describe: `embedded PGlite (${dir})`,
    mode: 'postgres',
    async close() {
      await pool.end();
      await server.stop();
      await db.close();
    },
  };
}
