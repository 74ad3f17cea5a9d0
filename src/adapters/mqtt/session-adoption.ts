// Session adoption (issue 8): Mosquitto 2 keeps dispatching a shared subscription's messages to a
// member whose persistent session is offline, round-robin like the others (checked with 2.0.11: with
// one of two members down, half the messages waited for it). A dead instance would so park 1/N of
// all fixes until it comes back. Instead, every instance holds a lease on its own MQTT session; when
// one lapses, another instance connects with that session's client id, receives what was parked and
// keeps draining it, acknowledging after commit as usual [MQTT-4.4.0-1]. When the owner comes back,
// the broker hands the session back to it [MQTT-3.1.4-3] and the adopter lets go (no reconnect).
// EMQX re-dispatches a departed member's in-flight messages itself; adoption does no harm there.
import type { Redis } from 'ioredis';
import type { Logger } from '../../logger.js';
import { type Lease, startLease } from '../redis/redis-lease.js';
import type { BrokerIngestClient } from './broker-ingest-client.js';

export interface SessionAdoptionDeps {
  readonly redis: Redis;
  readonly prefix: string;
  readonly instanceId: string;
  readonly ownClientId: string;
  readonly leaseMs: number;
  readonly log: Logger;
  /** Connects an ingest client for another instance's session, without reconnecting. */
  connect(clientId: string): Promise<BrokerIngestClient>;
}

export interface SessionAdoption {
  /** Client ids of other instances' sessions this instance is draining now. */
  adopted(): string[];
  close(): Promise<void>;
}

const RENEW_IF_OURS = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0`;

export async function startSessionAdoption(deps: SessionAdoptionDeps): Promise<SessionAdoption> {
  const { redis, prefix, log } = deps;
  const sessionKey = (clientId: string) => `${prefix}session:${clientId}`;
  const registry = `${prefix}sessions`;
  const adopter = `${deps.instanceId}/adopting`;
  // The owner always takes its own session's lease, even from an adopter (which then lets go).
  const own: Lease = await startLease(
    redis,
    sessionKey(deps.ownClientId),
    deps.instanceId,
    deps.leaseMs,
    log,
    {
      force: true,
    },
  );
  await redis.sadd(registry, deps.ownClientId);
  const adopted = new Map<string, BrokerIngestClient>();
  const pending = new Set<string>();
  let closed = false;

  const letGo = async (clientId: string, reason: string) => {
    const client = adopted.get(clientId);
    if (!client) return;
    adopted.delete(clientId);
    log.info({ clientId, reason }, 'no longer draining another instance’s MQTT session');
    await client.close().catch(() => {});
    await redis
      .eval(
        'if redis.call("GET", KEYS[1]) == ARGV[1] then redis.call("DEL", KEYS[1]) end return 0',
        1,
        sessionKey(clientId),
        adopter,
      )
      .catch(() => {});
  };

  const adopt = async (clientId: string) => {
    const taken = await redis.set(sessionKey(clientId), adopter, 'PX', deps.leaseMs, 'NX');
    if (taken !== 'OK' || closed) return;
    try {
      const client = await deps.connect(clientId);
      if (closed) {
        await client.close();
        return;
      }
      adopted.set(clientId, client);
      client.client.once('close', () => void letGo(clientId, 'session taken back by its owner or lost'));
      log.warn({ clientId }, 'instance gone: draining its MQTT session until it returns');
    } catch (err) {
      log.warn({ err: (err as Error).message, clientId }, 'could not adopt MQTT session');
      await redis.del(sessionKey(clientId)).catch(() => {});
    }
  };

  const round = async () => {
    const members = await redis.smembers(registry);
    for (const clientId of members) {
      if (clientId === deps.ownClientId || pending.has(clientId)) continue;
      if (adopted.has(clientId)) {
        const still = Number(await redis.eval(RENEW_IF_OURS, 1, sessionKey(clientId), adopter, deps.leaseMs));
        if (still !== 1) await letGo(clientId, 'owner is back');
        continue;
      }
      pending.add(clientId);
      await adopt(clientId).finally(() => pending.delete(clientId));
    }
  };
  let running = false;
  const timer = setInterval(
    () => {
      if (running || closed) return;
      running = true;
      round()
        .catch((err) => log.warn({ err: (err as Error).message }, 'session adoption round failed'))
        .finally(() => {
          running = false;
        });
    },
    Math.max(100, Math.floor(deps.leaseMs / 3)),
  );

  return {
    adopted: () => [...adopted.keys()],
    async close() {
      closed = true;
      clearInterval(timer);
      for (const clientId of [...adopted.keys()]) await letGo(clientId, 'shutting down');
      // Given up, not left to lapse: another instance adopts this session at once.
      await own.close();
    },
  };
}
