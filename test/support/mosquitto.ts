// A real Mosquitto for tests: authentication on (dynamic-security plugin, no anonymous access),
// persistence on, its own loopback port and files. `restart()` reuses the port, the persistence
// database and the dynsec file, so persistent sessions and their queued QoS 1 messages survive,
// which fault tests rely on. Mosquitto writes its persistence database on a clean shutdown
// (SIGTERM) and every `autosave_interval`; after `kill()` (SIGKILL) it keeps only the last save.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

export const MOSQUITTO_BINARY = '/usr/sbin/mosquitto';
export const MOSQUITTO_CTRL = 'mosquitto_ctrl';
export const DYNSEC_PLUGIN = '/usr/lib/x86_64-linux-gnu/mosquitto_dynamic_security.so';

const HOST = '127.0.0.1';
const READY_TIMEOUT_MS = 10_000;
const STOP_TIMEOUT_MS = 5_000;
const LOG_LINES_KEPT = 200;

export interface StartMosquittoOptions {
  /** Loopback port to listen on; a free one is picked when omitted. */
  port?: number;
  /**
   * Directory for the config, dynsec file and persistence database. Given: it is kept on `stop()`
   * and a dynsec file already in it is reused (a second instance over the same state). Omitted: a
   * temporary directory, removed on `stop()`.
   */
  persistenceDir?: string;
  /**
   * File-based authentication instead of dynamic security: Mosquitto's own `password_file` and
   * `acl_file` (docs/decisions/0007). `reload()` makes the broker re-read them. No admin account then.
   */
  files?: { passwordFile: string; aclFile: string };
  /** Messages the broker queues per client beyond its in-flight window before it drops (100,000). */
  maxQueuedMessages?: number;
}

export interface MosquittoInstance {
  readonly url: string;
  readonly port: number;
  readonly adminUsername: string;
  readonly adminPassword: string;
  /** Where the config, `dynamic-security.json` and `mosquitto.db` live. */
  readonly dir: string;
  /** The broker's recent stderr (log_dest stderr), for failure messages. */
  log(): string;
  /** SIGTERM (Mosquitto saves its database), then removes the directory if the harness made it. */
  stop(): Promise<void>;
  /** SIGKILL: a crash. Files stay so that `restart()` can bring the broker back. */
  kill(): Promise<void>;
  /** Stops the broker if it runs, then starts it again on the same port with the same files. */
  restart(): Promise<void>;
  /** SIGHUP: the broker re-reads its configuration, password file and ACL file. */
  reload(): void;
  /** The broker's process id while it runs. */
  pid(): number | undefined;
  /** Stops the broker (SIGTERM: it saves its database) and leaves it down until `up()`. */
  down(): Promise<void>;
  /** Starts a broker stopped by `down()` or `kill()` again, on the same port with the same files. */
  up(): Promise<void>;
}

export function mosquittoInstalled(): boolean {
  return existsSync(MOSQUITTO_BINARY) && existsSync(DYNSEC_PLUGIN);
}

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, HOST, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: HOST, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function configText(
  dir: string,
  port: number,
  files: StartMosquittoOptions['files'],
  maxQueued = 100_000,
): string {
  const auth = files
    ? [`password_file ${files.passwordFile}`, `acl_file ${files.aclFile}`]
    : [`plugin ${DYNSEC_PLUGIN}`, `plugin_opt_config_file ${join(dir, 'dynamic-security.json')}`];
  const lines = [
    'per_listener_settings false',
    'allow_anonymous false',
    ...auth,
    'persistence true',
    // Mosquitto appends the file name to this prefix, so it must end with a separator.
    `persistence_location ${join(dir, 'persistence')}/`,
    `listener ${port} ${HOST}`,
    `max_queued_messages ${maxQueued}`,
    'log_dest stderr',
    'log_type error',
    'log_type warning',
    'log_type notice',
    'log_type information',
  ];
  // Started as root, Mosquitto drops to the `mosquitto` user, which cannot write our temp files
  // (the dynsec file is rewritten on every change). Keep the current user instead.
  if (process.getuid?.() === 0) lines.push(`user ${userInfo().username}`);
  return `${lines.join('\n')}\n`;
}

interface AdminCredentials {
  readonly adminUsername: string;
  readonly adminPassword: string;
}

