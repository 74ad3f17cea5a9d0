// Several service instances as separate processes behind one broker, sharing one database and one
// Redis (issue 8), for scale-out and fault tests. Each slot keeps its ports, MQTT client id (so its
// persistent session, and whatever the broker queued for it, is picked up again on restart) and data
// directory across kill and restart, as a restarted pod of a StatefulSet would.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.js';
import { type ServiceProcess, spawnService } from './service-process.js';
import { waitFor } from './wait.js';

export interface ClusterOptions {
  readonly count: number;
  /**
   * Environment every instance shares: DATABASE_URL, MQTT_URL and the service's MQTT account at
   * least. The cluster adds STATE_STORE=redis, REDIS_URL, REDIS_KEY_PREFIX and MQTT_SHARE_GROUP.
   */
  readonly env: Record<string, string>;
  readonly redisUrl: string;
  readonly keyPrefix: string;
  readonly shareGroup?: string;
}

export interface ReadyReport {
  ready: boolean;
  checks: Record<string, { ok: boolean; detail: string; firesTimers?: boolean }>;
}

export interface ServiceCluster {
  readonly size: number;
  /** HTTP base URL of each slot (stable across restarts). */
  readonly httpUrls: readonly string[];
  /** The environment of slot `i`, e.g. to start the same instance in-process. */
  env(i: number): Record<string, string>;
  running(i: number): boolean;
  /** Process id of slot `i`'s current process (undefined when it is not running). */
  pid(i: number): number | undefined;
  /** Output (stdout and stderr) of the slot's current or last process. */
  output(i: number): string;
  /** Kills slot `i`'s process (SIGKILL by default: a crash) and waits until it has exited. */
  kill(i: number, signal?: NodeJS.Signals): Promise<number | null>;
  /** Starts slot `i` again with the same identity; resolves once it is ready. */
  restart(i: number): Promise<void>;
  /** `/readyz` of slot `i`, or null when it does not answer. */
  ready(i: number): Promise<ReadyReport | null>;
  /** The slots whose instance says it fires the timers now. */
  timerHolders(): Promise<number[]>;
  /** SIGTERM to every running instance (graceful drain), then removes the data directories. */
  stop(): Promise<void>;
}

export async function startCluster(options: ClusterOptions): Promise<ServiceCluster> {
  const slots: Array<{
    env: Record<string, string>;
    port: number;
    dir: string;
    proc: ServiceProcess | null;
  }> = [];
  for (let i = 0; i < options.count; i++) {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), `em-instance-${i}-`));
    slots.push({
      port,
      dir,
      proc: null,
      env: {
        ...options.env,
        STATE_STORE: 'redis',
        REDIS_URL: options.redisUrl,
        REDIS_KEY_PREFIX: options.keyPrefix,
        MQTT_SHARE_GROUP: options.shareGroup ?? 'em',
        MQTT_CLIENT_ID: `${options.keyPrefix.replace(/[^A-Za-z0-9-]/g, '-')}ingest-${i}`,
        INSTANCE_ID: `instance-${i}`,
        DATA_DIR: dir,
        OSMAND_PORT: String(await freePort()),
      },
    });
  }
  const slot = (i: number) => {
    const s = slots[i];
    if (!s) throw new Error(`no instance ${i}`);
    return s;
  };
  const start = async (i: number) => {
    const s = slot(i);
    s.proc = await spawnService(s.env, s.port);
  };
  const outputs = new Map<number, string>();
  const cluster: ServiceCluster = {
    size: options.count,
    httpUrls: slots.map((s) => `http://127.0.0.1:${s.port}`),
    env: (i) => ({ ...slot(i).env }),
    running: (i) => slot(i).proc !== null,
    pid: (i) => slot(i).proc?.child.pid,
    output: (i) => slot(i).proc?.output() ?? outputs.get(i) ?? '',
    async kill(i, signal = 'SIGKILL') {
      const s = slot(i);
      if (!s.proc) return null;
      const proc = s.proc;
      s.proc = null;
      const code = await proc.kill(signal);
      outputs.set(i, proc.output());
      return code;
    },
    restart: (i) => start(i),
    async ready(i) {
      const res = await fetch(`${cluster.httpUrls[i]}/readyz`, { signal: AbortSignal.timeout(3000) }).catch(
        () => null,
      );
      return res ? ((await res.json()) as ReadyReport) : null;
    },
    async timerHolders() {
      const holders: number[] = [];
      for (let i = 0; i < options.count; i++) {
        if (!slot(i).proc) continue;
        const report = await cluster.ready(i);
        if (report?.checks.state?.firesTimers) holders.push(i);
      }
      return holders;
    },
    async stop() {
      await Promise.all(slots.map((_, i) => cluster.kill(i, 'SIGTERM')));
      for (const s of slots) rmSync(s.dir, { recursive: true, force: true });
    },
  };
  try {
    // One at a time: the first migrates the database; the others find it done.
    await start(0);
    await Promise.all(slots.slice(1).map((_, i) => start(i + 1)));
  } catch (err) {
    await cluster.stop();
    throw err;
  }
  return cluster;
}

/** Waits until exactly one running instance fires the timers; returns its slot. */
export async function waitForOneTimerHolder(cluster: ServiceCluster, timeoutMs = 20_000): Promise<number> {
  let holders: number[] = [];
  await waitFor(
    async () => {
      holders = await cluster.timerHolders();
      return holders.length === 1;
    },
    timeoutMs,
    200,
  );
  return holders[0]!;
}
