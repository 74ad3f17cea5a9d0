// Two service instances in this process sharing one PostgreSQL and one Redis (issue 8), each with its
// own embedded broker: a device is read by the instance it connects to, as with a shared
// subscription, and the test says which. For rules that depend on more than one person's devices.
import { randomUUID } from 'node:crypto';
import mqtt from 'mqtt';
import { databaseTargets } from './databases.js';
import { availableRedisUrl, deleteKeys, testKeyPrefix } from './redis.js';
import { startTestService, type TestService } from './service.js';

export interface TwoInstances {
  readonly first: TestService;
  readonly second: TestService;
  stop(): Promise<void>;
}

/** Whether the real services are there (in CI they must be); says what is skipped when not. */
export async function twoInstancesAvailable(suite: string): Promise<boolean> {
  const redisUrl = await availableRedisUrl(suite);
  const postgres = (await databaseTargets()).find((t) => t.name === 'postgres');
  if (!postgres && process.env.CI === 'true')
    throw new Error('CI: PostgreSQL is required (TEST_POSTGRES_URL)');
  if (!postgres) console.warn(`[skipped] ${suite}: no PostgreSQL configured`);
  return redisUrl !== undefined && postgres !== undefined;
}

export async function startTwoInstances(env: Record<string, string> = {}): Promise<TwoInstances> {
  const redisUrl = (await availableRedisUrl('two instances'))!;
  const postgres = (await databaseTargets()).find((t) => t.name === 'postgres')!;
  const database = await postgres.create();
  await database.db.close();
  const prefix = testKeyPrefix();
  const shared = {
    DATABASE_URL: database.url!,
    STATE_STORE: 'redis',
    REDIS_URL: redisUrl,
    REDIS_KEY_PREFIX: prefix,
    ...env,
  };
  const first = await startTestService({ ...shared, INSTANCE_ID: 'first' });
  const second = await startTestService({ ...shared, INSTANCE_ID: 'second' });
  return {
    first,
    second,
    async stop() {
      await second.cleanup();
      await first.cleanup();
      await database.drop();
      await deleteKeys(redisUrl, prefix);
    },
  };
}

export interface DeviceLink {
  /** Publishes GNSS fixes (QoS 1; the embedded broker acknowledges once the batch is committed). */
  send(fixes: ReadonlyArray<{ ts: number; lat: number; lon: number }>): Promise<void>;
  close(): Promise<void>;
}

let seq = 1;

export async function connectDevice(
  url: string,
  device: { id: string; secret: string },
): Promise<DeviceLink> {
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
  return {
    async send(fixes) {
      for (const f of fixes) {
        const n = seq++;
        const body = {
          ts: new Date(f.ts).toISOString(),
          lat: f.lat,
          lon: f.lon,
          acc: 6,
          src: 'gnss',
          seq: n,
        };
        await c.publishAsync(`em/v1/devices/${device.id}/telemetry`, JSON.stringify(body), { qos: 1 });
      }
    },
    close: () => c.endAsync(),
  };
}