async function initialiseDynsec(dir: string): Promise<AdminCredentials> {
  const credentialsFile = join(dir, 'admin.json');
  const dynsecFile = join(dir, 'dynamic-security.json');
  if (existsSync(dynsecFile) && existsSync(credentialsFile)) {
    return JSON.parse(readFileSync(credentialsFile, 'utf8')) as AdminCredentials;
  }
  const credentials: AdminCredentials = {
    adminUsername: 'em-admin',
    adminPassword: `admin-${Math.random().toString(36).slice(2)}${Math.random().toString(36).slice(2)}`,
  };
  await promisify(execFile)(MOSQUITTO_CTRL, [
    'dynsec',
    'init',
    dynsecFile,
    credentials.adminUsername,
    credentials.adminPassword,
  ]);
  writeFileSync(credentialsFile, JSON.stringify(credentials));
  return credentials;
}

async function waitForExit(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return true;
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

export async function startMosquitto(opts: StartMosquittoOptions = {}): Promise<MosquittoInstance> {
  if (!mosquittoInstalled()) throw new Error(`Mosquitto is not installed (${MOSQUITTO_BINARY})`);
  const ownsDir = opts.persistenceDir === undefined;
  const dir = opts.persistenceDir ?? mkdtempSync(join(tmpdir(), 'em-mosquitto-'));
  mkdirSync(join(dir, 'persistence'), { recursive: true });
  const credentials = opts.files ? { adminUsername: '', adminPassword: '' } : await initialiseDynsec(dir);
  const logLines: string[] = [];
  let child: ChildProcess | null = null;
  let port = opts.port ?? 0;

  const launch = async (): Promise<void> => {
    const confFile = join(dir, 'mosquitto.conf');
    writeFileSync(confFile, configText(dir, port, opts.files, opts.maxQueuedMessages));
    const proc = spawn(MOSQUITTO_BINARY, ['-c', confFile], { stdio: ['ignore', 'ignore', 'pipe'] });
    child = proc;
    running.add(proc);
    proc.once('exit', () => running.delete(proc));
    proc.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      logLines.push(...chunk.split('\n').filter((line) => line.length > 0));
      if (logLines.length > LOG_LINES_KEPT) logLines.splice(0, logLines.length - LOG_LINES_KEPT);
    });
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (Date.now() < deadline) {
      if (proc.exitCode !== null || proc.signalCode !== null) {
        throw new Error(`mosquitto exited (${proc.exitCode ?? proc.signalCode}):\n${logLines.join('\n')}`);
      }
      if (await accepts(port)) return;
      await new Promise((r) => setTimeout(r, 25));
    }
    proc.kill('SIGKILL');
    throw new Error(`mosquitto did not accept connections on ${port} within ${READY_TIMEOUT_MS} ms`);
  };

  const terminate = async (signal: NodeJS.Signals): Promise<void> => {
    const proc: ChildProcess | null = child;
    child = null;
    if (!proc) return;
    proc.kill(signal);
    if (!(await waitForExit(proc, STOP_TIMEOUT_MS))) {
      proc.kill('SIGKILL');
      await waitForExit(proc, STOP_TIMEOUT_MS);
    }
  };

  // A picked port can be taken between picking and binding; try a few before giving up.
  for (let attempt = 1; ; attempt++) {
    if (opts.port === undefined) port = await freePort();
    try {
      await launch();
      break;
    } catch (err) {
      await terminate('SIGKILL');
      if (opts.port !== undefined || attempt >= 3) {
        if (ownsDir) rmSync(dir, { recursive: true, force: true });
        throw err;
      }
    }
  }

  return {
    url: `mqtt://${HOST}:${port}`,
    port,
    ...credentials,
    dir,
    log: () => logLines.join('\n'),
    async stop() {
      await terminate('SIGTERM');
      if (ownsDir) rmSync(dir, { recursive: true, force: true });
    },
    async kill() {
      await terminate('SIGKILL');
    },
    async restart() {
      await terminate('SIGTERM');
      await launch();
    },
    reload() {
      (child as ChildProcess | null)?.kill('SIGHUP');
    },
    pid: () => (child as ChildProcess | null)?.pid,
    async down() {
      await terminate('SIGTERM');
    },
    async up() {
      await launch();
    },
  };
}
