// `npm run soak -- --hours N [--devices 1500] [--rate 1/min] [--sample-s 60] [--seed soak-1]`
//
// Issue 10 item 3: the simulated fleet at a steady rate for hours against the production shape of the
// service, sampled over time. Set-up (all on loopback, all removed at the end, also on SIGINT/SIGTERM):
//  - a REAL Mosquitto started here (authentication + dynamic security, persistence on);
//  - a fresh database on TimescaleDB (BENCH_TIMESCALEDB_URL, default 127.0.0.1:5433), else PostgreSQL;
//  - the service as its own process (`node --import tsx src/main.ts`), as in production;
//  - the device simulator CLI (`simulators/cli.ts`) as its own process: it provisions people, devices,
//    orders and zones through the REST API, then plays the seeded scenario mix in real time over
//    MQTT (and OsmAnd HTTP for phones) for the whole run;
//  - one console on `/live` as the seeded admin, counting the incident messages it receives.
// Every `sample-s` the service's /metrics (resident memory, heap, event-loop delay p99 over the interval,
// fixes accepted, ingest-lag histogram, pipeline queue depth, refusals), its CPU time, the broker's memory
// and the database's size are read. Each sample is appended to the result, which is rewritten after every
// sample (`bench/results/soak-running.json`) so an interrupted soak still leaves its data; at the end the
// run writes the usual result files (bench/run.ts) and a chart `bench/results/soak-<start>.svg`
// (+ soak-latest.svg): memory, event-loop delay, ingest lag, throughput and database size over time.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { type MosquittoInstance, mosquittoInstalled, startMosquitto } from '../test/support/mosquitto.js';
import { freePort } from '../test/support/ports.js';
import { ADMIN_PASSWORD } from '../test/support/service.js';
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
import { type LiveConsole, loginToken, openLiveConsole } from './lib/latency-console.js';
import { CpuMeter, childPids, histogramQuantileBound, parseProm, promBuckets, promSum } from './lib/proc.js';
import { timeSeriesSvg } from './lib/time-series-chart.js';

const log = benchLog('soak');
const here = dirname(fileURLToPath(import.meta.url));
const RESULTS = join(here, 'results');

type Sample = {
  /** Minutes since the fleet started playing. */
  t_min: number;
  rss_bytes: number | null;
  heap_used_bytes: number | null;
  event_loop_delay_p99_ms: number | null;
  /** Upper bound of the 99th percentile of ingest lag (commit − fix time) over the interval. */
  ingest_lag_p99_s: number | null;
  ingest_lag_p50_s: number | null;
  fixes_accepted_per_s: number | null;
  fixes_accepted_total: number | null;
  queue_depth: number | null;
  refusals_total: number | null;
  service_cpu_pct: number | null;
  broker_rss_bytes: number | null;
  database_bytes: number | null;
  simulator_sent: number;
  simulator_failed: number;
  console_incident_messages: number;
};

