// `npm run bench -- faults [--persons 200] [--interval-ms 1000] [--outage-s 60] [--before-s 20]
//                         [--after-s 60] [--lag-ok-s 2] [--only broker_restart,redis_outage,...]`
//
// Recovery figures per fault (issue 10 item 2, ../shared/BENCH.md `faults`). For each fault, on
// fresh services of its own: a private PostgreSQL cluster (initdb in a temp dir, so it can be
// stopped), a real Mosquitto with persistence, and the service as its own process. The seeded fault
// fleet (test/faults/support/fleet.ts) plays in real time, `persons` ankle monitors each publishing
// a QoS 1 fix every `interval-ms`. After `before-s` the fault is injected and lasts `outage-s`
// (the broker stopped; the database stopped; Redis killed under two instances and started again with
// its data; the service stopped by SIGTERM or SIGKILL and started
// again `outage-s` later); the load goes on for `after-s` after the return.
//
// Figures per fault, under `by_fault.<name>`:
// - `recovery_s`: from the dependency's return (broker or database accepting connections again, or
//   the restarted service ready) until caught up: the end-to-end backlog (fixes the broker
//   acknowledged to devices minus rows stored) under `lag-ok-s` seconds of load AND the service's
//   `em_ingest_lag_max_seconds` (commit time minus fix time, last batch) under `lag-ok-s`.
// - `backlog_max`: the largest end-to-end backlog sampled (every 500 ms).
// - `rss_max_bytes`: the service process's peak resident memory (VmHWM; the larger of the two
//   processes when it was restarted), to show that memory stays bounded whatever the backlog.
// - `lost` / `duplicated`: acknowledged-to-a-device but not stored / stored more than once.
import { readFileSync } from 'node:fs';
import type pg from 'pg';
import { provisionWorld } from '../simulators/provision.js';
import { buildFleet, fleetDevices, provisionFleet } from '../test/faults/support/fleet.js';
import { FleetLoad } from '../test/faults/support/load.js';
import { checkPool, type Infra, startInfra, storedOnce } from '../test/faults/support/rig.js';
import { metricValue } from '../test/faults/support/signals.js';
import { inProcessProvisioner } from '../test/scenarios/support/in-process.js';
import { type ServiceCluster, startCluster } from '../test/support/instances.js';
import { mosquittoInstalled } from '../test/support/mosquitto.js';
import { freePort } from '../test/support/ports.js';
import { privatePostgresAvailable } from '../test/support/private-postgres.js';
import {
  type PrivateRedis,
  privateRedisAvailable,
  startPrivateRedis,
} from '../test/support/private-redis.js';
import { startTestService } from '../test/support/service.js';
import { type ServiceProcess, spawnService } from '../test/support/service-process.js';
import type { BenchResult } from './bench-types.js';
import { benchLog, Cleanup, numArg, sleep, stopProcess } from './lib/bench-common.js';

const FAULTS = [
  'broker_restart',
  'database_outage',
  'redis_outage',
  'service_sigterm',
  'service_sigkill',
] as const;
/** Service processes sharing person state in Redis for the redis_outage case (issue 8 scale-out). */
const REDIS_INSTANCES = 2;
type Fault = (typeof FAULTS)[number];

interface FaultFigures {
  lost: number;
  duplicated: number;
  recovery_s: number | null;
  backlog_max: number;
  rss_max_bytes: number;
  outage_s: number;
  acknowledged: number;
  ingest_lag_max_s: number;
}

const log = benchLog('faults');

function peakRss(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = /VmHWM:\s+(\d+) kB/.exec(status)?.[1];
    return kb ? Number(kb) * 1024 : 0;
  } catch {
    return 0;
  }
}

async function storedRows(pool: pg.Pool): Promise<number | null> {
  try {
    const r = await pool.query<{ n: number }>(
      'select (select count(*) from fixes) + (select count(*) from device_events) as n',
    );
    return Number(r.rows[0]!.n);
  } catch {
    return null;
  }
}

interface Options {
  persons: number;
  intervalMs: number;
  outageS: number;
  beforeS: number;
  afterS: number;
  lagOkS: number;
}

