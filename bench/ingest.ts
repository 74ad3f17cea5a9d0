// `npm run bench -- ingest [--devices 1000] [--connections 500] [--seconds 10] [--start 1000]
//                         [--factor 1.5 | --step N] [--refine 2] [--max-rate 100000]
//                         [--relay-count 100000] [--relay-runs 3] [--relay-window 20]
//                         [--max-lag-s 2] [--grace-s 3] [--provision-concurrency 8]`
//
// QoS 1 fixes through a REAL Mosquitto (started here, authentication + dynamic security) into a fresh
// TimescaleDB database (BENCH_TIMESCALEDB_URL, default 127.0.0.1:5433; BENCH_POSTGRES_URL 5432 if that
// is unreachable), created for the run and dropped afterwards. In order:
//  1. Provisioning (untimed): an in-process service on that database and broker registers `devices`
//     supervisees, each with an ankle monitor (a broker account of its own) and an active EM order,
//     plus the county boundary; then it stops and its persistent broker session is discarded.
//  2. Broker relay (`broker_qos1_relay_per_s`): `connections` of those devices, one MQTT connection each,
//     publish QoS 1 fixes to their own telemetry topics as fast as the broker acknowledges; ONE
//     subscriber in its own process (persistent MQTT v5 session, QoS 1 on em/v1/devices/+/telemetry,
//     a bench account with the service account's role, the same receive maximum as the service) does
//     nothing but acknowledge. Rate = `relay-count` messages at the subscriber / their time span,
//     after a 10% warm-up; `relay-runs` runs (a fresh subscriber and session each), median reported.
//     Publishers keep `relay-window` publishes in flight each. The session is discarded afterwards.
//  3. Service (`fixes_per_s`): the service is spawned as its own process (same database, broker and
//     client id as in production); the same publishers offer fixed rates (open loop, round-robin over
//     the devices) in steps of `seconds`. A step keeps up when the oldest offered-but-not-stored fix is
//     never older than `max-lag-s` (stored count from the service's em_fixes_accepted_total, polled
//     every 200 ms) and everything offered is stored within `grace-s` after the step. Geometric ramp
//     (or linear with --step) until a step fails, then `refine` bisection steps. The highest step that
//     kept up is the sustained rate (its measured offered rate, not its target).
//  4. Accounting: after the last step the backlog drains, the service stops (SIGTERM), and the database
//     is read per (device, seq): `lost` = acknowledged by the broker to a publisher but not stored,
//     `duplicated` = rows beyond one per (device, seq).
// Every broker, process and database is removed at the end, also on failure or SIGINT.
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import mqtt from 'mqtt';
import pg from 'pg';
import { createMosquittoDynsecProvisioner } from '../src/adapters/mqtt/mosquitto-dynsec.js';
import { type MosquittoInstance, mosquittoInstalled, startMosquitto } from '../test/support/mosquitto.js';
import { freePort } from '../test/support/ports.js';
import {
  ensureCounty,
  monitoredPerson,
  OPEN_FLOOD_GUARD,
  startTestService,
} from '../test/support/service.js';
import { type ServiceProcess, spawnService } from '../test/support/service-process.js';
import type { BenchResult } from './bench-types.js';
import {
  adminQuery,
  benchDatabaseServer,
  benchLog,
  Cleanup,
  numArg,
  sleep,
  stopProcess,
} from './lib/bench-common.js';
import { type DeviceAccount, PublisherPool } from './lib/ingest-publishers.js';
import {
  CpuMeter,
  childPids,
  histogramQuantileBound,
  type PromSample,
  parseProm,
  promBuckets,
  promSum,
} from './lib/proc.js';

const here = dirname(fileURLToPath(import.meta.url));
const log = benchLog('ingest');

async function scrape(httpUrl: string): Promise<PromSample[]> {
  const res = await fetch(`${httpUrl}/metrics`);
  if (!res.ok) throw new Error(`/metrics answered ${res.status}`);
  return parseProm(await res.text());
}

interface RelayResult {
  perS: number;
  publisherAckPerS: number;
  seconds: number;
  cpu: Record<string, number | null>;
}