function vmRssBytes(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/** The simulator CLI as its own process; its progress lines carry the running totals. */
function startSimulator(args: string[]): {
  child: ChildProcess;
  sent(): number;
  failed(): number;
  tail(): string;
} {
  const child = spawn(process.execPath, ['--import', 'tsx', 'simulators/cli.ts', ...args], {
    env: { ...process.env, SIM_ADMIN_PASSWORD: ADMIN_PASSWORD },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const reap = () => child.kill('SIGKILL');
  process.once('exit', reap);
  child.once('exit', () => process.off('exit', reap));
  let sent = 0;
  let failed = 0;
  let tail = '';
  const onData = (d: Buffer) => {
    const text = d.toString();
    tail = (tail + text).slice(-4000);
    for (const m of text.matchAll(/(\d+) sent \([^)]*\), (\d+) failed/g)) {
      sent = Number(m[1]);
      failed = Number(m[2]);
    }
    for (const line of text.split('\n'))
      if (/provision|connected|playing|Error|error/.test(line)) log(`sim: ${line.trim()}`);
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  return { child, sent: () => sent, failed: () => failed, tail: () => tail };
}

export default async function soak(args: Record<string, string>): Promise<BenchResult> {
  const hours = numArg(args, 'hours', 2, false);
  const devices = numArg(args, 'devices', 1500);
  const rate = args.rate ?? '1/min';
  const sampleS = numArg(args, 'sample-s', 60);
  const seed = args.seed ?? 'soak-1';
  if (!mosquittoInstalled()) throw new Error('Mosquitto 2 with the dynamic-security plugin is not installed');

  const notes: string[] = [];
  const cleanup = new Cleanup(log);
  const onSignal = () => {
    log('signal: cleaning up');
    void cleanup.run().then(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const startedAt = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  try {
    const { adminUrl, target } = await benchDatabaseServer(log, notes);
    const dbName = `em_soak_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
    await adminQuery(adminUrl, `create database ${dbName}`);
    cleanup.add('drop database', () =>
      adminQuery(adminUrl, `drop database if exists ${dbName} with (force)`),
    );
    const dbUrl = new URL(adminUrl);
    dbUrl.pathname = `/${dbName}`;
    const mosq: MosquittoInstance = await startMosquitto();
    cleanup.add('mosquitto', () => mosq.stop());
    const brokerPid = childPids(mosq.dir)[0];
    const dataDir = mkdtempSync(join(tmpdir(), 'em-soak-'));
    cleanup.add('data dir', async () => rmSync(dataDir, { recursive: true, force: true }));
    const [httpPort, osmandPort] = [await freePort(), await freePort()];
    const proc: ServiceProcess = await spawnService(
      {
        DATABASE_URL: dbUrl.toString(),
        MQTT_URL: mosq.url,
        MQTT_ADMIN_USERNAME: mosq.adminUsername,
        MQTT_ADMIN_PASSWORD: mosq.adminPassword,
        MQTT_USERNAME: 'em-ingest',
        MQTT_PASSWORD: `svc-${Math.random().toString(36).slice(2)}${Math.random().toString(36).slice(2)}`,
        MQTT_CLIENT_ID: 'em-ingest-soak',
        DATA_DIR: dataDir,
        OSMAND_PORT: String(osmandPort),
        REDIS_URL: '',
        LOG_LEVEL: 'warn',
        ADMIN_INITIAL_PASSWORD: ADMIN_PASSWORD,
      },
      httpPort,
    );
    cleanup.add('service', () => stopProcess(proc));
    const servicePid = proc.child.pid;
    log(`service ${servicePid} at ${proc.httpUrl}; ${target} ${dbUrl.host}/${dbName}; mosquitto ${mosq.url}`);

    let consoleMessages = 0;
    let consoleClosed: string | null = null;
    const token = await loginToken(proc.httpUrl, 'admin', ADMIN_PASSWORD);
    const live: LiveConsole = await openLiveConsole(
      proc.httpUrl,
      token,
      () => {
        consoleMessages++;
      },
      (code, reason) => {
        consoleClosed = `${code} ${reason}`;
      },
    );
    cleanup.add('console', () => live.close());

    const minutes = Math.ceil(hours * 60);
    const sim = startSimulator([
      ...['--devices', String(devices), '--rate', rate, '--minutes', String(minutes), '--seed', seed],
      ...['--url', proc.httpUrl, '--mqtt', mosq.url, '--osmand', `http://127.0.0.1:${osmandPort}`],
      ...['--concurrency', '4'],
    ]);
    cleanup.add('simulator', async () => {
      if (sim.child.exitCode === null) sim.child.kill('SIGINT');
    });
    // The clock of the soak starts when the fleet plays (after provisioning).
    while (sim.sent() === 0) {
      if (sim.child.exitCode !== null) throw new Error(`simulator exited before playing:\n${sim.tail()}`);
      await sleep(1000);
    }
    const t0 = performance.now();
    log(`fleet playing; sampling every ${sampleS} s for ${hours} h`);

    const db = new pg.Client({ connectionString: dbUrl.toString() });
    await db.connect();
    cleanup.add('database client', () => db.end());
    const samples: Sample[] = [];
    const cpu = new CpuMeter({ service: servicePid });
    let lastAccepted: number | null = null;
    let lastLag = new Map<number, number>();
    let lastAt = performance.now();
    const config = {
      hours,
      devices,
      rate,
      sample_s: sampleS,
      seed,
      database: target,
      broker: 'mosquitto (real)',
    };
    const deadline = t0 + hours * 3_600_000;
    while (performance.now() < deadline) {
      await sleep(Math.min(sampleS * 1000, Math.max(0, deadline - performance.now())));
      const now = performance.now();
      const metrics = await fetch(`${proc.httpUrl}/metrics`)
        .then((r) => r.text())
        .then(parseProm)
        .catch(() => null);
      const size = await db
        .query<{ n: string }>('select pg_database_size(current_database()) as n')
        .then((r) => Number(r.rows[0]?.n))
        .catch(() => null);
      const one = (name: string) => (metrics ? promSum(metrics, name) : null);
      const accepted = one('em_fixes_accepted_total');
      const lag = metrics ? promBuckets(metrics, 'em_ingest_lag_seconds') : new Map<number, number>();
      const cpuNow = cpu.read();
      cpu.reset();
      const sample: Sample = {
        t_min: Math.round(((now - t0) / 60_000) * 10) / 10,
        rss_bytes: one('process_resident_memory_bytes'),
        heap_used_bytes: one('nodejs_heap_size_used_bytes'),
        event_loop_delay_p99_ms: metrics
          ? round(promSum(metrics, 'nodejs_eventloop_lag_p99_seconds') * 1000)
          : null,
        ingest_lag_p99_s: histogramQuantileBound(lastLag, lag, 0.99),
        ingest_lag_p50_s: histogramQuantileBound(lastLag, lag, 0.5),
        fixes_accepted_per_s:
          accepted !== null && lastAccepted !== null
            ? round((accepted - lastAccepted) / ((now - lastAt) / 1000))
            : null,
        fixes_accepted_total: accepted,
        queue_depth: one('em_pipeline_queue_depth'),
        refusals_total: one('em_refusals_total'),
        service_cpu_pct: cpuNow.service ?? null,
        broker_rss_bytes: vmRssBytes(brokerPid),
        database_bytes: size,
        simulator_sent: sim.sent(),
        simulator_failed: sim.failed(),
        console_incident_messages: consoleMessages,
      };
      samples.push(sample);
      lastAccepted = accepted;
      lastLag = lag;
      lastAt = now;
      log(
        `t=${sample.t_min} min rss=${mib(sample.rss_bytes)} MiB loop p99=${sample.event_loop_delay_p99_ms} ms ` +
          `lag p99≤${sample.ingest_lag_p99_s} s ${sample.fixes_accepted_per_s}/s db=${mib(sample.database_bytes)} MiB ` +
          `sent=${sample.simulator_sent} failed=${sample.simulator_failed}`,
      );
      writeFileSync(
        join(RESULTS, 'soak-running.json'),
        `${JSON.stringify({ bench: 'soak', started: startedAt, complete: false, config, samples }, null, 2)}\n`,
      );
      if (proc.child.exitCode !== null)
        throw new Error(`service exited during the soak:\n${proc.output().slice(-4000)}`);
    }

    // Let the simulator finish its last step and the pipeline drain before the totals are read.
    const simExit = new Promise<number | null>((r) =>
      sim.child.exitCode !== null ? r(sim.child.exitCode) : sim.child.once('exit', (c) => r(c)),
    );
    const simCode = await Promise.race([simExit, sleep(120_000).then(() => 'timeout' as const)]);
    if (simCode === 'timeout') notes.push('the simulator did not end within 2 min of the soak end; stopped');
    await sleep(5_000);
    const fixesStored = Number(
      (await db.query<{ n: string }>('select count(*) as n from fixes')).rows[0]?.n ?? 0,
    );
    const refusalReasons: Record<string, number> = {};
    const final = await fetch(`${proc.httpUrl}/metrics`).then(async (r) => parseProm(await r.text()));
    for (const s of final) {
      if (s.name === 'em_refusals_total' && s.value > 0) {
        const reason = s.labels.reason ?? '?';
        refusalReasons[reason] = (refusalReasons[reason] ?? 0) + s.value;
      }
    }

    const rss = samples.map((s) => s.rss_bytes ?? 0);
    const half = Math.floor(samples.length / 2);
    const maxOf = (xs: number[]) => xs.reduce((a, b) => Math.max(a, b), 0);
    const svg = await soakChartSvg(
      samples,
      `Soak: ${devices} simulated devices at ${rate}, ${hours} h, ${target}, real Mosquitto`,
    );
    writeFileSync(join(RESULTS, `soak-${startedAt.replace(/[:]/g, '')}.svg`), svg);
    writeFileSync(join(RESULTS, 'soak-latest.svg'), svg);
    rmSync(join(RESULTS, 'soak-running.json'), { force: true });
    if (consoleClosed) notes.push(`the console was closed by the server: ${consoleClosed}`);

    return {
      config: {
        ...config,
        started: startedAt,
        chart: `bench/results/soak-${startedAt.replace(/[:]/g, '')}.svg`,
      },
      figures: {
        hours_run: round((performance.now() - t0) / 3_600_000, 2),
        samples: samples.length,
        simulator_messages_sent: sim.sent(),
        simulator_messages_failed: sim.failed(),
        fixes_stored: fixesStored,
        refusals: refusalReasons,
        console_incident_messages: consoleMessages,
        rss_max_bytes: maxOf(rss),
        rss_first_half_max_bytes: maxOf(rss.slice(0, half)),
        rss_second_half_max_bytes: maxOf(rss.slice(half)),
        event_loop_delay_p99_max_ms: maxOf(samples.map((s) => s.event_loop_delay_p99_ms ?? 0)),
        queue_depth_max: maxOf(samples.map((s) => s.queue_depth ?? 0)),
        database_bytes_end: samples.at(-1)?.database_bytes ?? null,
      },
      series: samples,
      notes,
    };
  } finally {
    await cleanup.run();
  }
}

const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;
const mib = (n: number | null) => (n === null ? '?' : (n / 2 ** 20).toFixed(0));

/** The soak chart: memory, event-loop delay, ingest lag, throughput and database size over time. */
export async function soakChartSvg(samples: readonly Sample[], title: string): Promise<string> {
  const chartRows = samples.map((s) => ({
    t_h: round(s.t_min / 60, 3),
    rss_mib: s.rss_bytes === null ? null : round(s.rss_bytes / 2 ** 20),
    heap_mib: s.heap_used_bytes === null ? null : round(s.heap_used_bytes / 2 ** 20),
    loop_p99_ms: s.event_loop_delay_p99_ms,
    lag_p50_s: finiteOrNull(s.ingest_lag_p50_s),
    lag_p99_s: finiteOrNull(s.ingest_lag_p99_s),
    fixes_per_s: s.fixes_accepted_per_s,
    db_mib: s.database_bytes === null ? null : round(s.database_bytes / 2 ** 20),
  }));
  return timeSeriesSvg(
    chartRows,
    't_h',
    'hours since the fleet started',
    [
      { title: 'service resident memory (MiB)', field: 'rss_mib' },
      { title: 'service heap used (MiB)', field: 'heap_mib' },
      { title: 'event-loop delay p99 (ms)', field: 'loop_p99_ms' },
      { title: 'ingest lag p50, bucket bound (s)', field: 'lag_p50_s' },
      {
        title: 'ingest lag p99, bucket bound (s; includes store-and-forward fixes sent late on purpose)',
        field: 'lag_p99_s',
      },
      { title: 'fixes accepted per second', field: 'fixes_per_s' },
      { title: 'database size (MiB)', field: 'db_mib' },
    ],
    title,
  );
}

const finiteOrNull = (x: number | null): number | null => (x === null || !Number.isFinite(x) ? null : x);
