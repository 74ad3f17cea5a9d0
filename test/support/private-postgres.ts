// A PostgreSQL cluster of the test's own (initdb in a temporary directory, a free loopback port),
// so a fault test can stop and start its database without touching the shared server. Started as
// root, the server runs as the `postgres` system user (PostgreSQL refuses to run as root).
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort } from './ports.js';
import { waitFor } from './wait.js';

export const POSTGRES_BIN_DIR = process.env.TEST_POSTGRES_BIN_DIR ?? '/usr/lib/postgresql/15/bin';

export interface PrivatePostgres {
  readonly url: string;
  readonly port: number;
  /** Fast shutdown (SIGINT): every connection is cut, as when the server or its host goes away. */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops the server and removes its files. */
  destroy(): Promise<void>;
}

export function privatePostgresAvailable(): boolean {
  return existsSync(join(POSTGRES_BIN_DIR, 'initdb')) && existsSync(join(POSTGRES_BIN_DIR, 'postgres'));
}

async function runAsOwner(): Promise<{ uid?: number; gid?: number }> {
  if (process.getuid?.() !== 0) return {};
  const { stdout } = await promisify(execFile)('id', ['-u', 'postgres']);
  const { stdout: g } = await promisify(execFile)('id', ['-g', 'postgres']);
  return { uid: Number(stdout.trim()), gid: Number(g.trim()) };
}

const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of live) c.kill('SIGKILL');
});

export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const owner = await runAsOwner();
  const dir = mkdtempSync(join(tmpdir(), 'em-pg-'));
  if (owner.uid !== undefined) chownSync(dir, owner.uid, owner.gid!);
  const data = join(dir, 'data');
  await promisify(execFile)(
    join(POSTGRES_BIN_DIR, 'initdb'),
    ['-D', data, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8', '--locale=C'],
    { ...owner, env: { ...process.env, USER: owner.uid !== undefined ? 'postgres' : userInfo().username } },
  );
  const port = await freePort();
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  let child: ChildProcess | null = null;
  let log = '';

  const start = async () => {
    if (child) return;
    const proc = spawn(
      join(POSTGRES_BIN_DIR, 'postgres'),
      [
        '-D',
        data,
        '-p',
        String(port),
        '-c',
        'listen_addresses=127.0.0.1',
        '-c',
        `unix_socket_directories=${dir}`,
        '-c',
        'fsync=off',
        '-c',
        'max_connections=60',
      ],
      { ...owner, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    child = proc;
    live.add(proc);
    proc.once('exit', () => {
      live.delete(proc);
      if (child === proc) child = null;
    });
    proc.stderr?.setEncoding('utf8').on('data', (d: string) => {
      log = (log + d).slice(-4000);
    });
    await waitFor(
      async () => {
        if (proc.exitCode !== null) throw new Error(`postgres exited:\n${log}`);
        const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1000 });
        try {
          await c.connect();
          await c.end();
          return true;
        } catch {
          await c.end().catch(() => {});
          return false;
        }
      },
      30_000,
      100,
    );
  };

  const stop = async () => {
    const proc = child;
    if (!proc) return;
    const exited = new Promise((r) => proc.once('exit', r));
    proc.kill('SIGINT');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))]);
    if (proc.exitCode === null && proc.signalCode === null) {
      proc.kill('SIGKILL');
      await exited;
    }
  };

  await start();
  return {
    url,
    port,
    stop,
    start,
    async destroy() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