/** The broker's QoS 1 relay rate to one do-nothing subscriber, over a fixed count (step 2). */
async function measureRelay(
  broker: MosquittoInstance,
  pool: PublisherPool,
  count: number,
  receiveMaximum: number,
  window: number,
  mosquittoPid: number | undefined,
  cleanup: Cleanup,
  run: number,
): Promise<RelayResult> {
  const username = 'em-bench-relay';
  const password = `relay-${Math.random().toString(36).slice(2)}${Math.random().toString(36).slice(2)}`;
  const provisioner = await createMosquittoDynsecProvisioner(
    broker.url,
    broker.adminUsername,
    broker.adminPassword,
  );
  try {
    await provisioner.ensureServiceClient(username, password);
  } finally {
    await provisioner.close();
  }
  const warm = Math.max(1000, Math.round(count / 10));
  const child = fork(join(here, 'lib', 'relay-subscriber.ts'), [], {
    execArgv: ['--import', 'tsx'],
    env: {
      ...process.env,
      RELAY_SUBSCRIBER_OPTIONS: JSON.stringify({
        url: broker.url,
        username,
        password,
        clientId: `em-bench-relay-${process.pid}-${run}`,
        topic: 'em/v1/devices/+/telemetry',
        warm,
        count,
        receiveMaximum,
      }),
    },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const killChild = () => child.kill('SIGKILL');
  process.once('exit', killChild);
  void exited.then(() => process.removeListener('exit', killChild));
  cleanup.add('relay subscriber', async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
  });
  let received = 0;
  let done: { seconds: number } | undefined;
  let failure: string | undefined;
  const ready = new Promise<void>((resolve, reject) => {
    child.on('message', (msg: { type: string; received?: number; seconds?: number; message?: string }) => {
      if (msg.received !== undefined) received = msg.received;
      if (msg.type === 'ready') resolve();
      else if (msg.type === 'done') done = { seconds: msg.seconds ?? 0 };
      else if (msg.type === 'error') {
        failure = msg.message;
        reject(new Error(`relay subscriber: ${msg.message}`));
      }
    });
    child.once('exit', (code) => reject(new Error(`relay subscriber exited (${code}) before it was ready`)));
  });
  await Promise.race([
    ready,
    sleep(20_000).then(() => Promise.reject(new Error('relay subscriber not ready'))),
  ]);
  log(
    `relay: subscriber ready; publishing ${count + 2 * warm} QoS 1 fixes from ${pool.devices.length} devices`,
  );

  const cpu = new CpuMeter({ mosquitto: mosquittoPid, subscriber: child.pid, bench: process.pid });
  const acked0 = pool.counters.acked;
  const t0 = performance.now();
  const progress = setInterval(() => log(`relay: ${received} received at the subscriber`), 2000);
  await pool.closedLoop(count + 2 * warm, window, () => done !== undefined || failure !== undefined);
  clearInterval(progress);
  const pubSeconds = (performance.now() - t0) / 1000;
  const cpuUse = cpu.read();
  const acked = pool.counters.acked - acked0;
  const stopped = new Promise<void>((r) =>
    child.on('message', (m: { type: string }) => m.type === 'stopped' && r()),
  );
  child.send({ type: 'stop', expected: acked });
  await Promise.race([stopped, sleep(15_000)]);
  await Promise.race([exited, sleep(5_000)]);
  if (failure) throw new Error(`relay subscriber: ${failure}`);
  if (!done) throw new Error(`relay subscriber received only ${received} of ${count + warm}`);
  log(
    `relay: ${count} messages in ${done.seconds.toFixed(2)} s at the subscriber = ${Math.round(count / done.seconds)}/s ` +
      `(publishers: ${acked} acked in ${pubSeconds.toFixed(2)} s; subscriber got ${received}); cpu % ${JSON.stringify(cpuUse)}`,
  );
  return {
    perS: count / done.seconds,
    publisherAckPerS: acked / pubSeconds,
    seconds: done.seconds,
    cpu: cpuUse,
  };
}

interface StepResult {
  target: number;
  offeredPerS: number;
  seconds: number;
  issued: number;
  skipped: number;
  maxLagS: number;
  drainS: number | null;
  ok: boolean;
  why: string;
  wallStart: number;
  wallEnd: number;
  histBefore: Map<number, number>;
  histAfter: Map<number, number>;
  cpu: Record<string, number | null>;
}

/** Offered (issued) totals over time, to turn a stored count into the age of the oldest unstored fix. */
export class OfferTimeline {
  private readonly times: number[] = [];
  private readonly totals: number[] = [];
  record(t: number, total: number): void {
    const last = this.totals[this.totals.length - 1];
    if (last !== undefined && total <= last) return;
    this.times.push(t);
    this.totals.push(total);
  }
  /** Seconds since fix number `stored + 1` was offered, 0 when all offered fixes are stored. */
  lagS(now: number, stored: number, offered: number): number {
    if (stored >= offered) return 0;
    let lo = 0;
    let hi = this.totals.length - 1;
    if (hi < 0) return 0;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.totals[mid]! > stored) hi = mid;
      else lo = mid + 1;
    }
    return Math.max(0, (now - this.times[lo]!) / 1000);
  }
}

