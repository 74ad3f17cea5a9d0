// Embedded PostgreSQL for the zero-setup default: PGlite (PostgreSQL in WebAssembly) persisted under
// DATA_DIR, served on a loopback port by @electric-sql/pglite-socket so the ordinary `pg` driver uses it.
// maxConnections must cover the pool (ARCHITECTURE.md): the socket server defaults to 1.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { createPool, type Database } from './database.js';

export async function openEmbeddedPostgres(dataDir: string, poolSize: number): Promise<Database> {
  const dir = join(dataDir, 'pglite');
  mkdirSync(dir, { recursive: true });
  const db = await PGlite.create(dir);
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: poolSize + 4 });
  await server.start();
  const conn = server.getServerConn();
  const pool = createPool(`postgres://postgres@${conn}/postgres`, poolSize);
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
