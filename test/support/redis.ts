// A real Redis for suites of the shared-state adapters (issue 8): TEST_REDIS_URL, default
// 127.0.0.1:6379 outside CI. Each use gets its own key prefix, removed afterwards, so runs and suites
// sharing one Redis never see each other's keys. Outside CI a missing Redis is skipped with a
// message; with CI=true it fails the run (test/README.md).
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';

const inCi = process.env.CI === 'true';

export function testRedisUrl(): string | undefined {
  return process.env.TEST_REDIS_URL ?? (inCi ? undefined : 'redis://127.0.0.1:6379');
}

/** The Redis URL when one answers; undefined (and a `[skipped]` line) when not, outside CI. */
export async function availableRedisUrl(suite: string): Promise<string | undefined> {
  const url = testRedisUrl();
  if (!url) throw new Error('CI: TEST_REDIS_URL is not set; .ci/run must provide it');
  const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  probe.on('error', () => {});
  try {
    await probe.connect();
    await probe.ping();
    return url;
  } catch {
    if (inCi) throw new Error(`CI: Redis at ${url} is configured but unreachable`);
    console.warn(`[skipped] ${suite} against redis: nothing answers at ${url}`);
    return undefined;
  } finally {
    probe.disconnect();
  }
}

export const testKeyPrefix = (): string => `em-test:${process.pid}:${randomUUID().slice(0, 8)}:`;

/** Deletes every key under `prefix` (the cleanup of one test's keys). */
export async function deleteKeys(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

/**
 * Handles as several instances hold them (contract suites): each on its own connection, all under
 * one fresh key prefix; `close` disconnects them and deletes the prefix's keys.
 */
export function redisBackend<A extends unknown[], H>(
  url: string,
  make: (client: Redis, prefix: string, ...args: A) => H,
): { handle(...args: A): H; close(): Promise<void> } {
  const prefix = testKeyPrefix();
  const clients: Redis[] = [];
  return {
    handle(...args: A) {
      const client = new Redis(url);
      clients.push(client);
      return make(client, prefix, ...args);
    },
    async close() {
      for (const c of clients) c.disconnect();
      await deleteKeys(url, prefix);
    },
  };
}
