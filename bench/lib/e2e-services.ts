// The service side of bench/e2e.ts: N service processes (`node --import tsx src/main.ts`, as in
// production) on one database and broker, all in one MQTT shared-subscription group; with more than
// one, as a scaled-out deployment runs them (README "Scaling out", docs/decisions/0006-scale-out.md):
// person state, timers and alert fan-out shared through Redis (BENCH_REDIS_URL, default
// 127.0.0.1:6379, a key prefix of this run's own). One WebSocket console on /live per instance (the
// first arrival of an alert on any of them counts); the summed
// em_fixes_accepted_total of all instances; the database backends serving them, for /proc sampling.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import pg from 'pg';
import { freePort } from '../../test/support/ports.js';
import { deleteKeys } from '../../test/support/redis.js';
import { ADMIN_PASSWORD } from '../../test/support/service.js';
import { type ServiceProcess, spawnService } from '../../test/support/service-process.js';
import { type BenchLog, stopProcess } from './bench-common.js';
import { type LiveConsole, type LiveIncident, loginToken, openLiveConsole } from './latency-console.js';
import { childPids, parseProm, promSum } from './proc.js';

export interface ServiceFleet {
  readonly procs: readonly ServiceProcess[];
  readonly clientIds: readonly string[];
  /** Sum over the instances of em_fixes_accepted_total (and refusals by reason). */
  poll(): Promise<{ accepted: number; refusals: Record<string, number> }>;
  /** Database backends currently serving the bench database (the instances' pools). */
  dbPids(): Promise<number[]>;
  /** Stops every instance (SIGTERM, drain) and discards their broker sessions; exit codes. */
  stop(): Promise<Array<number | null>>;
}

export interface FleetOptions {
  instances: number;
  env: Record<string, string>;
  shareGroup: string;
  runTag: string;
  databaseUrl: string;
  mqttUrl: string;
  mqttUsername: string;
  mqttPassword: string;
  log: BenchLog;
}

export async function startFleet(o: FleetOptions): Promise<ServiceFleet> {
  const dataDir = mkdtempSync(join(tmpdir(), 'em-bench-e2e-'));
  const clientIds = Array.from({ length: o.instances }, (_, i) => `em-e2e-${o.runTag}-${i + 1}`);
  const procs: ServiceProcess[] = [];
  const redisUrl = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
  const redisPrefix = `em-e2e-${o.runTag}:`;
  const shared: Record<string, string> =
    o.instances > 1
      ? { STATE_STORE: 'redis', REDIS_URL: redisUrl, REDIS_KEY_PREFIX: redisPrefix }
      : { REDIS_URL: '' };
  // Every run starts from empty shared state: person states left by an earlier run (open prohibition
  // tracks, say) would swallow this run's alerts, and its session registry would adopt ghosts.
  if (o.instances > 1) await deleteKeys(redisUrl, redisPrefix);
  const startOne = async (clientId: string) => {
    const [httpPort, osmandPort] = [await freePort(), await freePort()];
    const proc = await spawnService(
      {
        DATABASE_URL: o.databaseUrl,
        MQTT_URL: o.mqttUrl,
        MQTT_USERNAME: o.mqttUsername,
        MQTT_PASSWORD: o.mqttPassword,
        MQTT_CLIENT_ID: clientId,
        MQTT_SHARE_GROUP: o.shareGroup,
        DATA_DIR: dataDir,
        OSMAND_PORT: String(osmandPort),
        INSTANCE_ID: clientId,
        ...shared,
        STORAGE_MODE: 'auto',
        LOG_LEVEL: 'warn',
        ADMIN_INITIAL_PASSWORD: ADMIN_PASSWORD,
        ...o.env,
      },
      httpPort,
      300_000,
    );
    procs.push(proc);
    return proc;
  };
  // The first instance migrates and seeds alone; the others then start together.
  const first = await Promise.allSettled([startOne(clientIds[0]!)]);
  const started =
    first[0]!.status === 'rejected'
      ? first
      : [...first, ...(await Promise.allSettled(clientIds.slice(1).map(startOne)))];
  const failed = started.find((s) => s.status === 'rejected');
  if (failed) {
    // spawnService keeps no handle when start-up fails: end our own children by pid.
    for (const p of procs) p.child.kill('SIGKILL');
    for (const pid of childPids('src/main.ts')) process.kill(pid, 'SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
    throw (failed as PromiseRejectedResult).reason;
  }
  const poll = async () => {
    let accepted = 0;
    const refusals: Record<string, number> = {};
    await Promise.all(
      procs.map(async (p) => {
        const res = await fetch(`${p.httpUrl}/metrics`);
        if (!res.ok) throw new Error(`/metrics answered ${res.status}`);
        const samples = parseProm(await res.text());
        accepted += promSum(samples, 'em_fixes_accepted_total');
        for (const s of samples) {
          if (s.name === 'em_refusals_total' && s.value > 0) {
            const reason = s.labels.reason ?? '?';
            refusals[reason] = (refusals[reason] ?? 0) + s.value;
          }
        }
      }),
    );
    return { accepted, refusals };
  };
  const dbPids = async () => {
    const c = new pg.Client({ connectionString: o.databaseUrl });
    await c.connect();
    try {
      const r = await c.query<{ pid: number }>(
        'select pid from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()',
      );
      return r.rows.map((row) => row.pid);
    } finally {
      await c.end();
    }
  };
  return {
    procs,
    clientIds,
    poll,
    dbPids,
    async stop() {
      const codes = await Promise.all(procs.map((p) => stopProcess(p)));
      // The services' own logs (warnings and errors), kept for diagnosis outside the repo.
      procs.forEach((p, i) => {
        const file = join(tmpdir(), `e2e-${o.runTag}-${clientIds[i]}.log`);
        writeFileSync(file, p.output());
      });
      // Persistent sessions in a shared group would keep receiving (and queueing) the next run's fixes.
      for (const clientId of clientIds) {
        const c = await mqtt.connectAsync(o.mqttUrl, {
          clientId,
          username: o.mqttUsername,
          password: o.mqttPassword,
          clean: true,
          protocolVersion: 5,
          properties: { sessionExpiryInterval: 0 },
        });
        await c.endAsync();
      }
      rmSync(dataDir, { recursive: true, force: true });
      if (o.instances > 1) await deleteKeys(redisUrl, redisPrefix);
      return codes;
    },
  };
}

/** One /live console per instance, logged in as the seeded admin; `onIncident` gets every incident. */
export async function openConsoles(
  fleet: ServiceFleet,
  onIncident: (msg: LiveIncident, at: number) => void,
  onClose: (code: number, reason: string) => void,
): Promise<LiveConsole[]> {
  const out: LiveConsole[] = [];
  for (const p of fleet.procs) {
    const token = await loginToken(p.httpUrl, 'admin', ADMIN_PASSWORD);
    out.push(await openLiveConsole(p.httpUrl, token, onIncident, onClose));
  }
  return out;
}