async function runFault(fault: Fault, o: Options): Promise<FaultFigures> {
  const cleanup = new Cleanup(log);
  try {
    const infra: Infra = await startInfra({ privateDb: true });
    cleanup.add('services', () => infra.cleanup());
    const pool = checkPool(infra.databaseUrl);
    cleanup.add('check pool', () => pool.end());

    const playMs = (o.beforeS + o.outageS + o.afterS) * 1000;
    const shape = {
      seed: `bench-${fault}`,
      persons: o.persons,
      durationMs: playMs,
      intervalMs: o.intervalMs,
      orgUnits: ['lianhua', 'baotai'],
    };
    const fleet = buildFleet({ ...shape, start: Date.now() });
    log(`${fault}: provisioning ${o.persons} devices`);
    const provisioning = await startTestService(infra.env);
    const provisioner = inProcessProvisioner(provisioning);
    await provisionWorld(provisioner);
    const provisioned = await provisionFleet(provisioner, fleet);
    await provisioning.stop();

    const httpPort = await freePort();
    let proc: ServiceProcess | null = null;
    let redis: PrivateRedis | null = null;
    let cluster: ServiceCluster | null = null;
    let httpUrls: string[];
    if (fault === 'redis_outage') {
      // Several instances sharing person state in a private Redis that can be killed and restarted
      // with its data (fsync'd append-only file, test/support/private-redis.ts).
      const privateRedis = await startPrivateRedis();
      redis = privateRedis;
      cleanup.add('redis', () => privateRedis.destroy());
      const { MQTT_CLIENT_ID: _id, DATA_DIR: _dir, OSMAND_PORT: _port, ...shared } = infra.env;
      const started = await startCluster({
        count: REDIS_INSTANCES,
        env: shared,
        redisUrl: privateRedis.url,
        keyPrefix: 'em-bench:',
      });
      cluster = started;
      // Runs before the Redis cleanup (last in, first out): a graceful drain needs Redis.
      cleanup.add('instances', () => started.stop());
      httpUrls = [...started.httpUrls];
    } else {
      proc = await spawnService(infra.env, httpPort);
      cleanup.add('service', () => stopProcess(proc!));
      httpUrls = [`http://127.0.0.1:${httpPort}`];
    }
    const pids = (): Array<number | undefined> =>
      cluster ? Array.from({ length: cluster.size }, (_, i) => cluster!.pid(i)) : [proc?.child.pid];
    const rssNow = () => Math.max(0, ...pids().map(peakRss));
    let rssMax = rssNow();

    // Real time: the fleet's clock is the wall clock, so fix time = publish time and the ingest lag
    // is the time a fix waited somewhere between device and database.
    const now = Date.now() + 2_000;
    const playing = buildFleet({ ...shape, start: now });
    const load = new FleetLoad(
      infra.broker.url,
      fleetDevices(playing, provisioned),
      { t0: now, start: now, scale: 1, end: now + playMs },
      100,
    );
    cleanup.add('load', () => load.stop());
    await load.start();

    let stored = 0;
    let backlogMax = 0;
    let lagMax = 0;
    let returnedAt: number | null = null;
    let recoveredAt: number | null = null;
    let sampling = true;
    const okBacklog = (o.persons * o.lagOkS * 1000) / o.intervalMs;
    const sampler = (async () => {
      while (sampling) {
        rssMax = Math.max(rssMax, rssNow());
        stored = (await storedRows(pool)) ?? stored;
        const backlog = Math.max(0, load.totalAcked - stored);
        backlogMax = Math.max(backlogMax, backlog);
        let lag: number | null = null;
        for (const url of httpUrls) {
          const l = await metricValue(url, 'em_ingest_lag_max_seconds').catch(() => null);
          if (l !== null) lag = Math.max(lag ?? 0, l);
        }
        if (lag !== null) lagMax = Math.max(lagMax, lag);
        if (
          returnedAt !== null &&
          recoveredAt === null &&
          backlog <= okBacklog &&
          lag !== null &&
          lag < o.lagOkS
        ) {
          recoveredAt = Date.now();
          log(`${fault}: caught up ${((recoveredAt - returnedAt) / 1000).toFixed(1)} s after the return`);
        }
        await sleep(500);
      }
    })();

    await sleep(o.beforeS * 1000);
    log(`${fault}: injecting (${o.outageS} s)`);
    const downAt = Date.now();
    if (fault === 'broker_restart') {
      await infra.broker.down();
      await sleep(o.outageS * 1000 - (Date.now() - downAt));
      await infra.broker.up();
    } else if (fault === 'redis_outage') {
      await redis!.stop();
      await sleep(o.outageS * 1000 - (Date.now() - downAt));
      await redis!.start();
    } else if (fault === 'database_outage') {
      await infra.privateDb!.stop();
      await sleep(o.outageS * 1000 - (Date.now() - downAt));
      await infra.privateDb!.start();
    } else {
      const code = await proc!.kill(fault === 'service_sigterm' ? 'SIGTERM' : 'SIGKILL');
      log(`${fault}: service exited with ${code}`);
      await sleep(o.outageS * 1000 - (Date.now() - downAt));
      proc = await spawnService(infra.env, httpPort);
    }
    returnedAt = Date.now();
    const outageS = (returnedAt - downAt) / 1000;
    log(`${fault}: back after ${outageS.toFixed(1)} s; backlog so far ${backlogMax}`);

    await load.finished();
    const deadline = Date.now() + 300_000;
    while (Date.now() < deadline && (await storedOnce(pool, load)).missing.length > 0) await sleep(1000);
    sampling = false;
    await sampler;
    rssMax = Math.max(rssMax, rssNow());
    const check = await storedOnce(pool, load);
    await load.stop();
    return {
      lost: check.missing.length,
      duplicated: check.duplicated.length,
      recovery_s: recoveredAt === null ? null : Math.round((recoveredAt - returnedAt) / 100) / 10,
      backlog_max: backlogMax,
      rss_max_bytes: rssMax,
      outage_s: Math.round(outageS * 10) / 10,
      acknowledged: check.acked,
      ingest_lag_max_s: Math.round(lagMax * 10) / 10,
    };
  } finally {
    await cleanup.run();
  }
}

