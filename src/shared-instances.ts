// Part of the composition root (service.ts): what several instances share through Redis (issue 8,
// docs/decisions/0006-scale-out.md): person state, protected persons' phone fixes, incident fan-out
// in cursor order, the timer lease and directory news. Used when STATE_STORE=redis; the embedded default never loads it.
import { Redis } from 'ioredis';
import type pg from 'pg';
import { type InstanceBus, startRedisBus } from './adapters/redis/redis-bus.js';
import { type Lease, startLease } from './adapters/redis/redis-lease.js';
import { RedisProtectedPositions } from './adapters/redis/redis-protected-positions.js';
import { RedisStateStore } from './adapters/redis/redis-state-store.js';
import type { Config } from './config.js';
import { coalescedReload } from './directory/coalesced-reload.js';
import type { Directory } from './directory/directory.js';
import type { IncidentFeed } from './live/incident-feed.js';
import type { Logger } from './logger.js';

/** How often the feed looks for incident changes whose announcement was lost. */
const FEED_POLL_MS = 2000;
/** A lost directory message (pub/sub is not durable) is made good within this time. */
const DIRECTORY_RELOAD_MS = 60_000;

export interface SharedInstances {
  readonly redis: Redis;
  /**
   * A connection of its own for liveness leases (timers, MQTT sessions): their renewals must not
   * queue behind the state scripts of a busy pipeline, or a busy instance looks dead and another
   * adopts its session (seen at 100,000 people with three instances: sessions kicked back and forth).
   */
  readonly leaseRedis: Redis;
  readonly store: RedisStateStore;
  /** A victim's phone may be read by one instance and a supervisee near her judged by another. */
  readonly protectedPositions: RedisProtectedPositions;
  readonly bus: InstanceBus;
  readonly timerLease: Lease;
}

export interface SharedInstancesDeps {
  readonly pool: pg.Pool;
  readonly directory: Directory;
  readonly feed: IncidentFeed;
  readonly log: Logger;
  /** The service's shutdown steps, run last-in first-out. */
  readonly closers: Array<[string, () => Promise<void>]>;
  /** Re-publishes the devices' retained configuration after a directory change elsewhere. */
  syncDeviceConfig(): Promise<void>;
}

export async function startSharedInstances(
  config: Config,
  instanceId: string,
  deps: SharedInstancesDeps,
): Promise<SharedInstances> {
  const { log, closers, feed } = deps;
  const redis = new Redis(config.REDIS_URL!, { lazyConnect: true, maxRetriesPerRequest: 3 });
  redis.on('error', (err) => log.warn({ err: err.message }, 'redis error'));
  await redis.connect();
  closers.push(['redis', async () => void (await redis.quit().catch(() => redis.disconnect()))]);
  const leaseRedis = redis.duplicate();
  leaseRedis.on('error', (err) => log.warn({ err: err.message }, 'redis error (lease connection)'));
  await leaseRedis.connect();
  closers.push([
    'redis (leases)',
    async () => void (await leaseRedis.quit().catch(() => leaseRedis.disconnect())),
  ]);
  const store = new RedisStateStore(redis, config.REDIS_KEY_PREFIX, instanceId, {
    leaseMs: config.STATE_LEASE_MS,
    waitMs: 2 * config.STATE_LEASE_MS,
  });
  await feed.ordered(deps.pool);
  const reloadDirectory = coalescedReload(async () => {
    await deps.directory.reload();
    await deps.syncDeviceConfig().catch((err) => log.warn({ err }, 'device config sync failed'));
  });
  const bus = await startRedisBus(
    redis,
    config.REDIS_KEY_PREFIX,
    instanceId,
    {
      onIncidents: (rows) => feed.publish(rows),
      onDirectoryChanged: () => void reloadDirectory().catch((err) => log.warn({ err }, 'reload failed')),
    },
    log,
  );
  closers.push(['instance bus', () => bus.close()]);
  const polls = setInterval(() => void feed.catchUp(), FEED_POLL_MS);
  const reloads = setInterval(() => {
    reloadDirectory().catch((err) => log.warn({ err }, 'directory reload failed'));
  }, DIRECTORY_RELOAD_MS);
  closers.push([
    'instance polls',
    async () => {
      clearInterval(polls);
      clearInterval(reloads);
    },
  ]);
  // Exactly one instance fires the timers; firing twice around a hand-over would still duplicate
  // nothing: timer decisions go through person leases and versioned state, escalations re-check
  // under a row lock, and one open incident per person, kind and zone is a database constraint.
  const timerLease = await startLease(
    leaseRedis,
    `${config.REDIS_KEY_PREFIX}timers`,
    instanceId,
    config.TIMER_LEASE_MS,
    log,
    {
      onChange: (held) => log.info({ instanceId, held }, held ? 'firing timers' : 'timers fired elsewhere'),
    },
  );
  closers.push(['timer lease', () => timerLease.close()]);
  log.info({ instanceId, prefix: config.REDIS_KEY_PREFIX }, 'shared state in redis');
  const protectedPositions = new RedisProtectedPositions(redis, config.REDIS_KEY_PREFIX);
  return { redis, leaseRedis, store, protectedPositions, bus, timerLease };
}
