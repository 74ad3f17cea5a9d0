// The timer lease (issue 8): of several instances exactly one holds it; when the holder dies (its
// Redis connection gone, no goodbye) another holds it within the lease time plus one renewal period,
// and the dead one no longer believes it holds it by then.
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { type Lease, startLease } from '../../src/adapters/redis/redis-lease.js';
import { availableRedisUrl, deleteKeys, testKeyPrefix } from '../support/redis.js';
import { waitFor } from '../support/wait.js';

const url = await availableRedisUrl('redis lease');
const log = pino({ level: 'silent' });
const LEASE_MS = 600;

describe.runIf(url !== undefined)('redis lease', () => {
  const prefix = testKeyPrefix();
  const clients: Redis[] = [];
  afterAll(async () => {
    for (const c of clients) c.disconnect();
    await deleteKeys(url!, prefix);
  });

  it('is held by exactly one instance, and taken over within seconds when that one dies', async () => {
    const instances: Array<{ redis: Redis; lease: Lease }> = [];
    for (let i = 0; i < 3; i++) {
      const redis = new Redis(url!, { maxRetriesPerRequest: 0 });
      redis.on('error', () => {});
      clients.push(redis);
      instances.push({
        redis,
        lease: await startLease(redis, `${prefix}timers`, `instance-${i}`, LEASE_MS, log),
      });
    }
    const holders = () => instances.filter((x) => x.lease.held);
    await waitFor(() => holders().length === 1, 5000, 20);
    const dead = holders()[0]!;
    // Held continuously while the holder lives: sampled over several renewal periods.
    for (let i = 0; i < 10; i++) {
      expect(holders()).toEqual([dead]);
      await new Promise((r) => setTimeout(r, LEASE_MS / 5));
    }
    const diedAt = Date.now();
    dead.redis.disconnect(); // a crash: no renewal, no goodbye
    await waitFor(() => holders().some((x) => x !== dead), 5000, 10);
    const takeoverMs = Date.now() - diedAt;
    expect(takeoverMs).toBeLessThanOrEqual(LEASE_MS + LEASE_MS / 3 + 500);
    expect(dead.lease.held).toBe(false);
    expect(holders()).toHaveLength(1);
    for (const x of instances) await x.lease.close();
  });
});