export default async function faults(args: Record<string, string>): Promise<BenchResult> {
  if (!mosquittoInstalled()) throw new Error('Mosquitto with dynamic security is required');
  if (!privatePostgresAvailable()) throw new Error('PostgreSQL 15 binaries (initdb, postgres) are required');
  const o: Options = {
    persons: numArg(args, 'persons', 200),
    intervalMs: numArg(args, 'interval-ms', 1000),
    outageS: numArg(args, 'outage-s', 60),
    beforeS: numArg(args, 'before-s', 20),
    afterS: numArg(args, 'after-s', 60),
    lagOkS: numArg(args, 'lag-ok-s', 2, false),
  };
  const only = args.only ? (args.only.split(',') as Fault[]) : [...FAULTS];
  for (const f of only)
    if (!FAULTS.includes(f)) throw new Error(`unknown fault ${f}; known: ${FAULTS.join(', ')}`);
  if (only.includes('redis_outage') && !privateRedisAvailable())
    throw new Error('redis-server is required for redis_outage');
  const byFault: Record<string, FaultFigures> = {};
  for (const fault of only) {
    byFault[fault] = await runFault(fault, o);
    log(`${fault}: ${JSON.stringify(byFault[fault])}`);
  }
  return {
    config: {
      persons: o.persons,
      interval_ms: o.intervalMs,
      offered_per_s: (o.persons * 1000) / o.intervalMs,
      outage_s: o.outageS,
      before_s: o.beforeS,
      after_s: o.afterS,
      caught_up_when: `backlog <= ${o.lagOkS} s of load and em_ingest_lag_max_seconds < ${o.lagOkS}`,
      database: 'private PostgreSQL 15 cluster (stopped and started for database_outage)',
      broker: 'Mosquitto 2, persistence on, dynamic security',
      faults: only,
    },
    figures: { by_fault: byFault },
    notes: [
      'service process as in production (npm start), single instance; except redis_outage: ' +
        `${REDIS_INSTANCES} instances (STATE_STORE=redis, one MQTT shared subscription) sharing a private ` +
        'redis-server with an fsync-always append-only file, SIGKILLed and started again with its data',
      'rss_max_bytes of redis_outage is the largest of its instances',
      'service_sigterm / service_sigkill: the service is down for outage_s and then started again; recovery_s runs from its readiness',
    ],
  };
}
