// Starts the real service in-process on free loopback ports, with its own data directory (embedded)
// or a fresh database on a real server, and helpers to register people and devices.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import pg from 'pg';
import { pino } from 'pino';
import { registerDevice } from '../../src/admin/devices.js';
import { createEmOrder } from '../../src/admin/em-orders.js';
import { createSupervisee } from '../../src/admin/supervisees.js';
import { createZone, type NewZone } from '../../src/admin/zones.js';
import { type Config, loadConfig } from '../../src/config.js';
import { type RunningService, type ServiceOptions, startService } from '../../src/service.js';

export const ADMIN_PASSWORD = 'test-admin-password';
export const ZIYANG = { lat: 30.12, lon: 104.63 };

/**
 * Settings for a service whose devices publish far above a device's contract on purpose (fuzzing,
 * durability, throughput): the flood guard would refuse, and count, what such a test or bench is
 * not about.
 */
export const OPEN_FLOOD_GUARD = { DEVICE_BURST: '1000000', DEVICE_MSGS_PER_S: '100000' } as const;

export interface TestService extends RunningService {
  cleanup(): Promise<void>;
}

/** A test service's settings: embedded defaults on `dataDir`, every port chosen by the system. */
export function testServiceConfig(dataDir: string, env: Record<string, string> = {}): Config {
  return loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    DATA_DIR: dataDir,
    PORT: '0',
    MQTT_LISTEN_PORT: '0',
    OSMAND_PORT: '0',
    ADMIN_INITIAL_PASSWORD: ADMIN_PASSWORD,
    DB_POOL_SIZE: '6',
    ...env,
  });
}