class ServiceProbe {
  accepted = 0;
  samples: PromSample[] = [];
  constructor(private readonly httpUrl: string) {}
  async poll(): Promise<number> {
    this.samples = await scrape(this.httpUrl);
    this.accepted = promSum(this.samples, 'em_fixes_accepted_total');
    return this.accepted;
  }
}

export default async function ingest(args: Record<string, string>): Promise<BenchResult> {
  const devices = numArg(args, 'devices', 1000);
  const connections = Math.min(devices, numArg(args, 'connections', 500));
  const stepSeconds = numArg(args, 'seconds', 10);
  const startRate = numArg(args, 'start', 1000);
  const factor = numArg(args, 'factor', 1.5, false);
  const linearStep = args.step !== undefined ? numArg(args, 'step', 1000) : undefined;
  const refine = args.refine === '0' ? 0 : numArg(args, 'refine', 2);
  const maxRate = numArg(args, 'max-rate', 100_000);
  const relayCount = numArg(args, 'relay-count', 100_000);
  const relayWindow = numArg(args, 'relay-window', 20);
  const relayRuns = numArg(args, 'relay-runs', 3);
  const maxLagS = numArg(args, 'max-lag-s', 2, false);
  const graceS = numArg(args, 'grace-s', 3, false);
  const provisionConcurrency = numArg(args, 'provision-concurrency', 8);
  const receiveMaximum = 2000; // the service's ingest client (broker-ingest-client.ts)
  if (connections > 1000) throw new Error('--connections: at most 1,000 publisher connections');
  if (!mosquittoInstalled()) throw new Error('Mosquitto 2 with the dynamic-security plugin is not installed');

  const notes: string[] = [];
  const config: Record<string, unknown> = {
    devices,
    publishing_devices: connections,
    connections: connections,
    seconds_per_step: stepSeconds,
    start_per_s: startRate,
    ...(linearStep ? { step_per_s: linearStep } : { factor }),
    refine,
    max_rate_per_s: maxRate,
    relay_count: relayCount,
    relay_window_per_device: relayWindow,
    relay_runs: relayRuns,
    max_lag_s: maxLagS,
    grace_s: graceS,
    qos: 1,
    payload: 'native single fix {ts,lat,lon,acc,src:"gnss",seq}',
  };

  const { adminUrl, target } = await benchDatabaseServer(log, notes);

  const cleanup = new Cleanup(log);
  const onSignal = (signal: NodeJS.Signals) => {
    log(`${signal}: cleaning up`);
    void cleanup.run().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    // ---- database and broker
    const dbName = `em_bench_ingest_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
    await adminQuery(adminUrl, `create database ${dbName}`);
    cleanup.add('drop database', async () => {
      await adminQuery(adminUrl, `drop database if exists ${dbName} with (force)`);
      log(`database ${dbName} dropped`);
    });
    const dbUrlObj = new URL(adminUrl);
    dbUrlObj.pathname = `/${dbName}`;
    const databaseUrl = dbUrlObj.toString();
    // The relay's subscriber may fall behind the publishers for a moment; past max_queued_messages the
    // broker drops QoS 1 messages for it and the relay run fails (seen 2026-11-29: 109,503 of 110,000).
    const broker = await startMosquitto({ maxQueuedMessages: 1_000_000 });
    cleanup.add('mosquitto', () => broker.stop());
    const mosquittoPid = childPids(broker.dir)[0];
    log(`database ${target} ${dbUrlObj.host}/${dbName}; mosquitto on ${broker.url} (pid ${mosquittoPid})`);
    config.database = `${target} ${dbUrlObj.host}`;
    config.broker = 'mosquitto 2.0.11, dynamic security, persistence on, loopback';

    const serviceEnv = {
      DATABASE_URL: databaseUrl,
      MQTT_URL: broker.url,
      MQTT_ADMIN_USERNAME: broker.adminUsername,
      MQTT_ADMIN_PASSWORD: broker.adminPassword,
      MQTT_USERNAME: 'em-ingest',
      MQTT_PASSWORD: `svc-${Math.random().toString(36).slice(2)}${Math.random().toString(36).slice(2)}`,
      MQTT_CLIENT_ID: 'em-ingest-1',
      // This bench finds the service's throughput: its devices each publish up to max-rate/devices
      // per second, far above a device's contract, which the flood guard would refuse (and count).
      ...OPEN_FLOOD_GUARD,
    };

    // ---- 1. provisioning, in process
    const p0 = performance.now();
    const accounts: DeviceAccount[] = [];
    {
      const svc = await startTestService(serviceEnv);
      try {
        await ensureCounty(svc);
        let next = 0;
        const worker = async () => {
          for (let i = next++; i < devices; i = next++) {
            const person = await monitoredPerson(svc);
            accounts[i] = person.ankle;
            if ((i + 1) % 200 === 0) log(`provisioned ${i + 1}/${devices} devices`);
          }
        };
        await Promise.all(Array.from({ length: provisionConcurrency }, worker));
        const mode = await svc.db.pool.query<{ n: number }>(
          "select count(*)::int as n from pg_extension where extname = 'timescaledb'",
        );
        config.storage_mode = svc.db.mode;
        if (target === 'timescaledb' && !mode.rows[0]?.n)
          notes.push('the 5433 server has no timescaledb extension');
      } finally {
        await svc.cleanup();
      }
    }
    // The in-process service left a persistent session subscribed to every device topic: discard it,
    // or the broker would queue the relay phase's messages for it.
    {
      const c = await mqtt.connectAsync(broker.url, {
        clientId: serviceEnv.MQTT_CLIENT_ID,
        username: serviceEnv.MQTT_USERNAME,
        password: serviceEnv.MQTT_PASSWORD,
        clean: true,
        protocolVersion: 5,
        properties: { sessionExpiryInterval: 0 },
      });
      await c.endAsync();
    }
    const provisionS = (performance.now() - p0) / 1000;
    log(`provisioned ${devices} supervisees, ankle devices and EM orders in ${provisionS.toFixed(1)} s`);

    // ---- publishers
    const pool = await PublisherPool.connect(broker.url, accounts.slice(0, connections));
    cleanup.add('publishers', () => pool.close());
    log(`${connections} publisher connections up`);

    // ---- 2. broker relay
    const relays: RelayResult[] = [];
    for (let i = 0; i < relayRuns; i++) {
      relays.push(
        await measureRelay(broker, pool, relayCount, receiveMaximum, relayWindow, mosquittoPid, cleanup, i),
      );
    }
    const relay = [...relays].sort((a, b) => a.perS - b.perS)[Math.floor(relays.length / 2)]!;
    log(`relay: median of ${relays.length} runs ${Math.round(relay.perS)}/s`);

    // ---- 3. the service as its own process
    const dataDir = mkdtempSync(join(tmpdir(), 'em-bench-ingest-'));
    cleanup.add('service data dir', async () => rmSync(dataDir, { recursive: true, force: true }));
    const [httpPort, osmandPort] = [await freePort(), await freePort()];
    let proc: ServiceProcess;
    try {
      proc = await spawnService(
        {
          ...serviceEnv,
          DATA_DIR: dataDir,
          OSMAND_PORT: String(osmandPort),
          REDIS_URL: '',
          STORAGE_MODE: 'auto',
          LOG_LEVEL: 'warn',
        },
        httpPort,
      );
    } catch (err) {
      // spawnService keeps no handle when start-up times out: end our own child by its pid.
      for (const pid of childPids('src/main.ts')) process.kill(pid, 'SIGKILL');
      throw err;
    }
    const killService = () => proc.child.kill('SIGKILL');
    process.once('exit', killService); // a crash of the bench must not leave the service running
    cleanup.add('service process', async () => {
      await stopProcess(proc);
      process.removeListener('exit', killService);
    });
    const svcPid = proc.child.pid;
    log(`service process ${svcPid} ready at ${proc.httpUrl}`);
    const probe = new ServiceProbe(proc.httpUrl);
    await probe.poll();
    const accepted0 = probe.accepted;

    const timeline = new OfferTimeline();
    pool.tracking = true;
    const issued0 = pool.counters.issued;
    const acked0 = pool.counters.acked;
    const failed0 = pool.counters.failed;
    const offered = () => pool.counters.issued - issued0;
    const stored = () => probe.accepted - accepted0;
    // The database server's backends serving our database (the service's pool), for CPU attribution.
    const dbPids = async (): Promise<number[]> => {
      const c = new pg.Client({ connectionString: databaseUrl });
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

    /** Waits until everything acknowledged so far is stored; seconds taken, or null on timeout. */
    const drain = async (timeoutS: number): Promise<number | null> => {
      const t0 = performance.now();
      for (;;) {
        await probe.poll();
        if (pool.inFlight === 0 && stored() >= pool.counters.acked - acked0) {
          return (performance.now() - t0) / 1000;
        }
        if ((performance.now() - t0) / 1000 > timeoutS) return null;
        await sleep(100);
      }
    };

    const runStep = async (rate: number, seconds: number): Promise<StepResult> => {
      await probe.poll();
      const histBefore = promBuckets(probe.samples, 'em_ingest_lag_seconds');
      const skipped0 = pool.counters.skipped;
      const cpu = new CpuMeter({
        service: svcPid,
        db_backends: await dbPids().catch(() => undefined),
        mosquitto: mosquittoPid,
        bench: process.pid,
      });
      let maxLag = 0;
      let polling = true;
      let lastLog = performance.now();
      const poller = (async () => {
        while (polling) {
          const tSend = performance.now();
          await probe.poll().catch(() => {});
          const t = (tSend + performance.now()) / 2;
          const lag = timeline.lagS(t, stored(), offered());
          if (lag > maxLag) maxLag = lag;
          if (performance.now() - lastLog > 2500) {
            lastLog = performance.now();
            log(`  ${rate}/s: offered ${offered()}, stored ${stored()}, lag ${lag.toFixed(2)} s`);
          }
          await sleep(200);
        }
      })();
      const wallStart = Date.now();
      const run = await pool.openLoop(rate, seconds, rate * 3, (now) => {
        timeline.record(now, offered());
        return maxLag > maxLagS;
      });
      const wallEnd = Date.now();
      const stepOffered = offered();
      // Grace: everything offered in the step stored within graceS of its end.
      const g0 = performance.now();
      let drainS: number | null = null;
      while ((performance.now() - g0) / 1000 <= graceS) {
        if (stored() >= stepOffered - (pool.counters.failed - failed0)) {
          drainS = (performance.now() - g0) / 1000;
          break;
        }
        await sleep(50);
      }
      polling = false;
      await poller;
      const cpuUse = cpu.read();
      const skipped = pool.counters.skipped - skipped0;
      const offeredPerS = run.issued / run.seconds;
      let ok = true;
      let why = 'kept up';
      if (run.aborted || maxLag > maxLagS) {
        ok = false;
        why = `lag ${maxLag.toFixed(1)} s > ${maxLagS} s${run.aborted ? `, stopped after ${run.seconds.toFixed(1)} s` : ''}`;
      } else if (drainS === null) {
        ok = false;
        why = `not all stored within ${graceS} s after the step`;
      } else if (offeredPerS < 0.95 * rate) {
        ok = false;
        why = `offered only ${Math.round(offeredPerS)}/s of ${rate}/s (${skipped} skipped: publishers or broker limit)`;
      }
      // Whatever happened, drain the backlog before the next step (and before the histogram snapshot).
      const fullDrain = await drain(120);
      const histAfter = promBuckets(probe.samples, 'em_ingest_lag_seconds');
      if (fullDrain === null) {
        ok = false;
        why += '; backlog not drained in 120 s';
      }
      log(
        `step ${rate}/s: offered ${Math.round(offeredPerS)}/s for ${run.seconds.toFixed(1)} s, max lag ${maxLag.toFixed(2)} s, ` +
          `stored ${drainS === null ? 'late' : `+${drainS.toFixed(2)} s`} after the step: ${ok ? 'OK' : 'FAIL'} (${why}); ` +
          `cpu % ${JSON.stringify(cpuUse)}`,
      );
      return {
        target: rate,
        offeredPerS,
        seconds: run.seconds,
        issued: run.issued,
        skipped,
        maxLagS: maxLag,
        drainS,
        ok,
        why,
        wallStart,
        wallEnd,
        histBefore,
        histAfter,
        cpu: cpuUse,
      };
    };

    // Warm-up (not a step): JIT, pool connections, first chunk; its fixes count for loss too.
    await runStep(Math.min(200, startRate), 3);

    const steps: StepResult[] = [];
    let good: StepResult | undefined;
    let bad: StepResult | undefined;
    let rate = startRate;
    const round = (r: number) => (r >= 1000 ? Math.round(r / 100) * 100 : Math.round(r / 10) * 10);
    for (;;) {
      const r = await runStep(rate, stepSeconds);
      steps.push(r);
      if (r.ok) {
        good = r;
        const nextRate = round(linearStep ? rate + linearStep : rate * factor);
        if (nextRate > maxRate) break;
        rate = nextRate;
      } else {
        bad = r;
        if (good || steps.length >= 4) break;
        rate = round(rate / 2); // the first step failed: go down
      }
      if (r.why.includes('not drained')) break;
    }
    for (let i = 0; i < refine && good && bad; i++) {
      const mid = round((good.target + bad.target) / 2);
      if (mid <= good.target || mid >= bad.target) break;
      const r = await runStep(mid, stepSeconds);
      steps.push(r);
      if (r.ok && r.offeredPerS > good.offeredPerS) good = r;
      else if (!r.ok) bad = r;
    }

    // ---- 4. accounting
    await drain(120);
    await pool.settle(10_000);
    pool.tracking = false;
    await probe.poll();
    const refusals = promSum(probe.samples, 'em_refusals_total');
    const refusalsByReason: Record<string, number> = {};
    for (const s of probe.samples) {
      if (s.name === 'em_refusals_total' && s.value > 0) {
        const reason = s.labels.reason ?? '?';
        refusalsByReason[reason] = (refusalsByReason[reason] ?? 0) + s.value;
      }
    }
    const exitCode = await stopProcess(proc);
    log(`service stopped (exit ${exitCode})`);
    if (exitCode !== 0) notes.push(`service exited with ${exitCode} on SIGTERM`);

    const db = new pg.Client({ connectionString: databaseUrl });
    await db.connect();
    let lost = 0;
    let duplicated = 0;
    let storedRows = 0;
    let ackedTotal = 0;
    let storedUnacked = 0;
    let lagP50: number | null = null;
    let lagP99: number | null = null;
    try {
      const rows = await db.query<{ device_id: string; seq: string; n: number }>(
        'select device_id, seq, count(*)::int as n from fixes group by device_id, seq',
      );
      const byDevice = new Map<string, Map<number, number>>();
      for (const r of rows.rows) {
        let m = byDevice.get(r.device_id);
        if (!m) {
          m = new Map();
          byDevice.set(r.device_id, m);
        }
        m.set(Number(r.seq), r.n);
        storedRows += r.n;
        duplicated += r.n - 1;
      }
      for (const d of pool.devices) {
        const m = byDevice.get(d.account.id) ?? new Map<number, number>();
        const acked = new Set(d.acked);
        ackedTotal += acked.size;
        for (const s of acked) if (!m.has(s)) lost++;
        for (const s of m.keys()) if (!acked.has(s)) storedUnacked++;
      }
      if (good) {
        const q = await db.query<{ p50: number | null; p99: number | null }>(
          `select percentile_cont(0.5) within group (order by extract(epoch from received_at - ts) * 1000) as p50,
                  percentile_cont(0.99) within group (order by extract(epoch from received_at - ts) * 1000) as p99
             from fixes where ts >= to_timestamp($1 / 1000.0) and ts < to_timestamp($2 / 1000.0)`,
          [good.wallStart, good.wallEnd],
        );
        lagP50 = q.rows[0]?.p50 ?? null;
        lagP99 = q.rows[0]?.p99 ?? null;
      }
    } finally {
      await db.end();
    }
    log(
      `accounting: ${ackedTotal} fixes acknowledged by the broker, ${storedRows} rows stored, lost ${lost}, ` +
        `duplicated ${duplicated}, stored but not acknowledged ${storedUnacked}, refusals ${refusals}`,
    );

    const fixesPerS = good ? good.offeredPerS : 0;
    const maxOffered = Math.max(0, ...steps.map((s) => s.offeredPerS));
    const r2 = (n: number) => Math.round(n * 100) / 100;
    const ms = (s: number | null) =>
      s === null ? null : Number.isFinite(s) ? Math.round(s * 1000) : 'over the largest bucket';
    const figures: Record<string, unknown> = {
      fixes_per_s: Math.round(fixesPerS),
      broker_qos1_relay_per_s: Math.round(relay.perS),
      broker_qos1_relay_runs_per_s: relays.map((r) => Math.round(r.perS)),
      lost,
      duplicated,
      max_offered_per_s: Math.round(maxOffered),
      first_failed_offered_per_s: bad ? Math.round(bad.offeredPerS) : null,
      p50_ms: lagP50 === null ? null : Math.round(lagP50 * 10) / 10,
      p99_ms: lagP99 === null ? null : Math.round(lagP99 * 10) / 10,
      commit_lag_p50_at_most_ms: good
        ? ms(histogramQuantileBound(good.histBefore, good.histAfter, 0.5))
        : null,
      commit_lag_p99_at_most_ms: good
        ? ms(histogramQuantileBound(good.histBefore, good.histAfter, 0.99))
        : null,
      max_lag_at_sustained_ms: good ? Math.round(good.maxLagS * 1000) : null,
      fixes_acked_by_broker: ackedTotal,
      rows_stored: storedRows,
      stored_not_acked: storedUnacked,
      refusals,
      refusals_by_reason: refusalsByReason,
      publisher_disconnects: pool.disconnects,
      broker_relay_publisher_ack_per_s: Math.round(relay.publisherAckPerS),
      provisioning_seconds: Math.round(provisionS * 10) / 10,
      cpu_pct_relay: relay.cpu,
      cpu_pct_sustained_step: good?.cpu ?? null,
    };
    notes.push(
      ...steps.map(
        (s) =>
          `step ${s.target}/s: offered ${Math.round(s.offeredPerS)}/s for ${s.seconds.toFixed(1)} s, max lag ` +
          `${s.maxLagS.toFixed(2)} s, ${s.drainS === null ? 'not stored within grace' : `all stored +${s.drainS.toFixed(2)} s after`}: ` +
          `${s.ok ? 'kept up' : `FAILED (${s.why})`}`,
      ),
      'p50_ms/p99_ms: received_at - ts (publish to the service reading it off the broker) of the rows of the ' +
        'sustained step, exact per row; commit_lag_*_at_most_ms: upper bound (bucket edge) of commit time - ts ' +
        'from the service histogram em_ingest_lag_seconds (edges 50, 100, 500, 1000, 5000 ms...); ' +
        'max_lag_at_sustained_ms: largest age of the oldest offered-but-unstored fix seen in that step',
      'stored count polled from em_fixes_accepted_total every 200 ms; lag = age of the oldest offered fix not yet ' +
        'stored (counted in offer order)',
      'one 2-core box: the broker, the service, PostgreSQL/TimescaleDB and the bench publishers share it; the ' +
        'relay subscriber and the service each run in their own process',
    );
    if (lost > 0) notes.push(`LOSS: ${lost} fixes acknowledged by the broker were never stored`);
    if (duplicated > 0) notes.push(`DUPLICATES: ${duplicated} rows beyond one per (device, seq)`);
    if (!good) notes.push('no step kept up: fixes_per_s is 0');
    if (good && !bad) notes.push('no step failed before --max-rate: fixes_per_s is a lower bound');
    const ratios: Record<string, number> = {};
    if (relay.perS > 0) ratios.vs_broker = r2(fixesPerS / relay.perS);
    return { config, figures, ratios, notes };
  } finally {
    await cleanup.run();
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }
}
