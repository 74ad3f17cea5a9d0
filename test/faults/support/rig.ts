// The fault-test rig: real services of the test's own (a Mosquitto with persistence and dynamic
// security; a fresh database on the shared PostgreSQL or a private cluster that can be stopped),
// the seeded fleet provisioned through the service's own use cases, consoles of three scopes, and
// the three checks every fault test ends with.
//
// Timing: the fleet covers FLEET_VIRTUAL_MS of device time in FAULT_PLAY_S wall seconds (so the
// scripted episodes all happen during a short test), with fix times kept within the service's
// clock-skew allowance and far from any lost-contact timeout. Env: FAULT_PLAY_S (default 30),
// FAULT_OUTAGE_S (default 12; the 60 s is what `npm run bench -- faults` uses).
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import type { ProvisionedScenario } from '../../../simulators/provision.js';
import { provisionWorld } from '../../../simulators/provision.js';
import { createPool } from '../../../src/storage/database.js';
import { createUser, login, PASSWORD } from '../../api/support.js';
import { inProcessProvisioner } from '../../scenarios/support/in-process.js';
import { databaseTargets } from '../../support/databases.js';
import { type MosquittoInstance, mosquittoInstalled, startMosquitto } from '../../support/mosquitto.js';
import { freePort } from '../../support/ports.js';
import {
  type PrivatePostgres,
  privatePostgresAvailable,
  startPrivatePostgres,
} from '../../support/private-postgres.js';
import { ADMIN_PASSWORD, startTestService, type TestService } from '../../support/service.js';
import { ResumingConsole } from './consoles.js';
import { buildFleet, type Fleet, type FleetOptions, fleetDevices, provisionFleet } from './fleet.js';
import { FleetLoad, type VirtualClock } from './load.js';

export const inCi = process.env.CI === 'true';
const MINUTE = 60_000;

export const PLAY_S = Number(process.env.FAULT_PLAY_S ?? 30);
export const OUTAGE_S = Number(process.env.FAULT_OUTAGE_S ?? 12);
export const FLEET_PERSONS = Number(process.env.FAULT_PERSONS ?? 24);
export const FLEET_VIRTUAL_MS = 15 * MINUTE;
const FLEET_INTERVAL_MS = 10_000;
/** Largest lead of a fix over the wall clock: under the service's 300 s skew allowance. */
const MAX_LEAD_MS = 240_000;

/** What the suite needs, or why it cannot run here (a failure in CI, `[skipped]` elsewhere). */
export function faultPrerequisites(opts: { privateDb?: boolean } = {}): string | null {
  if (!mosquittoInstalled()) return 'Mosquitto with dynamic security is not installed';
  if (opts.privateDb && !privatePostgresAvailable())
    return 'PostgreSQL 15 binaries (initdb) are not installed';
  return null;
}

export function describeSkip(name: string, why: string | null): boolean {
  if (!why) return false;
  if (inCi) throw new Error(`CI: fault suite "${name}" cannot run: ${why}`);
  console.warn(`[skipped] fault suite "${name}": ${why}`);
  return true;
}

export interface Infra {
  readonly broker: MosquittoInstance;
  readonly databaseUrl: string;
  /** Present when the database is a private cluster the test may stop. */
  readonly privateDb: PrivatePostgres | null;
  readonly env: Record<string, string>;
  cleanup(): Promise<void>;
}

