// Named leases in Redis (issue 8): a key holding its owner's name with an expiry, renewed every third
// of its lifetime. Used for "exactly one instance fires the timers" and for "this instance's MQTT
// session is alive" (session adoption, src/adapters/mqtt/session-adoption.ts). When the holder dies
// the lease lapses and the next instance to try takes it, within `leaseMs` plus one renewal period.
// A holder that cannot renew (Redis unreachable) counts itself out once its last renewal is
// `leaseMs` old, before anyone else can have taken over.
import type { Redis } from 'ioredis';
import type { Logger } from '../../logger.js';

const TAKE_OR_RENEW = `
local owner = redis.call('GET', KEYS[1])
if owner == false or owner == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0`;

const GIVE_UP = `
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
return 0`;

export interface Lease {
  /** True while this owner holds the lease. */
  readonly held: boolean;
  /** Stops renewing and deletes the key if still ours. */
  close(): Promise<void>;
}

export interface LeaseOptions {
  /** Take the key even when somebody else holds it (an instance reclaiming its own session). */
  readonly force?: boolean;
  readonly onChange?: (held: boolean) => void;
}

export async function startLease(
  redis: Redis,
  key: string,
  owner: string,
  leaseMs: number,
  log: Logger,
  options: LeaseOptions = {},
): Promise<Lease> {
  let renewedAt = Number.NEGATIVE_INFINITY;
  let wasHeld = false;
  const attempt = async () => {
    const started = Date.now();
    try {
      if (options.force && !wasHeld) await redis.set(key, owner, 'PX', leaseMs);
      const got = Number(await redis.eval(TAKE_OR_RENEW, 1, key, owner, leaseMs));
      renewedAt = got === 1 ? started : Number.NEGATIVE_INFINITY;
    } catch (err) {
      log.warn({ err: (err as Error).message, key }, 'lease not renewed');
    }
    const held = Date.now() - renewedAt < leaseMs;
    if (held !== wasHeld) options.onChange?.(held);
    wasHeld = held;
  };
  await attempt();
  const renew = setInterval(() => void attempt(), Math.max(100, Math.floor(leaseMs / 3)));
  return {
    get held() {
      return Date.now() - renewedAt < leaseMs;
    },
    async close() {
      clearInterval(renew);
      await redis.eval(GIVE_UP, 1, key, owner).catch(() => {});
    },
  };
}
