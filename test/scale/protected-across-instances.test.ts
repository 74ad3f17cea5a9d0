// Victim proximity with several instances (issues 4 and 8): the protected person's phone reports to
// one instance, the supervisee's ankle monitor to another, both sharing one PostgreSQL and one Redis.
// The instance judging the supervisee must know where the victim is: the approach opens a
// protected_person_proximity incident, and nobody is told "proximity unknown" while her phone
// reports. (Each instance used to keep the phones it read to itself: the second instance saw no
// victim at all and reported her position unknown instead of the approach.)
import { randomUUID } from 'node:crypto';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerDevice } from '../../src/admin/devices.js';
import { createZone } from '../../src/admin/zones.js';
import { databaseTargets } from '../support/databases.js';
import { availableRedisUrl, deleteKeys, testKeyPrefix } from '../support/redis.js';
import { monitoredPerson, startTestService, type TestService, ZIYANG } from '../support/service.js';
import { waitFor } from '../support/wait.js';

const redisUrl = await availableRedisUrl('protected positions across instances');
const postgres = (await databaseTargets()).find((t) => t.name === 'postgres');
if (!postgres && process.env.CI === 'true') throw new Error('CI: PostgreSQL is required (TEST_POSTGRES_URL)');
if (!postgres) console.warn('[skipped] protected positions across instances: no PostgreSQL configured');

const M_PER_DEG_LAT = 111_320;

async function publishFixes(
  url: string,
  device: { id: string; secret: string },
  fixes: ReadonlyArray<{ ts: number; lat: number; lon: number }>,
): Promise<void> {
  const c = await mqtt.connectAsync(
    url,
    {
      clientId: `${device.id}-${randomUUID().slice(0, 6)}`,
      username: device.id,
      password: device.secret,
      reconnectPeriod: 0,
    },
    false,
  );
  try {
    for (const [i, f] of fixes.entries()) {
      // The embedded broker acknowledges a QoS 1 fix once its batch is committed.
      const body = { ts: new Date(f.ts).toISOString(), lat: f.lat, lon: f.lon, acc: 6, src: 'gnss', seq: i + 1 };
      await c.publishAsync(`em/v1/devices/${device.id}/telemetry`, JSON.stringify(body), { qos: 1 });
    }
  } finally {
    await c.endAsync();
  }
}

describe.skipIf(!redisUrl || !postgres)('protected person proximity across instances', () => {
  const prefix = testKeyPrefix();
  let database: Awaited<ReturnType<NonNullable<typeof postgres>['create']>> | undefined;
  let first: TestService;
  let second: TestService;

  beforeAll(async () => {
    database = await postgres!.create();
    await database.db.close();
    const shared = {
      DATABASE_URL: database.url!,
      STATE_STORE: 'redis',
      REDIS_URL: redisUrl!,
      REDIS_KEY_PREFIX: prefix,
    };
    first = await startTestService({ ...shared, INSTANCE_ID: 'first' });
    second = await startTestService({ ...shared, INSTANCE_ID: 'second' });
  }, 120_000);

  afterAll(async () => {
    await second?.cleanup();
    await first?.cleanup();
    await database?.drop();
    if (redisUrl) await deleteKeys(redisUrl, prefix);
  });

  it('judges the supervisee on one instance against the victim’s phone read by the other', async () => {
    const person = await monitoredPerson(first, { orgUnitId: 'lianhua', level: 'normal' });
    const phone = await registerDevice(first.admin, { superviseeId: null, orgUnitId: 'lianhua', kind: 'phone' });
    // The victim lives 2 km north of Ziyang's centre; 500 m around her phone is off limits.
    const victim = { lat: ZIYANG.lat + 2000 / M_PER_DEG_LAT, lon: ZIYANG.lon };
    await createZone(first.admin, {
      kind: 'protected_person',
      orgUnitId: 'lianhua',
      name: '保护对象',
      geometry: { type: 'Circle', center: [victim.lon, victim.lat], radiusM: 500 },
      protectedDeviceId: phone.id,
      assignTo: [person.personId],
    });
    // Directory news reaches the second instance through Redis.
    await waitFor(
      () =>
        second.directory.person(person.personId)?.context.hasProtectedPersons === true &&
        second.directory.device(phone.id) !== undefined,
      20_000,
    );

    const t0 = Date.now() - 4 * 60_000;
    // Her phone reports to the first instance, twice, at home.
    await publishFixes(first.mqttUrl, phone, [
      { ts: t0, ...victim },
      { ts: t0 + 60_000, ...victim },
    ]);
    // His ankle monitor reports to the second: 150 m from her, four GNSS fixes over 90 s.
    const near = { lat: victim.lat - 150 / M_PER_DEG_LAT, lon: victim.lon };
    await publishFixes(
      second.mqttUrl,
      person.ankle,
      [70, 100, 130, 160].map((s) => ({ ts: t0 + s * 1000, lat: near.lat, lon: near.lon })),
    );

    const incidents = async () =>
      (
        await first.db.pool.query<{ kind: string; state: string }>(
          'select kind, state from incidents where supervisee_id = $1 order by id',
          [person.personId],
        )
      ).rows;
    await waitFor(async () => (await incidents()).some((i) => i.kind === 'protected_person_proximity'), 20_000);
    expect(await incidents()).toEqual([{ kind: 'protected_person_proximity', state: 'open' }]);
  }, 120_000);
});
