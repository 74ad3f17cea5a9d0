// `npm run bench -- e2e [--people 100000] [--connections 2000] [--instances 1 | 1,2] [--env KEY=VALUE ...]
//                      [--seconds 10] [--start 2000] [--factor 1.5] [--refine 1] [--max-rate 60000]
//                      [--hold-s 30] [--alert-rate 5] [--alerts-per-step 10] [--timeout-s 10]
//                      [--relay-count 100000] [--relay-runs 3] [--relay-window 20]
//                      [--max-lag-s 2] [--grace-s 3] [--prohibition-zones 1000] [--ramp-budget-s 180]`
//
// End to end (issue 7 item 5), everything real and on this machine: devices → Mosquitto → the
// service (own process; N processes with --instances N, one MQTT shared-subscription group) →
// TimescaleDB (BENCH_TIMESCALEDB_URL, default :5433; PostgreSQL :5432 if that is unreachable) → alerts
// on WebSocket consoles. In order:
//  1. Set-up (untimed): a fresh database, migrated and seeded by the service's own code; then, in bulk
//     through the service's own tables (bench/lib/e2e-seed.ts), `people` supervisees with an ankle
//     monitor, an EM order, a residence with a nightly curfew and one of `prohibition-zones` shared
//     prohibition zones. A private Mosquitto (free loopback port) authenticates every device from a
//     password_file + acl_file exported by the service's own exporter (docs/decisions/0007).
//  2. Broker relay ceiling (`broker_qos1_relay_per_s`): `connections` devices publish QoS 1 to ONE
//     do-nothing subscriber (own process), no service; median of `relay-runs`.
//  3. The service: the same `connections` devices (each its own MQTT connection, publishing only as
//     itself, walking near home: compliant) offer fixed rates, open loop, in steps of `seconds`; a step
//     keeps up when the oldest offered-but-unstored fix never gets older than `max-lag-s` and all is
//     stored within `grace-s` after it (stored = the instances' em_fixes_accepted_total). Geometric
//     ramp, then `refine` bisections, then a HOLD of `hold-s` at the best rate (if it falls behind,
//     retried 25% lower, twice): `fixes_per_s` is the offered rate of the hold that kept up.
//     During every step, `alert-rate`/s (ramp: `alerts-per-step` per step) alerting people, warmed by
//     one fix outside a shared prohibition zone, send one fix deep inside it: each opens a critical
//     prohibition_entry, and its latency is device PUBLISH → `incident opened` on a console (one per
//     instance, the earliest counts). p50_ms / p99_ms come from the hold.
//  4. Accounting: every fix the broker acknowledged to a device must be in the database, once:
//     `lost` and `duplicated` per (device, seq). CPU (percent of one core) and peak RSS of every
//     process, from /proc: each service instance, Mosquitto, the database backends serving the bench
//     database, the bench itself (the load generator) and the relay subscriber.
// The flood guard allows 2 messages/s per device; `connections` devices carry the load of a fleet, so
// the service gets DEVICE_MSGS_PER_S / DEVICE_BURST to fit (`--env` overrides, and any other setting,
// e.g. the shared state of several instances). Every process, broker and database is removed at the
// end, also on failure or SIGINT. Each instance count stops ramping `ramp-budget-s` after its first step.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { exportMosquittoFiles } from '../src/adapters/mqtt/mosquitto-files-export.js';
import { mosquittoPasswordHash } from '../src/auth/broker-password.js';
import { mosquittoInstalled, startMosquitto } from '../test/support/mosquitto.js';
import { ensureCounty, startTestService } from '../test/support/service.js';
import type { BenchResult } from './bench-types.js';
import { adminQuery, benchDatabaseServer, benchLog, Cleanup, numArg } from './lib/bench-common.js';
import { pct, type RunResult, r1, runInstances, TRIGGER } from './lib/e2e-run.js';
import { type SeededPerson, seedPeople } from './lib/e2e-seed.js';
import { PublisherPool } from './lib/ingest-publishers.js';
import { childPids } from './lib/proc.js';
import { measureRelay, type RelayResult } from './lib/relay-ceiling.js';

const log = benchLog('e2e');

const SERVICE_USER = 'em-ingest';
const RELAY_USER = 'em-bench-relay';
const RECEIVE_MAXIMUM = 2000; // the service's ingest client (broker-ingest-client.ts)