/** A Mosquitto of the test's own and a fresh database (private cluster, or the shared PostgreSQL). */
export async function startInfra(opts: { privateDb?: boolean } = {}): Promise<Infra> {
  const broker = await startMosquitto();
  let privateDb: PrivatePostgres | null = null;
  let databaseUrl: string;
  let drop: () => Promise<void>;
  try {
    if (opts.privateDb) {
      privateDb = await startPrivatePostgres();
      databaseUrl = privateDb.url;
      drop = () => privateDb!.destroy();
    } else {
      const postgres = (await databaseTargets()).find((t) => t.name === 'postgres');
      if (!postgres) throw new Error('no PostgreSQL server for the fault suite (TEST_POSTGRES_URL)');
      const created = await postgres.create();
      await created.db.close();
      databaseUrl = created.url!;
      drop = () => created.drop();
    }
  } catch (err) {
    await broker.stop();
    throw err;
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'em-fault-'));
  const env: Record<string, string> = {
    DATA_DIR: dataDir,
    DATABASE_URL: databaseUrl,
    MQTT_URL: broker.url,
    MQTT_ADMIN_USERNAME: broker.adminUsername,
    MQTT_ADMIN_PASSWORD: broker.adminPassword,
    MQTT_USERNAME: 'em-ingest',
    MQTT_PASSWORD: randomUUID(),
    // One persistent session across every restart of the service: the broker keeps its queue.
    MQTT_CLIENT_ID: `em-fault-${randomUUID().slice(0, 8)}`,
    OSMAND_PORT: String(await freePort()),
    ADMIN_INITIAL_PASSWORD: ADMIN_PASSWORD,
    DB_POOL_SIZE: '6',
  };
  return {
    broker,
    databaseUrl,
    privateDb,
    env,
    async cleanup() {
      await broker.stop().catch(() => {});
      await drop().catch(() => {});
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface ConsoleSpec {
  readonly name: string;
  readonly role: 'officer' | 'supervisor';
  readonly orgUnitId: string;
}

/** Two offices and the county above them: each sees its own people, the county sees both. */
export const CONSOLES: readonly ConsoleSpec[] = [
  { name: 'lianhua officer', role: 'officer', orgUnitId: 'lianhua' },
  { name: 'baotai officer', role: 'officer', orgUnitId: 'baotai' },
  { name: 'county supervisor', role: 'supervisor', orgUnitId: 'yanjiang' },
];

/** The fleet of a fault test, all but its start (which each run fixes). */
export function fleetShape(seed: string): Omit<FleetOptions, 'start'> {
  return {
    seed,
    persons: FLEET_PERSONS,
    durationMs: FLEET_VIRTUAL_MS,
    intervalMs: FLEET_INTERVAL_MS,
    orgUnits: ['lianhua', 'baotai', 'lianhua'],
  };
}

export interface Prepared {
  readonly seed: string;
  readonly playS: number;
  readonly provisioned: ProvisionedScenario;
  /** Newest incident cursor before the load started: consoles start after it. */
  readonly head: number;
  readonly tokens: ReadonlyMap<string, string>;
}

/**
 * Provisions the fleet and console users through `svc` (the service under test, or a provisioning
 * instance on the same database when the service under test is a process), and fixes the fleet's
 * virtual clock: `PLAY_S` from now, devices cover FLEET_VIRTUAL_MS.
 */
export async function prepare(svc: TestService, seed: string, playS = PLAY_S): Promise<Prepared> {
  // Provisioned first, timed after: the fleet's clock must not run while people are registered.
  const provisional = buildFleet({ ...fleetShape(seed), start: Date.now() });
  const provisioner = inProcessProvisioner(svc);
  await provisionWorld(provisioner);
  const provisioned = await provisionFleet(provisioner, provisional);
  const tokens = new Map<string, string>();
  for (const c of CONSOLES)
    tokens.set(c.name, (await login(svc, await createUser(svc, c.role, c.orgUnitId), PASSWORD)).token);
  const head = (
    await svc.db.pool.query<{ head: number }>(
      'select coalesce(max(cursor), 0)::bigint as head from incident_events',
    )
  ).rows[0]!.head;
  return { seed, playS, provisioned, head, tokens };
}

export interface Run {
  /** The fleet as played: its start is fixed when the run starts, after provisioning. */
  readonly fleet: Fleet;
  readonly clock: VirtualClock;
  readonly load: FleetLoad;
  readonly consoles: ResumingConsole[];
  stop(): Promise<void>;
}

/** Connects the consoles and the devices and starts the steady load. */
export async function startRun(p: Prepared, mqttUrl: string, httpUrl: () => string): Promise<Run> {
  const consoles = CONSOLES.map((c) => new ResumingConsole(c.name, httpUrl, p.tokens.get(c.name)!, p.head));
  for (const c of consoles) c.start();
  // Fix times run `scale` times faster than the wall clock, lead it by at most MAX_LEAD_MS at the
  // end and lag it by less than the normal level's lost-contact timeout at the start.
  const scale = FLEET_VIRTUAL_MS / (p.playS * 1000);
  const lead = Math.max(0, FLEET_VIRTUAL_MS - p.playS * 1000 - MAX_LEAD_MS);
  const t0 = Date.now() + 2_000; // connecting the devices takes a moment
  const start = t0 - lead;
  const fleet = buildFleet({ ...fleetShape(p.seed), start });
  const clock: VirtualClock = { t0, start, scale, end: start + FLEET_VIRTUAL_MS };
  const load = new FleetLoad(mqttUrl, fleetDevices(fleet, p.provisioned), clock);
  await load.start();
  return {
    fleet,
    clock,
    load,
    consoles,
    async stop() {
      await load.stop();
      for (const c of consoles) await c.stop();
    },
  };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls until `check` holds; the deadline is generous because the machine is shared. */
export async function eventually(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs = 120_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs / 1000} s`);
    await sleep(250);
  }
}

/** A pool of the test's own on the service's database, for the checks. */
export function checkPool(databaseUrl: string): pg.Pool {
  return createPool(databaseUrl, 3);
}

export interface StoredCount {
  missing: string[];
  duplicated: string[];
  acked: number;
}

/** Every acknowledged message of the load, looked up in storage: missing and duplicated ones. */
export async function storedOnce(pool: pg.Pool, load: FleetLoad): Promise<StoredCount> {
  const missing: string[] = [];
  const duplicated: string[] = [];
  let acked = 0;
  const fixes = await pool.query<{ device_id: string; seq: number; n: number }>(
    'select device_id, seq, count(*)::int as n from fixes group by device_id, seq',
  );
  const events = await pool.query<{ device_id: string; seq: number; n: number }>(
    'select device_id, seq, count(*)::int as n from device_events group by device_id, seq',
  );
  const stored = new Map<string, number>();
  for (const r of fixes.rows) stored.set(`${r.device_id}/fix/${r.seq}`, r.n);
  for (const r of events.rows) stored.set(`${r.device_id}/event/${r.seq}`, r.n);
  for (const [deviceId, messages] of load.acked) {
    for (const m of messages) {
      acked++;
      const key = `${deviceId}/${m.kind}/${m.seq}`;
      const n = stored.get(key) ?? 0;
      if (n === 0) missing.push(key);
      else if (n > 1) duplicated.push(key);
    }
  }
  for (const [key, n] of stored) if (n > 1 && !duplicated.includes(key)) duplicated.push(key);
  return { missing, duplicated, acked };
}

/** Incidents as `personKey kind zone +startedAt` (relative to the fleet's start), sorted. */
export async function incidentSignature(
  pool: pg.Pool,
  provisioned: ProvisionedScenario,
  fleetStart: number,
): Promise<string[]> {
  const keyOf = new Map([...provisioned.personIds].map(([key, id]) => [id, key]));
  const rows = await pool.query<{
    supervisee_id: string;
    kind: string;
    zone_id: string | null;
    started_at: Date;
  }>('select supervisee_id, kind, zone_id, started_at from incidents');
  return rows.rows
    .filter((r) => keyOf.has(r.supervisee_id))
    .map(
      (r) =>
        `${keyOf.get(r.supervisee_id)} ${r.kind} ${r.zone_id ?? '-'} +${r.started_at.getTime() - fleetStart}ms`,
    )
    .sort();
}

/** Cursors of every incident event after `head` in the scope of `orgUnitId`. */
export async function cursorsInScope(pool: pg.Pool, orgUnitId: string, head: number): Promise<number[]> {
  const rows = await pool.query<{ cursor: number }>(
    `select e.cursor from incident_events e, org_units u
     where u.id = $1 and e.cursor > $2 and starts_with(e.org_path, u.path) order by e.cursor`,
    [orgUnitId, head],
  );
  return rows.rows.map((r) => r.cursor);
}

/** Waits until every acknowledged message is stored, then until every console has its whole scope. */
export async function awaitCaughtUp(
  pool: pg.Pool,
  run: Run,
  p: Prepared,
  timeoutMs = 180_000,
): Promise<void> {
  await eventually(
    'every acknowledged message stored',
    async () => (await storedOnce(pool, run.load)).missing.length === 0,
    timeoutMs,
  );
  for (const [i, spec] of CONSOLES.entries()) {
    const c = run.consoles[i]!;
    await eventually(
      `console "${spec.name}" received its scope`,
      async () => {
        const want = await cursorsInScope(pool, spec.orgUnitId, p.head);
        const got = new Set(c.cursors);
        return want.every((x) => got.has(x));
      },
      timeoutMs,
    );
  }
}

export { startTestService };

export interface RunVerdict {
  readonly stored: StoredCount;
  readonly incidents: string[];
  readonly consoles: ReadonlyArray<{
    name: string;
    want: number;
    got: number;
    missing: number[];
    repeated: number;
  }>;
}

/** The three checks of every fault test, measured (the test asserts on them). */
export async function verdict(pool: pg.Pool, run: Run, p: Prepared): Promise<RunVerdict> {
  const stored = await storedOnce(pool, run.load);
  const incidents = await incidentSignature(pool, p.provisioned, run.fleet.options.start);
  const consoles = [];
  for (const [i, spec] of CONSOLES.entries()) {
    const c = run.consoles[i]!;
    const want = await cursorsInScope(pool, spec.orgUnitId, p.head);
    const got = new Set(c.cursors);
    consoles.push({
      name: spec.name,
      want: want.length,
      got: got.size,
      missing: want.filter((x) => !got.has(x)),
      repeated: c.cursors.length - got.size,
    });
  }
  return { stored, incidents, consoles };
}

/** Prints each phase's wall time, so a slow CI run shows where its minutes went. */
export function stopwatch(label: string): (phase: string) => void {
  const t0 = performance.now();
  return (phase) =>
    console.info(`[fault ${label}] +${((performance.now() - t0) / 1000).toFixed(1)} s ${phase}`);
}
