// One contract for the stores of protected persons' phone fixes (STYLE.md: one suite for every
// adapter pair): this instance's memory (the embedded default) and Redis, shared by several
// instances (issue 8). "Two instances" are two handles over the same backing store.
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { RedisProtectedPositions } from '../../src/adapters/redis/redis-protected-positions.js';
import {
  MemoryProtectedPositions,
  type ProtectedPhoneFix,
  type ProtectedPositionStore,
} from '../../src/pipeline/protected-positions.js';
import { closedAfterSuite } from '../support/backends.js';
import { availableRedisUrl, deleteKeys, redisBackend, testKeyPrefix } from '../support/redis.js';

interface Backend {
  /** A handle as one instance holds it; all handles of a backend share what they record. */
  handle(): ProtectedPositionStore;
  close(): Promise<void>;
}

type Target = [string, () => Backend];

const targets: Target[] = [
  [
    'memory',
    () => {
      const first = new MemoryProtectedPositions(Date.now());
      let handed = false;
      return {
        handle() {
          if (handed) return first.sibling();
          handed = true;
          return first;
        },
        close: async () => {},
      };
    },
  ],
];
const redisUrl = await availableRedisUrl('protected-positions contract');
if (redisUrl) {
  targets.push([
    'redis',
    () => redisBackend(redisUrl, (client, prefix) => new RedisProtectedPositions(client, prefix)),
  ]);
}

const T = Date.UTC(2026, 10, 29, 6, 0, 0);
const fix = (deviceId: string, ts: number, lat = 30.1234567891, lon = 104.6543210987, acc = 12.5) =>
  ({ deviceId, ts, lat, lon, acc }) satisfies ProtectedPhoneFix;
const none = new Set<string>();
const fixesOf = async (
  store: ProtectedPositionStore,
  fixes: readonly ProtectedPhoneFix[],
  wanted: ReadonlySet<string>,
) => (await store.exchange(fixes, wanted)).protectedFixes;

describe.each(targets)('protected positions store contract: %s', (_name, makeBackend) => {
  const backend = closedAfterSuite(makeBackend);

  it('answers what was recorded, exactly, and nothing for a phone never heard from', async () => {
    const store = backend().handle();
    const got = await fixesOf(store, [fix('v1', T)], new Set(['v1', 'v2']));
    expect(got.get('v1')).toEqual({ ts: T, lat: 30.1234567891, lon: 104.6543210987, acc: 12.5 });
    expect(got.has('v2')).toBe(false);
    expect((await fixesOf(store, [], new Set(['v1']))).get('v1')?.ts).toBe(T);
  });

  it('keeps the newest fix: a late, older one never replaces it, in one call or across calls', async () => {
    const store = backend().handle();
    await store.exchange([fix('v1', T + 60_000, 30.2), fix('v1', T, 30.1)], none);
    expect((await fixesOf(store, [], new Set(['v1']))).get('v1')).toMatchObject({
      ts: T + 60_000,
      lat: 30.2,
    });
    const got = await fixesOf(store, [fix('v1', T + 30_000, 30.3)], new Set(['v1']));
    expect(got.get('v1')).toMatchObject({ ts: T + 60_000, lat: 30.2 });
    const newer = await fixesOf(store, [fix('v1', T + 90_000, 30.4)], new Set(['v1']));
    expect(newer.get('v1')).toMatchObject({ ts: T + 90_000, lat: 30.4 });
  });

  it('says since when it has kept fixes: from its first use, the same for every instance', async () => {
    const b = backend();
    const before = Date.now();
    const first = (await b.handle().exchange([], new Set(['v1']))).protectedSince!;
    expect(first).toBeLessThanOrEqual(Date.now());
    expect(first).toBeGreaterThan(before - 60_000);
    await new Promise((r) => setTimeout(r, 20));
    expect((await b.handle().exchange([fix('v1', T)], new Set(['v1']))).protectedSince).toBe(first);
  });

  it('shares what one instance recorded with another', async () => {
    const b = backend();
    const a = b.handle();
    const other = b.handle();
    expect((await fixesOf(other, [], new Set(['v9']))).has('v9')).toBe(false);
    await a.exchange([fix('v9', T, 30.5, 104.5, 8)], none);
    expect((await fixesOf(other, [], new Set(['v9']))).get('v9')).toEqual({
      ts: T,
      lat: 30.5,
      lon: 104.5,
      acc: 8,
    });
    // And the other way round: the newest wins whoever recorded it.
    await other.exchange([fix('v9', T + 1000, 30.6, 104.6, 9)], none);
    expect((await fixesOf(a, [fix('v9', T + 500)], new Set(['v9']))).get('v9')?.lat).toBe(30.6);
  });
});

if (redisUrl) {
  it('redis: a victim’s position is kept only for a bounded time (expiry set)', async () => {
    const prefix = testKeyPrefix();
    const client = new Redis(redisUrl);
    try {
      await new RedisProtectedPositions(client, prefix).exchange([fix('v1', T)], none);
      const ttl = await client.pttl(`${prefix}protected:v1`);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(60 * 60_000);
    } finally {
      client.disconnect();
      await deleteKeys(redisUrl, prefix);
    }
  });
}
