// Scale-out, done-when of issue 8: three instances (separate processes) behind one real Mosquitto,
// sharing one PostgreSQL and one Redis; seeded devices publish QoS 1; a console on every instance.
// One instance (the one firing the timers) is SIGKILLed mid-run and stays dead. Then:
// - every fix the broker acknowledged to a device is stored, and none twice;
// - another instance drains the dead one's MQTT session (session adoption) and fires the timers;
// - the incidents are the same as a single-instance run of the same seeded scenario;
// - every console, whichever instance it is on, received every incident change of its scope once,
//   in cursor order; the ones on the killed instance by resuming elsewhere with `?since=`.
//
// The scenario: each person walks towards their prohibition zone (all fixes outside), stays in it,
// then walks away; every third person's monitor reports a cut strap while inside. The kill falls in
// the walk towards the zone. A fix parked for the dead instance reaches its adopter after newer fixes
// of the same device were decided on elsewhere, so it is stored but never decides (the house rule
// for out-of-order fixes, docs/decisions/0006-scale-out.md); outside the zone that changes nothing.
import { existsSync } from 'node:fs';
import mqtt from 'mqtt';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { createRng } from '../../simulators/rng.js';
import { createZone } from '../../src/admin/zones.js';
import { createUser, login, PASSWORD } from '../api/support.js';
import { type Console, type LiveMessage, openConsole } from '../live/console.js';
import { databaseTargets } from '../support/databases.js';
import { type ServiceCluster, startCluster, waitForOneTimerHolder } from '../support/instances.js';
import { startMosquitto } from '../support/mosquitto.js';
import { availableRedisUrl, deleteKeys, testKeyPrefix } from '../support/redis.js';
import {
  ADMIN_PASSWORD,
  type MonitoredPerson,
  monitoredPerson,
  squareAround,
  startTestService,
  type TestService,
  ZIYANG,
} from '../support/service.js';
import { waitFor } from '../support/wait.js';

const PERSONS = 12;
const FIXES = 36;
const STEP_MS = 20_000;
/** Fixes 0..13 walk towards the zone, 14..23 are inside it, 24.. walk away. */
const INSIDE_FROM = 14;
const INSIDE_TO = 24;
/** Real time between two messages of one device in the multi-instance run. */
const PACE_MS = 500;
/** Event time of the first fix: well in the past, so every decision is equally late in both runs. */
const BASE = Date.now() - 20 * 60_000;

interface Planned {
  readonly channel: 'telemetry' | 'events';
  readonly seq: number;
  readonly body: Record<string, unknown>;
}

function centerOf(index: number) {
  return { lat: ZIYANG.lat + (index % 4) * 0.02, lon: ZIYANG.lon + Math.floor(index / 4) * 0.02 };
}

/** The seeded messages of person `index`'s ankle monitor, in publishing order. */
function planFor(index: number): Planned[] {
  const rng = createRng(`scale-out/${index}`);
  const center = centerOf(index);
  const out: Planned[] = [];
  for (let k = 0; k < FIXES; k++) {
    const ts = BASE + k * STEP_MS;
    const eastM =
      (k < INSIDE_FROM ? 1200 - k * 60 : k < INSIDE_TO ? 0 : 300 + (k - INSIDE_TO) * 60) + rng.gaussian() * 4;
    const northM = rng.gaussian() * 4;
    out.push({
      channel: 'telemetry',
      seq: k + 1,
      body: {
        ts,
        lat: center.lat + northM / 111_320,
        lon: center.lon + eastM / (111_320 * Math.cos((center.lat * Math.PI) / 180)),
        acc: 6,
        src: 'gnss',
        seq: k + 1,
      },
    });
    if (index % 3 === 0 && k === INSIDE_FROM + 4) {
      out.push({
        channel: 'events',
        seq: 1000 + k,
        body: { ts: ts + 1000, seq: 1000 + k, type: 'strap_tamper' },
      });
    }
  }
  return out;
}

interface Provisioned {
  people: MonitoredPerson[];
  /** Person id → index in the plan; zone id → index of the person it is for. */
  personIndex: Map<string, number>;
  zoneIndex: Map<string, number>;
  tokens: Array<{ name: string; token: string; scope: string }>;
}

