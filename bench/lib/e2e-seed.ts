// Bulk set-up for bench/e2e.ts: `people` supervisees, each with an ankle monitor, an approved EM
// order, a residence (a 300 m circle around the home, curfew 22:00-06:00 every night) and one of
// `prohibitionZones` shared prohibition squares; plus one shared trigger zone assigned to the
// alerting people. Written straight into the service's own tables (unnest, 5,000 rows a statement):
// this is set-up, not what is measured; the service reads it exactly as it reads what its API wrote.
// Device credentials are made as registration makes them (SHA-256 of the secret for the service,
// Mosquitto `$7$` PBKDF2-SHA512 for the broker's password file), on the libuv thread pool.
import { createHash, pbkdf2, randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import type pg from 'pg';
import { MOSQUITTO_PBKDF2_ITERATIONS } from '../../src/auth/broker-password.js';

const pbkdf2Async = promisify(pbkdf2);
const CHUNK = 5_000;
export const M_PER_DEG_LAT = 111_320;
const LAT0 = 30.12;
const LON0 = 104.63;
const mPerDegLon = (lat: number) => M_PER_DEG_LAT * Math.cos((lat * Math.PI) / 180);

export interface SeededPerson {
  readonly personId: string;
  readonly deviceId: string;
  readonly secret: string;
  readonly home: { readonly lat: number; readonly lon: number };
}

export interface SeedOptions {
  people: number;
  prohibitionZones: number;
  /** The last `alerting` people are assigned the trigger zone (bench/e2e.ts TRIGGER_ZONE). */
  alerting: number;
  trigger: { lat: number; lon: number; halfM: number };
  log: (msg: string) => void;
}

function square(lat: number, lon: number, halfM: number) {
  const dLat = halfM / M_PER_DEG_LAT;
  const dLon = halfM / mPerDegLon(lat);
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

async function insertChunked(
  db: pg.ClientBase,
  sql: string,
  columns: ReadonlyArray<readonly unknown[]>,
  rows: number,
  scalars: readonly unknown[] = [],
): Promise<void> {
  for (let i = 0; i < rows; i += CHUNK) {
    await db.query(sql, [...columns.map((c) => c.slice(i, i + CHUNK)), ...scalars]);
  }
}

/** Home i: spread over ±8 km of the centre (inside the 20 km county square), deterministic. */
export function homeOf(i: number): { lat: number; lon: number } {
  const u = ((i * 7919) % 10_007) / 10_007 - 0.5;
  const v = ((i * 104_729) % 10_009) / 10_009 - 0.5;
  return { lat: LAT0 + (16_000 * u) / M_PER_DEG_LAT, lon: LON0 + (16_000 * v) / mPerDegLon(LAT0) };
}

export async function seedPeople(db: pg.ClientBase, o: SeedOptions): Promise<SeededPerson[]> {
  const n = o.people;
  const pad = (i: number) => String(i).padStart(6, '0');
  const people: SeededPerson[] = [];
  const secretHashes: string[] = [];
  const brokerHashes: string[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const secret = randomBytes(32).toString('base64url');
    people.push({ personId: `e2e-p-${pad(i)}`, deviceId: `e2e-d-${pad(i)}`, secret, home: homeOf(i) });
    secretHashes.push(createHash('sha256').update(secret).digest('base64url'));
  }
  let next = 0;
  const hashWorker = async () => {
    for (let i = next++; i < n; i = next++) {
      const salt = randomBytes(12);
      const hash = await pbkdf2Async(people[i]!.secret, salt, MOSQUITTO_PBKDF2_ITERATIONS, 64, 'sha512');
      brokerHashes[i] =
        `$7$${MOSQUITTO_PBKDF2_ITERATIONS}$${salt.toString('base64')}$${hash.toString('base64')}`;
      if ((i + 1) % 25_000 === 0) o.log(`seed: ${i + 1}/${n} broker password hashes`);
    }
  };
  await Promise.all(Array.from({ length: 8 }, hashWorker));

  const now = Date.now();
  const personIds = people.map((p) => p.personId);
  const units = people.map((_, i) => (i % 2 === 0 ? 'lianhua' : 'baotai'));
  await db.query('begin');
  try {
    await insertChunked(
      db,
      `insert into supervisees (id, org_unit_id, name, level)
       select id, unit, '压测对象', 'normal' from unnest($1::text[], $2::text[]) as t(id, unit)`,
      [personIds, units],
      n,
    );
    await insertChunked(
      db,
      `insert into devices (id, supervisee_id, kind, secret_hash, broker_password_hash)
       select id, p, 'ankle', h, b from unnest($1::text[], $2::text[], $3::text[], $4::text[]) as t(id, p, h, b)`,
      [people.map((p) => p.deviceId), personIds, secretHashes, brokerHashes],
      n,
    );
    await insertChunked(
      db,
      `insert into em_orders (id, supervisee_id, ground, approver, approved_at, starts_at, ends_at)
       select 'e2e-o-' || p, p, 'left_without_approval', '雁江区司法局局长 (bench)',
              to_timestamp($2::float8 / 1000), to_timestamp($2::float8 / 1000), to_timestamp($3::float8 / 1000)
       from unnest($1::text[]) as t(p)`,
      [personIds],
      n,
      [now - 30 * 86_400_000, now + 30 * 86_400_000],
    );
    const curfew = JSON.stringify({
      weekly: Array.from({ length: 7 }, (_, weekday) => ({ weekday, startMin: 22 * 60, endMin: 6 * 60 })),
      exceptions: [],
    });
    await insertChunked(
      db,
      `insert into zones (id, kind, org_unit_id, supervisee_id, name, center_lat, center_lon, radius_m, schedule)
       select 'e2e-r-' || p, 'residence', u, p, '住所', lat, lon, 300, $5::jsonb
       from unnest($1::text[], $2::text[], $3::float8[], $4::float8[]) as t(p, u, lat, lon)`,
      [personIds, units, people.map((p) => p.home.lat), people.map((p) => p.home.lon)],
      n,
      [curfew],
    );
    // Prohibition squares (200 m half-side) in a band 10-18 km east of the centre, away from homes.
    const zoneIds: string[] = [];
    const geometries: string[] = [];
    for (let k = 0; k < o.prohibitionZones; k++) {
      const lat = LAT0 + ((((k * 37) % 97) / 97 - 0.5) * 30_000) / M_PER_DEG_LAT;
      const lon = LON0 + (10_000 + (((k * 53) % 89) / 89) * 8_000) / mPerDegLon(LAT0);
      zoneIds.push(`e2e-x-${pad(k)}`);
      geometries.push(JSON.stringify(square(lat, lon, 200)));
    }
    zoneIds.push('e2e-trigger');
    geometries.push(JSON.stringify(square(o.trigger.lat, o.trigger.lon, o.trigger.halfM)));
    await insertChunked(
      db,
      `insert into zones (id, kind, org_unit_id, name, geometry)
       select id, 'prohibition', 'yanjiang', '禁止进入区域', g::jsonb from unnest($1::text[], $2::text[]) as t(id, g)`,
      [zoneIds, geometries],
      zoneIds.length,
    );
    const assignedZone = people.map((_, i) => zoneIds[i % o.prohibitionZones]!);
    await insertChunked(
      db,
      `insert into zone_assignments (zone_id, supervisee_id)
       select z, p from unnest($1::text[], $2::text[]) as t(z, p)`,
      [assignedZone, personIds],
      n,
    );
    const alerting = personIds.slice(n - o.alerting);
    await insertChunked(
      db,
      `insert into zone_assignments (zone_id, supervisee_id) select 'e2e-trigger', p from unnest($1::text[]) as t(p)`,
      [alerting],
      alerting.length,
    );
    await db.query('commit');
  } catch (err) {
    await db.query('rollback').catch(() => {});
    throw err;
  }
  await db.query('analyze');
  return people;
}