export async function startTestService(
  env: Record<string, string> = {},
  options: ServiceOptions = {},
): Promise<TestService> {
  const dataDir = mkdtempSync(join(tmpdir(), 'em-svc-'));
  const config = testServiceConfig(dataDir, env);
  const log = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const service = await startService(config, log, options);
  return Object.assign(service, {
    async cleanup() {
      await service.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  });
}

/**
 * The service on the embedded database, or, when DATABASE_URL is set, on a fresh database created on
 * that server for this suite and dropped by `cleanup()`.
 */
export async function startTestServiceOnDatabaseUrl(
  prefix: string,
  env: Record<string, string> = {},
  options: ServiceOptions = {},
): Promise<TestService> {
  const serverUrl = process.env.DATABASE_URL;
  if (!serverUrl) return startTestService(env, options);
  const name = `${prefix}_${process.pid}_${randomUUID().slice(0, 8)}`;
  const adminQuery = async (sql: string) => {
    const c = new pg.Client({ connectionString: serverUrl });
    await c.connect();
    try {
      await c.query(sql);
    } finally {
      await c.end();
    }
  };
  await adminQuery(`create database ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const svc = await startTestService({ DATABASE_URL: url.toString(), ...env }, options);
  const cleanup = svc.cleanup.bind(svc);
  return Object.assign(svc, {
    async cleanup() {
      await cleanup();
      await adminQuery(`drop database if exists ${name} with (force)`);
    },
  });
}

/** A square polygon of half-side `halfM` metres around a point, as GeoJSON [lon, lat]. */
export function squareAround(lat: number, lon: number, halfM: number): NewZone['geometry'] {
  const dLat = halfM / 111_320;
  const dLon = halfM / (111_320 * Math.cos((lat * Math.PI) / 180));
  return {
    type: 'Polygon',
    coordinates: [
      [
        [lon - dLon, lat - dLat],
        [lon + dLon, lat - dLat],
        [lon + dLon, lat + dLat],
        [lon - dLon, lat + dLat],
        [lon - dLon, lat - dLat],
      ],
    ],
  };
}

export interface MonitoredPerson {
  personId: string;
  ankle: { id: string; secret: string };
  phone?: { id: string; secret: string };
}

/** A supervisee of `orgUnitId` with an ankle monitor, an active 60-day EM order and the county boundary. */
export async function monitoredPerson(
  svc: RunningService,
  opts: {
    orgUnitId?: string;
    level?: 'strict' | 'normal' | 'lenient';
    owntracks?: { user: string; device: string };
    phone?: boolean;
  } = {},
): Promise<MonitoredPerson> {
  const orgUnitId = opts.orgUnitId ?? 'lianhua';
  const personId = await createSupervisee(svc.admin, {
    orgUnitId,
    name: '测试对象',
    level: opts.level ?? 'normal',
  });
  const ankle = await registerDevice(svc.admin, { superviseeId: personId, kind: 'ankle' });
  const phone =
    opts.phone || opts.owntracks
      ? await registerDevice(svc.admin, { superviseeId: personId, kind: 'phone', owntracks: opts.owntracks })
      : undefined;
  const now = Date.now();
  await createEmOrder(svc.admin, {
    superviseeId: personId,
    ground: 'left_without_approval',
    approver: '雁江区司法局局长',
    startsAt: now - 30 * 86_400_000,
    endsAt: now + 30 * 86_400_000,
  });
  return { personId, ankle, ...(phone ? { phone } : {}) };
}

/** Metres per degree of longitude at ZIYANG. */
export const ZIYANG_KX = 111_320 * Math.cos((ZIYANG.lat * Math.PI) / 180);
/** The centre's longitude of the school that personNearSchool is prohibited from: 3 km east of ZIYANG. */
export const SCHOOL_LON = ZIYANG.lon + 3000 / ZIYANG_KX;

/**
 * In a fresh test service on the embedded database (or DATABASE_URL: startTestServiceOnDatabaseUrl):
 * the county, and a monitored person of lianhua (normal level) prohibited from a school, a 200 m
 * square at SCHOOL_LON on ZIYANG's latitude (Art. 31).
 */
export async function personNearSchool(
  dbPrefix: string,
): Promise<{ svc: TestService; person: MonitoredPerson }> {
  const svc = await startTestServiceOnDatabaseUrl(dbPrefix);
  await ensureCounty(svc);
  const person = await monitoredPerson(svc, { orgUnitId: 'lianhua', level: 'normal' });
  await createZone(svc.admin, {
    kind: 'prohibition',
    orgUnitId: 'lianhua',
    name: '学校',
    geometry: squareAround(ZIYANG.lat, SCHOOL_LON, 100),
    assignTo: [person.personId],
  });
  return { svc, person };
}

/**
 * A protected person (victim): her phone, registered in `orgUnitId`, and a protected-person zone of
 * `radiusM` around it assigned to `personId`. Returns the phone's credentials.
 */
export async function protectedPerson(
  svc: RunningService,
  personId: string,
  at: { lat: number; lon: number },
  opts: { orgUnitId?: string; radiusM?: number } = {},
): Promise<{ id: string; secret: string }> {
  const orgUnitId = opts.orgUnitId ?? 'lianhua';
  const phone = await registerDevice(svc.admin, { superviseeId: null, orgUnitId, kind: 'phone' });
  await createZone(svc.admin, {
    kind: 'protected_person',
    orgUnitId,
    name: '保护对象',
    geometry: { type: 'Circle', center: [at.lon, at.lat], radiusM: opts.radiusM ?? 500 },
    protectedDeviceId: phone.id,
    assignTo: [personId],
  });
  return phone;
}

/** How many fixes the service has stored for this device. */
export async function storedFixes(svc: RunningService, deviceId: string): Promise<number> {
  const { rows } = await svc.db.pool.query<{ n: number }>(
    'select count(*)::int as n from fixes where device_id = $1',
    [deviceId],
  );
  return rows[0]!.n;
}

/** The county boundary zone (20 km square around Ziyang) once per service. */
export async function ensureCounty(svc: RunningService): Promise<void> {
  const existing = await svc.db.pool.query("select 1 from zones where id = 'county-yanjiang'");
  if (existing.rowCount) return;
  await createZone(svc.admin, {
    id: 'county-yanjiang',
    kind: 'jurisdiction',
    orgUnitId: 'yanjiang',
    name: '雁江区',
    geometry: squareAround(ZIYANG.lat, ZIYANG.lon, 20_000),
  });
}

/**
 * Publishes `fixes` as one store-and-forward batch from the device, over MQTT with its own
 * credentials, as a real monitor does (ARCHITECTURE.md wire contract); resolves once the broker has
 * acknowledged it (QoS 1), not once it is stored.
 */
export async function publishFixes(
  svc: RunningService,
  device: { readonly id: string; readonly secret: string },
  fixes: readonly object[],
): Promise<void> {
  const c = await mqtt.connectAsync(svc.mqttUrl, {
    clientId: `${device.id}-${randomUUID().slice(0, 6)}`,
    username: device.id,
    password: device.secret,
    reconnectPeriod: 0,
  });
  try {
    await c.publishAsync(`em/v1/devices/${device.id}/telemetry`, JSON.stringify({ fixes }), { qos: 1 });
  } finally {
    await c.endAsync();
  }
}