/** People, their devices and prohibition zones, and console users, through the admin use cases. */
async function provision(svc: TestService): Promise<Provisioned> {
  const people: MonitoredPerson[] = [];
  const personIndex = new Map<string, number>();
  const zoneIndex = new Map<string, number>();
  for (let i = 0; i < PERSONS; i++) {
    const orgUnitId = i % 2 === 0 ? 'lianhua' : 'baotai';
    const person = await monitoredPerson(svc, { orgUnitId, level: 'lenient' });
    people.push(person);
    personIndex.set(person.personId, i);
    const c = centerOf(i);
    const zoneId = await createZone(svc.admin, {
      kind: 'prohibition',
      orgUnitId,
      name: `禁入区 ${i}`,
      geometry: squareAround(c.lat, c.lon, 150),
      assignTo: [person.personId],
    });
    zoneIndex.set(zoneId, i);
  }
  const tokens: Provisioned['tokens'] = [];
  const scopeOf = async (username: string) =>
    (
      await svc.db.pool.query<{ path: string }>(
        'select o.path from users u join org_units o on o.id = u.org_unit_id where u.username = $1',
        [username],
      )
    ).rows[0]!.path;
  tokens.push({
    name: 'admin',
    token: (await login(svc, 'admin', ADMIN_PASSWORD)).token,
    scope: await scopeOf('admin'),
  });
  for (const [role, unit] of [
    ['officer', 'lianhua'],
    ['officer', 'baotai'],
    ['supervisor', 'yanjiang'],
  ] as const) {
    const username = await createUser(svc, role, unit);
    tokens.push({
      name: `${role}@${unit}`,
      token: (await login(svc, username, PASSWORD)).token,
      scope: await scopeOf(username),
    });
  }
  return { people, personIndex, zoneIndex, tokens };
}

/** Publishes every person's plan, QoS 1, one connection per device; returns the acknowledged fixes. */
async function publishAll(
  url: string,
  people: readonly MonitoredPerson[],
  paceMs: number,
  onProgress?: (sent: number) => void,
): Promise<Map<string, Set<number>>> {
  const acked = new Map<string, Set<number>>();
  let sent = 0;
  await Promise.all(
    people.map(async ({ ankle }, i) => {
      const done = new Set<number>();
      acked.set(ankle.id, done);
      // allowRetries false: a connection closed before its CONNACK fails here instead of never
      // settling (see test/ingest/crash.test.ts).
      const client = await mqtt.connectAsync(
        url,
        { clientId: ankle.id, username: ankle.id, password: ankle.secret, reconnectPeriod: 0 },
        false,
      );
      try {
        for (const message of planFor(i)) {
          await client.publishAsync(
            `em/v1/devices/${ankle.id}/${message.channel}`,
            JSON.stringify(message.body),
            {
              qos: 1,
            },
          );
          if (message.channel === 'telemetry') done.add(message.seq);
          onProgress?.(++sent);
          await new Promise((r) => setTimeout(r, paceMs));
        }
      } finally {
        await client.endAsync();
      }
    }),
  );
  return acked;
}

type IncidentRecord = [number, string, number | null, string, boolean, number, string];

/** Incidents as comparable records: person and zone by plan index, rule actions in cursor order. */
async function incidentRecords(pool: pg.Pool, p: Provisioned): Promise<IncidentRecord[]> {
  const res = await pool.query<{
    supervisee_id: string;
    kind: string;
    zone_id: string | null;
    state: string;
    condition_active: boolean;
    started_at: Date;
    actions: string[];
  }>(
    `select i.supervisee_id, i.kind, i.zone_id, i.state, i.condition_active, i.started_at,
       array_agg(e.action order by e.cursor) filter (where e.action <> 'updated') as actions
     from incidents i join incident_events e on e.incident_id = i.id group by i.id`,
  );
  return res.rows
    .map(
      (r): IncidentRecord => [
        p.personIndex.get(r.supervisee_id) ?? -1,
        r.kind,
        r.zone_id === null ? null : (p.zoneIndex.get(r.zone_id) ?? -1),
        r.state,
        r.condition_active,
        r.started_at.getTime() - BASE,
        r.actions.join(','),
      ],
    )
    .sort((a, b) => a[0] - b[0] || a[1].localeCompare(b[1]));
}

