// Exactly one instance fires the timers (lost contact, leave overdue, curfew start, escalation):
// the one holding a Redis lease (issue 8). The holder renews it every third of its lifetime; when
// the holder dies the lease lapses and the next instance to try takes it, within `leaseMs` plus
// one renewal period. A holder that cannot renew (Redis unreachable) stops firing once its last
// renewal is `leaseMs` old, before anyone else can have taken over.
//
// Firing twice around a hand-over would still not duplicate anything: timer decisions go through
// person leases and versioned state, escalations re-check under a row lock, and one open incident
// per person, kind and zone is a database constraint.
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

export interface TimerLease {
  /** True while this instance holds the lease. */
  readonly held: boolean;
  close(): Promise<void>;
}

export async function startTimerLease(
  redis: Redis,
  key: string,
  instanceId: string,
  leaseMs: number,
  log: Logger,
): Promise<TimerLease> {
  let renewedAt = Number.NEGATIVE_INFINITY;
  let wasHeld = false;
  const attempt = async () => {
    const started = Date.now();
    try {
      const got = Number(await redis.eval(TAKE_OR_RENEW, 1, key, instanceId, leaseMs));
      renewedAt = got === 1 ? started : Number.NEGATIVE_INFINITY;
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'timer lease not renewed');
    }
    const held = Date.now() - renewedAt < leaseMs;
    if (held !== wasHeld) log.info({ instanceId, held }, held ? 'firing timers' : 'timers fired elsewhere');
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
      await redis.eval(GIVE_UP, 1, key, instanceId).catch(() => {});
    },
  };
}
