// `npm run bench -- latency [--alerts 300] [--alert-rate 6] [--background-devices 200]
//                          [--background-rate 200] [--timeout-s 10] [--warm-s 10]
//                          [--embedded true|false] [--embedded-alerts <alerts>]
//                          [--provision-concurrency 8]`
//
// Fix received → alert on a console (issue 5): the time from a device's PUBLISH of the fix that
// triggers an alert to the arrival of the matching `incident` message (action `opened`, kind
// `prohibition_entry`, that supervisee) on a console connected to `/live` as the seeded admin. The
// device, the broker, the service and the console all run on this machine, so one clock measures
// both ends (performance.now() in this process: the devices and the console live here, the service
// and broker are processes of their own).
//
// Twice, each with a setup of its own that is removed before the next:
//  real      a REAL Mosquitto (started here, authentication + dynamic security, persistence on) and a
//            fresh TimescaleDB database (BENCH_TIMESCALEDB_URL, default 127.0.0.1:5433; PostgreSQL at
//            BENCH_POSTGRES_URL, default 5432, if that is unreachable), dropped afterwards;
//            figures `p50_ms`, `p99_ms`, ...
//  embedded  no MQTT_URL and no DATABASE_URL: the service's in-process broker and embedded
//            PostgreSQL (PGlite) in a data directory of its own; figures `p50_ms_embedded`, ...
// In each:
//  1. Provisioning (untimed), by an in-process service on the same database and broker, then
//     stopped: `alerts` supervisees with an ankle monitor and an EM order, all assigned one shared
//     prohibition zone (a 600 m square 10 km north of the centre), plus `background-devices`
//     supervisees whose homes are within ~5 km of the centre, and the county boundary.
//  2. The service is spawned as its own process (`node --import tsx src/main.ts`, as in production).
//     The console logs in (POST /api/v1/auth/login) and connects; every device connects to the broker.
//  3. Light load: the background devices publish compliant QoS 1 fixes at `background-rate` in total
//     (open loop, round-robin, 1/s per device by default; below the per-device flood guard) for the
//     whole measurement. Each alerting device first sends one compliant fix 300 m outside the zone
//     (its person state is warm, as for a device that has been reporting), then, `warm-s` later at
//     the earliest (a plausible speed for the outlier filter), the alerts: `alert-rate` per second
//     with ±50% jitter, each ONE GNSS fix (acc 5 m) ≥ 200 m deep inside the zone, so a single fix
//     opens a critical `prohibition_entry` at once (PROHIBITION_SINGLE_FIX_DEPTH_M, 4.5 σ). Each
//     person alerts once.
//  4. Latency per alert = console arrival − device publish. `missed` = alerts not on the console
//     within `timeout-s` of their publish (must be 0). Also reported: broker PUBACK time of the
//     trigger fixes (device → broker → device, the part of the path before the service), CPU use of
//     the service (and broker) over the measurement, other incident messages seen, and the service's
//     refusal counters when any.
// The load average of the machine at the start and end goes into `config.load_average` (the machine
// is shared: absolute milliseconds move with its load). Every broker, process, directory and database
// is removed at the end, also on failure or SIGINT/SIGTERM. Loopback only.
import { mkdtempSync, rmSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createZone } from '../src/admin/zones.js';
import { type MosquittoInstance, mosquittoInstalled, startMosquitto } from '../test/support/mosquitto.js';
import { freePort } from '../test/support/ports.js';
import {
  ADMIN_PASSWORD,
  ensureCounty,
  monitoredPerson,
  squareAround,
  startTestService,
  ZIYANG,
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
import { type LiveConsole, type LiveIncident, loginToken, openLiveConsole } from './lib/latency-console.js';
import { type AlertDevice, connectAlertDevices, type Published } from './lib/latency-devices.js';
import { CpuMeter, childPids, parseProm, promSum } from './lib/proc.js';

const log = benchLog('latency');

const M_PER_DEG_LAT = 111_320;
/** The shared prohibition zone: a square of half-side ZONE_HALF_M, 10 km north of the centre. */
const ZONE = { lat: ZIYANG.lat + 10_000 / M_PER_DEG_LAT, lon: ZIYANG.lon };
const ZONE_HALF_M = 300;
/** Warm-up fix: 600 m south of the zone's centre, 300 m outside it. */
const WARM = { lat: ZONE.lat - 600 / M_PER_DEG_LAT, lon: ZONE.lon };
const M_PER_DEG_LON = M_PER_DEG_LAT * Math.cos((ZONE.lat * Math.PI) / 180);
const TRIGGER_ACC_M = 5;

interface ModeOptions {
  mode: 'real' | 'embedded';
  alerts: number;
  alertRate: number;
  backgroundDevices: number;
  backgroundRate: number;
  timeoutS: number;
  warmS: number;
  provisionConcurrency: number;
}

interface ModeResult {
  latencies: number[];
  missed: number;
  pubacks: number[];
  storageMode: string;
  database: string;
  broker: string;
  backgroundOfferedPerS: number;
  backgroundSkipped: number;
  alertSeconds: number;
  otherIncidentMessages: number;
  cpu: Record<string, number | null>;
  /** This process's event-loop delay during the alerts (p99, max; ms): the bench's own share. */
  benchLoopDelayMs: { p99: number; max: number };
  /** The slowest alerts: seconds after the first alert, latency. */
  slowest: Array<{ atS: number; ms: number }>;
  refusals: Record<string, number>;
  notes: string[];
}

async function scrapeRefusals(httpUrl: string): Promise<Record<string, number>> {
  const res = await fetch(`${httpUrl}/metrics`);
  if (!res.ok) return {};
  const out: Record<string, number> = {};
  const samples = parseProm(await res.text());
  for (const s of samples) {
    if (s.name === 'em_refusals_total' && s.value > 0) {
      const reason = s.labels.reason ?? '?';
      out[reason] = (out[reason] ?? 0) + s.value;
    }
  }
  if (promSum(samples, 'em_refusals_total') === 0) return {};
  return out;
}

/** Provisions, spawns the service and measures one setup (see the header). */
async function runMode(o: ModeOptions, cleanup: Cleanup): Promise<ModeResult> {
  const notes: string[] = [];
  const tag = o.mode;
  let serviceEnv: Record<string, string>;
  let database: string;
  let broker: string;
  let mosquittoPid: number | undefined;
  const dataDir = mkdtempSync(join(tmpdir(), `em-bench-latency-${tag}-`));
  cleanup.add(`${tag} data dir`, async () => rmSync(dataDir, { recursive: true, force: true }));

  if (o.mode === 'real') {
    if (!mosquittoInstalled())
      throw new Error('Mosquitto 2 with the dynamic-security plugin is not installed');
    const { adminUrl, target } = await benchDatabaseServer(log, notes);
    const dbName = `em_bench_latency_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
    await adminQuery(adminUrl, `create database ${dbName}`);
    cleanup.add('drop database', async () => {
      await adminQuery(adminUrl, `drop database if exists ${dbName} with (force)`);
      log(`database ${dbName} dropped`);
    });
    const dbUrl = new URL(adminUrl);
    dbUrl.pathname = `/${dbName}`;
    const mosq: MosquittoInstance = await startMosquitto();
    cleanup.add('mosquitto', () => mosq.stop());
    mosquittoPid = childPids(mosq.dir)[0];
    database = `${target} ${dbUrl.host}`;
    broker = 'mosquitto (real), dynamic security, persistence on, loopback';
    log(`[${tag}] database ${database}/${dbName}; mosquitto on ${mosq.url} (pid ${mosquittoPid})`);
    serviceEnv = {
      DATABASE_URL: dbUrl.toString(),
      MQTT_URL: mosq.url,
      MQTT_ADMIN_USERNAME: mosq.adminUsername,
      MQTT_ADMIN_PASSWORD: mosq.adminPassword,
      MQTT_USERNAME: 'em-ingest',
      MQTT_PASSWORD: `svc-${Math.random().toString(36).slice(2)}${Math.random().toString(36).slice(2)}`,
      MQTT_CLIENT_ID: 'em-ingest-1',
    };
  } else {
    // Empty values override anything inherited from the environment: embedded broker and database.
    serviceEnv = { DATABASE_URL: '', MQTT_URL: '', DATA_DIR: dataDir };
    database = 'embedded (PGlite, in the service process)';
    broker = 'embedded (in the service process), loopback';
  }

  // ---- 1. provisioning, in process
  const p0 = performance.now();
  const alerting: Array<{ personId: string; account: DeviceAccount }> = [];
  const background: DeviceAccount[] = [];
  let storageMode = 'unknown';
  {
    const svc = await startTestService(serviceEnv);
    let stopped = false;
    cleanup.add(`${tag} provisioning service`, async () => {
      if (!stopped) await svc.cleanup();
    });
    try {
      await ensureCounty(svc);
      const total = o.alerts + o.backgroundDevices;
      let next = 0;
      let done = 0;
      const worker = async () => {
        for (let i = next++; i < total; i = next++) {
          const person = await monitoredPerson(svc);
          if (i < o.alerts) alerting[i] = { personId: person.personId, account: person.ankle };
          else background[i - o.alerts] = person.ankle;
          if (++done % 100 === 0) log(`[${tag}] provisioned ${done}/${total} supervisees`);
        }
      };
      await Promise.all(Array.from({ length: o.provisionConcurrency }, worker));
      await createZone(svc.admin, {
        kind: 'prohibition',
        orgUnitId: 'lianhua',
        name: 'bench prohibition zone',
        geometry: squareAround(ZONE.lat, ZONE.lon, ZONE_HALF_M),
        assignTo: alerting.map((a) => a.personId),
      });
      storageMode = svc.db.mode;
    } finally {
      stopped = true;
      await svc.cleanup();
    }
  }
  log(
    `[${tag}] provisioned ${o.alerts} alerting + ${o.backgroundDevices} background supervisees in ` +
      `${((performance.now() - p0) / 1000).toFixed(1)} s (storage ${storageMode})`,
  );

  // ---- 2. the service as its own process, the console, the devices
  const [httpPort, osmandPort, mqttPort] = [await freePort(), await freePort(), await freePort()];
  let proc: ServiceProcess;
  try {
    proc = await spawnService(
      {
        ...serviceEnv,
        DATA_DIR: dataDir,
        OSMAND_PORT: String(osmandPort),
        MQTT_LISTEN_PORT: String(mqttPort),
        REDIS_URL: '',
        STORAGE_MODE: 'auto',
        LOG_LEVEL: 'warn',
        ADMIN_INITIAL_PASSWORD: ADMIN_PASSWORD,
      },
      httpPort,
    );
  } catch (err) {
    // spawnService keeps no handle when start-up times out: end our own child by its pid.
    for (const pid of childPids('src/main.ts')) process.kill(pid, 'SIGKILL');
    throw err;
  }
  const killService = () => proc.child.kill('SIGKILL');
  process.once('exit', killService);
  cleanup.add(`${tag} service process`, async () => {
    const code = await stopProcess(proc);
    process.removeListener('exit', killService);
    log(`[${tag}] service stopped (exit ${code})`);
  });
  const mqttUrl = o.mode === 'real' ? serviceEnv.MQTT_URL! : `mqtt://127.0.0.1:${mqttPort}`;
  log(`[${tag}] service process ${proc.child.pid} ready at ${proc.httpUrl}; devices on ${mqttUrl}`);

  const sent = new Map<string, Published>();
  const arrived = new Map<string, number>();
  let otherIncidentMessages = 0;
  let consoleClosed: string | undefined;
  const onIncident = (msg: LiveIncident, at: number) => {
    const person = msg.incident.supervisee_id;
    if (
      msg.action === 'opened' &&
      msg.incident.kind === 'prohibition_entry' &&
      person !== undefined &&
      sent.has(person) &&
      !arrived.has(person)
    ) {
      arrived.set(person, at);
    } else otherIncidentMessages++;
  };
  const token = await loginToken(proc.httpUrl, 'admin', ADMIN_PASSWORD);
  const console_: LiveConsole = await openLiveConsole(proc.httpUrl, token, onIncident, (code, reason) => {
    consoleClosed = `${code} ${reason}`;
    log(`[${tag}] console closed by the server: ${consoleClosed}`);
  });
  cleanup.add(`${tag} console`, () => console_.close());

  const devices: AlertDevice[] = await connectAlertDevices(mqttUrl, alerting);
  cleanup.add(`${tag} alerting devices`, () => Promise.all(devices.map((d) => d.close())));
  const pool = await PublisherPool.connect(mqttUrl, background);
  cleanup.add(`${tag} background devices`, () => pool.close());
  log(
    `[${tag}] console on /live as admin; ${devices.length} alerting + ${background.length} background devices connected`,
  );

  // ---- 3. light load: background fixes for the whole measurement
  let stopBackground = false;
  const bgIssued0 = pool.counters.issued;
  const bgSkipped0 = pool.counters.skipped;
  const bgStart = performance.now();
  const bg = pool.openLoop(
    o.backgroundRate,
    24 * 3600,
    Math.max(100, o.backgroundRate * 3),
    () => stopBackground,
  );
  cleanup.add(`${tag} background load`, async () => {
    stopBackground = true;
    await bg;
  });

  // Warm-up fixes, spread over one second, outside the zone.
  const warmAcks: Array<Promise<number | null>> = [];
  for (let i = 0; i < devices.length; i++) {
    warmAcks.push(devices[i]!.publish(WARM.lat, WARM.lon, 8).acked);
    if (i % Math.max(1, Math.ceil(devices.length / 20)) === 0) await sleep(50);
  }
  const warmFailed = (await Promise.all(warmAcks)).filter((t) => t === null).length;
  if (warmFailed > 0) notes.push(`${tag}: ${warmFailed} warm-up fixes not acknowledged by the broker`);
  const warmDone = performance.now();
  log(`[${tag}] warm-up fixes acknowledged; alerts begin in ${o.warmS} s`);
  await sleep(Math.max(0, o.warmS * 1000 - (performance.now() - warmDone)));
  const otherBefore = otherIncidentMessages;

  // ---- the alerts
  const cpu = new CpuMeter({ service: proc.child.pid, mosquitto: mosquittoPid, bench: process.pid });
  const loopDelay = monitorEventLoopDelay({ resolution: 5 });
  loopDelay.enable();
  const a0 = performance.now();
  const gap = 1000 / o.alertRate;
  const pubacks: Array<Promise<number | null>> = [];
  let due = a0;
  let lastLog = a0;
  for (let i = 0; i < devices.length; i++) {
    due += gap * (0.5 + Math.random());
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    const d = devices[i]!;
    // Somewhere within 100 m of the centre: ≥ 200 m deep.
    const lat = ZONE.lat + ((Math.random() - 0.5) * 200) / M_PER_DEG_LAT;
    const lon = ZONE.lon + ((Math.random() - 0.5) * 200) / M_PER_DEG_LON;
    const p = d.publish(lat, lon, TRIGGER_ACC_M);
    sent.set(d.personId, p);
    pubacks.push(p.acked.then((t) => (t === null ? null : t - p.sentAt)));
    if (performance.now() - lastLog > 5000) {
      lastLog = performance.now();
      log(`[${tag}] ${i + 1}/${devices.length} alerts sent, ${arrived.size} on the console`);
    }
  }
  const alertSeconds = (performance.now() - a0) / 1000;
  const lastSent = performance.now();
  // Everything on the console, or timeout-s after the last alert.
  while (arrived.size < sent.size && performance.now() - lastSent < o.timeoutS * 1000) await sleep(20);
  const cpuUse = cpu.read();
  loopDelay.disable();
  stopBackground = true;
  await bg;
  const bgSeconds = (performance.now() - bgStart) / 1000;
  const bgOffered = pool.counters.issued - bgIssued0;
  const refusals: Record<string, number> = await scrapeRefusals(proc.httpUrl).catch(() => ({}));
  if (arrived.size < sent.size || Object.keys(refusals).some((r) => r.includes('error'))) {
    const tail = proc.output().trim().split('\n').slice(-20).join('\n');
    log(`[${tag}] alerts missing or rules errors; the service's last output:\n${tail}`);
    const firstError = proc
      .output()
      .split('\n')
      .find((line) => /error/i.test(line));
    if (firstError) notes.push(`${tag}: service output: ${firstError.slice(0, 500)}`);
  }
  if (consoleClosed) notes.push(`${tag}: the console was closed by the server (${consoleClosed})`);

  const latencies: number[] = [];
  const timed: Array<{ atS: number; ms: number }> = [];
  let missed = 0;
  for (const [person, p] of sent) {
    const at = arrived.get(person);
    if (at === undefined || at - p.sentAt > o.timeoutS * 1000) missed++;
    else {
      latencies.push(at - p.sentAt);
      timed.push({ atS: Math.round((p.sentAt - a0) / 100) / 10, ms: Math.round((at - p.sentAt) * 10) / 10 });
    }
  }
  latencies.sort((x, y) => x - y);
  const slowest = timed.sort((x, y) => y.ms - x.ms).slice(0, 5);
  const pubackMs = (await Promise.all(pubacks)).filter((v): v is number => v !== null).sort((x, y) => x - y);
  log(
    `[${tag}] ${sent.size} alerts in ${alertSeconds.toFixed(1)} s: ${latencies.length} on the console, ` +
      `${missed} missed; p50 ${pct(latencies, 0.5)?.toFixed(1)} ms, p99 ${pct(latencies, 0.99)?.toFixed(1)} ms; ` +
      `background ${Math.round(bgOffered / bgSeconds)}/s; cpu % ${JSON.stringify(cpuUse)}; ` +
      `bench event-loop delay max ${(loopDelay.max / 1e6).toFixed(1)} ms`,
  );
  await cleanup.run();
  return {
    latencies,
    missed,
    pubacks: pubackMs,
    storageMode,
    database,
    broker,
    backgroundOfferedPerS: bgOffered / bgSeconds,
    backgroundSkipped: pool.counters.skipped - bgSkipped0,
    alertSeconds,
    otherIncidentMessages: otherIncidentMessages - otherBefore,
    cpu: cpuUse,
    benchLoopDelayMs: {
      p99: Math.round(loopDelay.percentile(99) / 1e5) / 10,
      max: Math.round(loopDelay.max / 1e5) / 10,
    },
    slowest,
    refusals,
    notes,
  };
}

/** Nearest-rank quantile of sorted values; null when there are none. */
function pct(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

const r1 = (v: number | null) => (v === null ? null : Math.round(v * 10) / 10);
const loadAverage = () => os.loadavg().map((v) => Math.round(v * 100) / 100);

export default async function latency(args: Record<string, string>): Promise<BenchResult> {
  const alerts = numArg(args, 'alerts', 300);
  const alertRate = numArg(args, 'alert-rate', 6, false);
  const backgroundDevices = numArg(args, 'background-devices', 200);
  const backgroundRate = numArg(args, 'background-rate', 200, false);
  const timeoutS = numArg(args, 'timeout-s', 10, false);
  const warmS = numArg(args, 'warm-s', 10, false);
  const provisionConcurrency = numArg(args, 'provision-concurrency', 8);
  const embedded = (args.embedded ?? 'true') !== 'false';
  const embeddedAlerts = numArg(args, 'embedded-alerts', alerts);
  if (warmS < 600 / 70 + 0.5)
    throw new Error('--warm-s must leave the outlier filter a plausible speed (≥ 9 s)');
  if (backgroundRate / backgroundDevices > 1.5) {
    throw new Error(
      '--background-rate: at most 1.5 fixes/s per background device (the flood guard allows 2/s)',
    );
  }

  const loadStart = loadAverage();
  const cleanup = new Cleanup(log);
  const onSignal = (signal: NodeJS.Signals) => {
    log(`${signal}: cleaning up`);
    void cleanup.run().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const common = { alertRate, backgroundDevices, backgroundRate, timeoutS, warmS, provisionConcurrency };
  let real: ModeResult;
  let emb: ModeResult | undefined;
  try {
    real = await runMode({ mode: 'real', alerts, ...common }, cleanup);
    if (embedded) emb = await runMode({ mode: 'embedded', alerts: embeddedAlerts, ...common }, cleanup);
  } finally {
    await cleanup.run();
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }
  const loadEnd = loadAverage();

  const figures: Record<string, unknown> = {
    p50_ms: r1(pct(real.latencies, 0.5)),
    p90_ms: r1(pct(real.latencies, 0.9)),
    p99_ms: r1(pct(real.latencies, 0.99)),
    max_ms: r1(real.latencies.at(-1) ?? null),
    min_ms: r1(real.latencies[0] ?? null),
    samples: real.latencies.length,
    missed: real.missed,
    puback_p50_ms: r1(pct(real.pubacks, 0.5)),
    puback_p99_ms: r1(pct(real.pubacks, 0.99)),
    background_fixes_per_s: Math.round(real.backgroundOfferedPerS),
    other_incident_messages: real.otherIncidentMessages,
    cpu_percent: real.cpu,
    bench_event_loop_delay_p99_ms: real.benchLoopDelayMs.p99,
    bench_event_loop_delay_max_ms: real.benchLoopDelayMs.max,
  };
  if (emb) {
    Object.assign(figures, {
      p50_ms_embedded: r1(pct(emb.latencies, 0.5)),
      p90_ms_embedded: r1(pct(emb.latencies, 0.9)),
      p99_ms_embedded: r1(pct(emb.latencies, 0.99)),
      max_ms_embedded: r1(emb.latencies.at(-1) ?? null),
      min_ms_embedded: r1(emb.latencies[0] ?? null),
      samples_embedded: emb.latencies.length,
      missed_embedded: emb.missed,
      puback_p50_ms_embedded: r1(pct(emb.pubacks, 0.5)),
      background_fixes_per_s_embedded: Math.round(emb.backgroundOfferedPerS),
      other_incident_messages_embedded: emb.otherIncidentMessages,
      cpu_percent_embedded: emb.cpu,
      bench_event_loop_delay_max_ms_embedded: emb.benchLoopDelayMs.max,
    });
  }
  const notes = [...real.notes, ...(emb?.notes ?? [])];
  const slow = (r: ModeResult) => r.slowest.map((x) => `${x.ms} ms at +${x.atS} s`).join(', ');
  notes.push(`real: slowest alerts (time after the first alert): ${slow(real)}`);
  if (emb) notes.push(`embedded: slowest alerts: ${slow(emb)}`);
  if (Object.keys(real.refusals).length)
    notes.push(`real: service refusals ${JSON.stringify(real.refusals)}`);
  if (emb && Object.keys(emb.refusals).length) {
    notes.push(`embedded: service refusals ${JSON.stringify(emb.refusals)}`);
  }
  const p99 = pct(real.latencies, 0.99);
  notes.push(
    `target p99 < 50 ms: ${p99 === null ? 'no samples' : p99 < 50 ? 'met' : 'NOT met'} (${r1(p99)} ms, real broker and database)`,
  );
  if (real.missed > 0 || (emb?.missed ?? 0) > 0) notes.push('alerts missed: see `missed` (must be 0)');
  if (real.backgroundSkipped > 0)
    notes.push(`real: ${real.backgroundSkipped} background fixes skipped (broker backlog)`);

  const ratios: Record<string, number> = {};
  const pe = emb ? pct(emb.latencies, 0.99) : null;
  if (p99 !== null && pe !== null && pe > 0) ratios.p99_vs_embedded = Math.round((p99 / pe) * 100) / 100;

  return {
    config: {
      alerts,
      ...(emb ? { alerts_embedded: embeddedAlerts } : {}),
      alert_rate_per_s: alertRate,
      alert_seconds: Math.round(real.alertSeconds * 10) / 10,
      background_devices: backgroundDevices,
      background_rate_per_s: backgroundRate,
      timeout_s: timeoutS,
      warm_s: warmS,
      trigger: `one GNSS fix (acc ${TRIGGER_ACC_M} m) ≥ 200 m inside a prohibition zone assigned to the person; one alert per person`,
      measured: 'device PUBLISH (QoS 1) → `incident` opened (prohibition_entry) on a /live console as admin',
      broker: real.broker,
      database: real.database,
      storage_mode: real.storageMode,
      service: 'own process (node --import tsx src/main.ts)',
      ...(emb
        ? {
            broker_embedded: emb.broker,
            database_embedded: emb.database,
            storage_mode_embedded: emb.storageMode,
          }
        : {}),
      load_average: { start: loadStart, end: loadEnd },
    },
    figures,
    ratios,
    notes,
  };
}