/** Waits until every acknowledged fix is stored and the incidents stop changing. */
async function settle(
  pool: pg.Pool,
  p: Provisioned,
  acked: Map<string, Set<number>>,
): Promise<IncidentRecord[]> {
  const total = [...acked.values()].reduce((n, s) => n + s.size, 0);
  await waitFor(
    async () => (await pool.query<{ n: number }>('select count(*)::int as n from fixes')).rows[0]!.n >= total,
    60_000,
    250,
  );
  let last = '';
  let records: IncidentRecord[] = [];
  await waitFor(
    async () => {
      records = await incidentRecords(pool, p);
      const now = JSON.stringify(records);
      const stable = now === last;
      last = now;
      return stable;
    },
    30_000,
    1500,
  );
  return records;
}

/** A console that, when its instance dies, resumes on the next running one from its last cursor. */
class ResilientConsole {
  private readonly connections: Console[] = [];
  since = 0;
  resumes = 0;
  private closing = false;

  constructor(
    readonly name: string,
    readonly token: string,
    readonly scope: string,
    private slot: number,
    private readonly cluster: ServiceCluster,
  ) {}

  /** Incident messages over every connection, in the order received. */
  get received(): LiveMessage[] {
    return this.connections.flatMap((c) => c.incidents());
  }

  async connect(since?: number): Promise<void> {
    const url = this.cluster.httpUrls[this.slot]!;
    const c = await openConsole(url, this.token, since === undefined ? {} : { since });
    this.connections.push(c);
    await c.until((m) => m.some((x) => x.type === 'caught_up'), 30_000);
    if (since === undefined) this.since = c.messages[0]!.cursor;
    void c.closed.then(async () => {
      if (this.closing) return;
      // Its instance is gone: resume on the next running one from the last cursor seen.
      do this.slot = (this.slot + 1) % this.cluster.size;
      while (!this.cluster.running(this.slot));
      this.resumes++;
      await this.connect(this.received.at(-1)?.cursor ?? this.since);
    });
  }

  async close(): Promise<void> {
    this.closing = true;
    await this.connections.at(-1)?.close();
  }
}

const redisUrl = await availableRedisUrl('scale-out');
const postgres = (await databaseTargets()).find((t) => t.name === 'postgres');
const mosquitto = existsSync(process.env.TEST_MOSQUITTO_BIN ?? '/usr/sbin/mosquitto');
if (process.env.CI === 'true' && !mosquitto)
  throw new Error('CI: Mosquitto is required for the scale-out test');
if (!postgres || !mosquitto) console.warn('[skipped] scale-out: needs PostgreSQL and Mosquitto');
const ready = redisUrl !== undefined && postgres !== undefined && mosquitto;