/** Every `--env KEY=VALUE` of the command line (bench/run.ts keeps only the last of a repeated key). */
function envArgs(argv: readonly string[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] !== '--env') continue;
    const kv = argv[i + 1] ?? '';
    const eq = kv.indexOf('=');
    if (eq <= 0 || !/^[A-Z][A-Z0-9_]*$/.test(kv.slice(0, eq)))
      throw new Error(`--env ${kv}: expected KEY=VALUE`);
    env[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  return env;
}

const loadAverage = () => os.loadavg().map((v) => Math.round(v * 100) / 100);

export default async function e2e(args: Record<string, string>): Promise<BenchResult> {
  const people = numArg(args, 'people', 100_000);
  const connections = Math.min(people, numArg(args, 'connections', 2000));
  const instanceCounts = (args.instances ?? '1').split(',').map((s) => {
    const n = Number(s);
    if (!Number.isInteger(n) || n < 1 || n > 8)
      throw new Error(`--instances: 1-8 or a list like 1,2; got ${s}`);
    return n;
  });
  const maxRate = numArg(args, 'max-rate', 60_000);
  const holdS = numArg(args, 'hold-s', 30, false);
  const alertRate = numArg(args, 'alert-rate', 5, false);
  const alertsPerStep = numArg(args, 'alerts-per-step', 10);
  const seconds = numArg(args, 'seconds', 10, false);
  const alertsPerRun = Math.ceil(alertsPerStep * 14 + 3 * alertRate * holdS);
  const alertingTotal = alertsPerRun * instanceCounts.length;
  const prohibitionZones = numArg(args, 'prohibition-zones', 1000);
  const relayCount = numArg(args, 'relay-count', 100_000);
  const relayRuns = numArg(args, 'relay-runs', 3);
  const relayWindow = numArg(args, 'relay-window', 20);
  const o = {
    seconds,
    start: numArg(args, 'start', 2000),
    factor: numArg(args, 'factor', 1.5, false),
    refine: args.refine === '0' ? 0 : numArg(args, 'refine', 1),
    maxRate,
    holdS,
    alertRate,
    alertsPerStep,
    timeoutS: numArg(args, 'timeout-s', 10, false),
    maxLagS: numArg(args, 'max-lag-s', 2, false),
    graceS: numArg(args, 'grace-s', 3, false),
    rampBudgetS: numArg(args, 'ramp-budget-s', 180),
  };
  if (connections + alertingTotal > people)
    throw new Error('--people must exceed connections + alerting people');
  if (connections > 5000) throw new Error('--connections: at most 5,000 publisher connections');
  if (!mosquittoInstalled()) throw new Error('Mosquitto 2 is not installed (/usr/sbin/mosquitto)');
  // The flood guard (2/s per device) would refuse `connections` devices carrying a fleet's load.
  const perDevice = Math.max(2, Math.ceil((maxRate / connections) * 1.5));
  const serviceEnv: Record<string, string> = {
    DEVICE_MSGS_PER_S: String(perDevice),
    DEVICE_BURST: String(Math.max(120, perDevice * 10)),
    ...envArgs(process.argv),
  };

  const t0 = Date.now();
  const loadStart = loadAverage();
  const notes: string[] = [];
  const config: Record<string, unknown> = {
    people,
    publishing_devices: connections,
    alerting_people: alertingTotal,
    prohibition_zones: prohibitionZones,
    zones_per_person: 'residence (300 m circle, curfew 22:00-06:00) + county + 1 shared prohibition zone',
    instances: instanceCounts,
    service_env: serviceEnv,
    seconds_per_step: seconds,
    start_per_s: o.start,
    factor: o.factor,
    refine: o.refine,
    max_rate_per_s: maxRate,
    hold_s: holdS,
    alert_rate_per_s_hold: alertRate,
    alerts_per_step: alertsPerStep,
    max_lag_s: o.maxLagS,
    grace_s: o.graceS,
    relay_count: relayCount,
    relay_runs: relayRuns,
    qos: 1,
    measured_latency: 'device PUBLISH (QoS 1) → `incident` opened (prohibition_entry) on a /live console',
  };

  const cleanup = new Cleanup(log);
  const onSignal = (signal: NodeJS.Signals) => {
    log(`${signal}: cleaning up`);
    void cleanup.run().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    // ---- 1. set-up
    const { adminUrl, target } = await benchDatabaseServer(log, notes);
    const dbName = `em_bench_e2e_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
    await adminQuery(adminUrl, `create database ${dbName}`);
    cleanup.add('drop database', async () => {
      await adminQuery(adminUrl, `drop database if exists ${dbName} with (force)`);
      log(`database ${dbName} dropped`);
    });
    const dbUrl = new URL(adminUrl);
    dbUrl.pathname = `/${dbName}`;
    const databaseUrl = dbUrl.toString();
    config.database = `${target} ${dbUrl.host}`;
    {
      // Migrations, the demo org units, the admin and the county, by the service's own code.
      const svc = await startTestService({ DATABASE_URL: databaseUrl });
      try {
        await ensureCounty(svc);
        config.storage_mode = svc.db.mode;
      } finally {
        await svc.cleanup();
      }
    }
    const s0 = performance.now();
    const db = new pg.Client({ connectionString: databaseUrl });
    await db.connect();
    let seeded: SeededPerson[];
    try {
      seeded = await seedPeople(db, {
        people,
        prohibitionZones,
        alerting: alertingTotal,
        trigger: TRIGGER,
        log,
      });
    } finally {
      await db.end();
    }
    const seedS = (performance.now() - s0) / 1000;
    log(`seeded ${people} people with devices, orders and zones in ${seedS.toFixed(1)} s`);

    const servicePassword = `svc-${Math.random().toString(36).slice(2)}${Math.random().toString(36).slice(2)}`;
    const relayPassword = `relay-${Math.random().toString(36).slice(2)}${Math.random().toString(36).slice(2)}`;
    const dir = mkdtempSync(join(tmpdir(), 'em-bench-e2e-auth-'));
    cleanup.add('auth files', async () => rmSync(dir, { recursive: true, force: true }));
    const files = { passwordFile: join(dir, 'passwords'), aclFile: join(dir, 'acl') };
    const f0 = performance.now();
    const exportPool = new pg.Pool({ connectionString: databaseUrl, max: 1 });
    try {
      const out = await exportMosquittoFiles(exportPool, [
        { username: SERVICE_USER, passwordHash: mosquittoPasswordHash(servicePassword) },
        { username: RELAY_USER, passwordHash: mosquittoPasswordHash(relayPassword) },
      ]);
      writeFileSync(files.passwordFile, out.passwordFile);
      writeFileSync(files.aclFile, out.aclFile);
      if (out.skipped.length) throw new Error(`${out.skipped.length} devices could not be exported`);
      config.broker_auth = `password_file (${out.devices} devices) + acl_file (%u patterns)`;
    } finally {
      await exportPool.end();
    }
    const exportS = (performance.now() - f0) / 1000;
    // The relay ceiling publishes 120,000 messages as fast as the publishers can; the broker must hold
    // its subscriber's backlog (tens of MB) rather than drop past the default queue limit, or the
    // measurement fails (as on 2026-11-29: the subscriber drained only after publishing ended).
    const broker = await startMosquitto({ files, maxQueuedMessages: 1_000_000 });
    cleanup.add('mosquitto', () => broker.stop());
    const mosquittoPid = broker.pid() ?? childPids(broker.dir)[0];
    config.broker = 'mosquitto 2.0.11, password_file + acl_file, persistence on, loopback';
    log(
      `password and ACL files exported in ${exportS.toFixed(1)} s; mosquitto on ${broker.url} (pid ${mosquittoPid})`,
    );

    // ---- publishers (the first `connections` people) and 2. the relay ceiling
    const accounts = seeded
      .slice(0, connections)
      .map((p) => ({ id: p.deviceId, secret: p.secret, home: p.home }));
    const c0 = performance.now();
    const pool = await PublisherPool.connect(broker.url, accounts);
    cleanup.add('publishers', () => pool.close());
    log(`${connections} publisher connections up in ${((performance.now() - c0) / 1000).toFixed(1)} s`);
    // A run whose subscriber does not get every message in time is reported, not fatal: the median
    // is taken over the runs that completed.
    const relays: RelayResult[] = [];
    for (let i = 0; i < relayRuns; i++) {
      try {
        relays.push(
          await measureRelay({
            url: broker.url,
            username: RELAY_USER,
            password: relayPassword,
            clientId: `em-bench-relay-${process.pid}-${i}`,
            pool,
            count: relayCount,
            window: relayWindow,
            receiveMaximum: RECEIVE_MAXIMUM,
            brokerPid: mosquittoPid,
            cleanup,
            log,
          }),
        );
      } catch (err) {
        log(`relay run ${i + 1} failed: ${(err as Error).message}`);
        notes.push(`relay run ${i + 1} failed: ${(err as Error).message}`);
      }
    }
    const relay: RelayResult = [...relays].sort((a, b) => a.perS - b.perS)[Math.floor(relays.length / 2)] ?? {
      perS: 0,
      publisherAckPerS: 0,
      cpu: {},
      rssPeak: {},
    };

    // ---- 3. the service, per instance count
    pool.tracking = true;
    const runs: RunResult[] = [];
    for (const [k, instances] of instanceCounts.entries()) {
      runs.push(
        await runInstances(instances, {
          pool,
          alerting: seeded.slice(
            people - alertingTotal + k * alertsPerRun,
            people - alertingTotal + (k + 1) * alertsPerRun,
          ),
          fleetOptions: {
            env: serviceEnv,
            shareGroup: 'em-e2e',
            databaseUrl,
            mqttUrl: broker.url,
            mqttUsername: SERVICE_USER,
            mqttPassword: servicePassword,
            log,
          },
          mosquittoPid,
          o,
          cleanup,
        }),
      );
    }
    await pool.settle(10_000);
    pool.tracking = false;

    // ---- 4. accounting
    const check = new pg.Client({ connectionString: databaseUrl });
    await check.connect();
    let lost = 0;
    let duplicated = 0;
    let ackedTotal = 0;
    let storedRows = 0;
    try {
      const ids = pool.devices.map((d) => d.account.id);
      const rows = await check.query<{ device_id: string; seq: string; n: number }>(
        'select device_id, seq, count(*)::int as n from fixes where device_id = any($1) group by device_id, seq',
        [ids],
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
        const m = byDevice.get(d.account.id);
        ackedTotal += d.acked.length;
        for (const s of new Set(d.acked)) if (!m?.has(s)) lost++;
      }
    } finally {
      await check.end();
    }
    log(`accounting: ${ackedTotal} acknowledged, ${storedRows} rows, lost ${lost}, duplicated ${duplicated}`);

    // ---- figures
    const first = runs[0]!;
    // Sustained = held for hold-s with zero loss; without such a hold, the best ramp step (noted).
    const sustained = (r: RunResult) => (r.hold?.ok ? r.hold.offeredPerS : (r.good?.offeredPerS ?? 0));
    const held = first.hold?.ok ? first.hold : undefined;
    const fixesPerS = sustained(first);
    // Latency at the sustained rate: from the hold that kept up; without one, from the kept-up steps.
    const rampLat = first.steps
      .filter((s) => s.ok)
      .flatMap((s) => s.latencies)
      .sort((a, b) => a - b);
    const holdLat = held ? held.latencies : rampLat;
    const serviceRss = Object.entries(first.rssPeak)
      .filter(([k]) => k.startsWith('service_'))
      .map(([, v]) => v ?? 0);
    const figures: Record<string, unknown> = {
      fixes_per_s: Math.round(fixesPerS),
      p50_ms: r1(pct(holdLat, 0.5)),
      p99_ms: r1(pct(holdLat, 0.99)),
      max_ms: r1(holdLat.at(-1) ?? null),
      latency_samples: holdLat.length,
      latency_from: held ? 'hold' : 'kept-up ramp steps',
      alerts_missed: first.hold?.missed ?? null,
      hold_kept_up: first.hold?.ok ?? false,
      best_ramp_step_per_s: first.good ? Math.round(first.good.offeredPerS) : 0,
      hold_offered_per_s: first.hold ? Math.round(first.hold.offeredPerS) : null,
      p50_ms_ramp_steps: r1(pct(rampLat, 0.5)),
      p99_ms_ramp_steps: r1(pct(rampLat, 0.99)),
      lost,
      duplicated,
      fixes_acked_by_broker: ackedTotal,
      rows_stored: storedRows,
      broker_qos1_relay_per_s: Math.round(relay.perS),
      broker_qos1_relay_runs_per_s: relays.map((r) => Math.round(r.perS)),
      rss_bytes_service: Math.max(0, ...serviceRss),
      rss_peak_bytes: first.rssPeak,
      rss_peak_bytes_relay: relay.rssPeak,
      cpu_pct_hold: first.hold?.cpu ?? null,
      cpu_pct_relay: relay.cpu,
      first_failed_offered_per_s: (() => {
        const f = first.steps.find((s) => !s.ok);
        return f ? Math.round(f.offeredPerS) : null;
      })(),
      refusals_by_reason: first.refusals,
      other_incident_messages: first.otherIncidentMessages,
      seed_seconds: Math.round(seedS * 10) / 10,
      auth_export_seconds: Math.round(exportS * 10) / 10,
      total_seconds: Math.round((Date.now() - t0) / 1000),
    };
    const ratios: Record<string, number> = {};
    if (relay.perS > 0) ratios.vs_broker = Math.round((fixesPerS / relay.perS) * 100) / 100;
    if (runs.length > 1) {
      const one = runs.find((r) => r.instances === 1);
      for (const r of runs) {
        const rps = Math.round(sustained(r));
        figures[`fixes_per_s_instances_${r.instances}`] = rps;
        figures[`p99_ms_instances_${r.instances}`] = r1(pct(r.hold?.latencies ?? [], 0.99));
        figures[`rss_peak_bytes_instances_${r.instances}`] = r.rssPeak;
        if (one && sustained(one) > 0 && r.instances !== 1) {
          ratios[`scale_${r.instances}_vs_1`] = Math.round((rps / sustained(one)) * 100) / 100;
        }
      }
    }
    for (const r of runs) {
      notes.push(
        ...r.notes,
        ...r.steps.map(
          (s) =>
            `[${r.instances}x] ${s.label} ${s.target}/s: offered ${Math.round(s.offeredPerS)}/s for ${s.seconds.toFixed(1)} s, ` +
            `max lag ${s.maxLagS.toFixed(2)} s: ${s.ok ? 'kept up' : `FAILED (${s.why})`}; alerts p50 ` +
            `${r1(pct(s.latencies, 0.5))} ms, p99 ${r1(pct(s.latencies, 0.99))} ms (${s.latencies.length}, missed ${s.missed})`,
        ),
      );
      if (r.hold) {
        notes.push(
          `[${r.instances}x] hold ${r.hold.target}/s for ${r.hold.seconds.toFixed(1)} s: ${r.hold.ok ? 'kept up' : `FAILED (${r.hold.why})`}`,
        );
      }
    }
    notes.push(
      `${connections} device connections carry the load (one process cannot hold ${people} MQTT connections); ` +
        `all ${people} people, devices and zones are in the service's directory and the broker's password file; ` +
        `the flood guard is set to ${serviceEnv.DEVICE_MSGS_PER_S}/s per device accordingly`,
      'p50_ms/p99_ms: the hold that kept up (else every kept-up ramp step: latency_from); the clock is this process (devices and consoles run here)',
      'cpu: percent of one core over the hold; db_backends = the server processes serving the bench database ' +
        '(their RSS counts shared buffers they touched); bench = the load generator (publishers, consoles)',
      'one 2-core machine runs the broker, the service(s), the database and the load generator',
    );
    if (instanceCounts.some((n) => n > 1)) {
      notes.push(
        'several instances run as a scaled-out deployment: one MQTT share group, person state, timers and alert fan-out in Redis (BENCH_REDIS_URL)',
      );
    }
    if (lost > 0) notes.push(`LOSS: ${lost} fixes acknowledged by the broker were never stored`);
    if (!first.good) notes.push('no step kept up: fixes_per_s is 0');
    else if (!held) notes.push('no hold kept up: fixes_per_s is the best ramp step, not confirmed by a hold');
    if (first.good && !first.steps.some((s) => !s.ok))
      notes.push('no step failed before --max-rate: a lower bound');
    config.load_average = { start: loadStart, end: loadAverage() };
    return { config, figures, ratios, notes };
  } finally {
    await cleanup.run();
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }
}