describe.runIf(ready)('three instances behind one broker', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => {});
  });

  it('lose, duplicate and miss nothing when one is SIGKILLed mid-run', async () => {
    const t0 = performance.now();
    const phases: Record<string, number> = {};
    const phase = (name: string) => {
      phases[name] = Math.round(performance.now() - t0);
    };
    // The single-instance run of the same scenario (in-memory state, embedded broker), for comparison.
    const singleDatabase = await postgres!.create();
    await singleDatabase.db.close();
    cleanups.push(() => singleDatabase.drop());
    const single = await startTestService({
      DATABASE_URL: singleDatabase.url!,
      ADMIN_INITIAL_PASSWORD: ADMIN_PASSWORD,
    });
    cleanups.push(() => single.cleanup());
    phase('singleStarted');
    const singleSetup = await provision(single);
    phase('singleProvisioned');
    const singleAcked = await publishAll(single.mqttUrl, singleSetup.people, 5);
    phase('singlePublished');
    const expected = await settle(single.db.pool, singleSetup, singleAcked);
    await single.cleanup();
    cleanups.pop();
    phase('singleRun');
    expect(expected.filter((r) => r[1] === 'prohibition_entry')).toHaveLength(PERSONS);
    expect(expected.filter((r) => r[1] === 'strap_tamper')).toHaveLength(PERSONS / 3);

    // The cluster: broker, database, Redis prefix, provisioning in-process, then three processes.
    const broker = await startMosquitto();
    cleanups.push(() => broker.stop());
    const database = await postgres!.create();
    await database.db.close();
    cleanups.push(() => database.drop());
    const prefix = testKeyPrefix();
    cleanups.push(() => deleteKeys(redisUrl!, prefix));
    const serviceAccount = { MQTT_USERNAME: 'em-ingest', MQTT_PASSWORD: `pw-${prefix}` };
    const provisioning = await startTestService({
      DATABASE_URL: database.url!,
      MQTT_URL: broker.url,
      MQTT_ADMIN_USERNAME: broker.adminUsername,
      MQTT_ADMIN_PASSWORD: broker.adminPassword,
      MQTT_CLIENT_ID: 'provisioning',
      ADMIN_INITIAL_PASSWORD: ADMIN_PASSWORD,
      ...serviceAccount,
    });
    const setup = await provision(provisioning);
    await provisioning.cleanup();

    const cluster = await startCluster({
      count: 3,
      redisUrl: redisUrl!,
      keyPrefix: prefix,
      env: {
        DATABASE_URL: database.url!,
        MQTT_URL: broker.url,
        ...serviceAccount,
        STATE_LEASE_MS: '3000',
        TIMER_LEASE_MS: '2000',
        SESSION_LEASE_MS: '2000',
        TIMER_TICK_MS: '1000',
        LOG_LEVEL: 'info',
      },
    });
    cleanups.push(() => cluster.stop());
    phase('clusterStarted');
    const victim = await waitForOneTimerHolder(cluster);

    const consoles: ResilientConsole[] = [];
    for (let slot = 0; slot < cluster.size; slot++) {
      const admin = setup.tokens[0]!;
      const other = setup.tokens[slot + 1]!;
      for (const t of [admin, other]) {
        const c = new ResilientConsole(`${t.name} on ${slot}`, t.token, t.scope, slot, cluster);
        await c.connect();
        consoles.push(c);
      }
    }

    // Kill the timer holder while devices walk towards their zones (the first third of the run).
    let killedAt = 0;
    let killing: Promise<unknown> | undefined;
    const acked = await publishAll(broker.url, setup.people, PACE_MS, (sent) => {
      if (!killing && sent >= 3 * PERSONS) {
        killedAt = Date.now();
        killing = cluster.kill(victim, 'SIGKILL');
      }
    });
    await killing;
    phase('published');
    expect(killedAt).toBeGreaterThan(0);

    // Another instance fires the timers and drained the dead instance's session.
    const holder = await waitForOneTimerHolder(cluster, 15_000);
    expect(holder).not.toBe(victim);
    const adopter = new pg.Pool({ connectionString: database.url, max: 2 });
    cleanups.push(() => adopter.end());
    const { Redis } = await import('ioredis');
    const redis = new Redis(redisUrl!);
    const victimSession = cluster.env(victim).MQTT_CLIENT_ID!;
    const adoptedBy = await redis.get(`${prefix}session:${victimSession}`);
    redis.disconnect();
    expect(adoptedBy).toMatch(/\/adopting$/);

    const pool = adopter;
    const incidents = await settle(pool, setup, acked);
    phase('settled');

    // No acknowledged fix lost, none stored twice.
    for (const [deviceId, seqs] of acked) {
      const rows = await pool.query<{ seq: number; n: number }>(
        'select seq, count(*)::int as n from fixes where device_id = $1 group by seq',
        [deviceId],
      );
      const stored = new Map(rows.rows.map((r) => [Number(r.seq), r.n]));
      for (const s of seqs) expect(stored.get(s), `${deviceId} seq ${s}`).toBe(1);
      expect([...stored.values()].every((n) => n === 1)).toBe(true);
      expect(seqs.size).toBe(FIXES);
    }

    // The same incidents as one instance decided.
    expect(incidents).toEqual(expected);

    // Every console got every incident change of its scope once, in order, resumed or not.
    await new Promise((r) => setTimeout(r, 1000));
    for (const c of consoles) {
      const inScope = await pool.query<{ cursor: string }>(
        `select cursor from incident_events where cursor > $1 and org_path like $2 order by cursor`,
        [c.since, `${c.scope}%`],
      );
      const want = inScope.rows.map((r) => Number(r.cursor));
      await waitFor(() => c.received.length >= want.length, 15_000, 100).catch(() => {});
      expect(
        c.received.map((m) => m.cursor),
        c.name,
      ).toEqual(want);
      expect(want.length).toBeGreaterThan(0);
    }
    const resumed = consoles.filter((c) => c.resumes > 0).length;
    expect(resumed).toBe(2); // the two consoles of the killed instance
    console.info('[scale-out]', {
      fixes: [...acked.values()].reduce((n, s) => n + s.size, 0),
      incidents: incidents.length,
      killed: victim,
      timersNowOn: holder,
      consoles: consoles.length,
      resumed,
      phasesMs: phases,
    });
    for (const c of consoles) await c.close();
  }, 110_000);
});
