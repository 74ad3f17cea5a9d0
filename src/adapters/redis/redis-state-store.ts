// Person decision state in Redis, shared by every instance (issue 8). Same rules as MemoryStateStore
// (src/pipeline/state-store.ts): a lease per person taken in sorted order, a version per state, and
// Lua scripts so that "check the lease and the version, then write" is one atomic step on the server.
//
// Keys (one Redis, or Sentinel; not Cluster: a script touches many people's keys):
//   <prefix>lease:<personId>  string, the lease owner's token, with a PX expiry
//   <prefix>state:<personId>  hash { v: version, s: encoded PersonState }
//   <prefix>due               sorted set: person id scored by the time their timers are next due
import type { Redis } from 'ioredis';
import type { PersonState } from '../../domain/rules/person-state.js';
import { decodePersonState, encodePersonState } from '../../domain/rules/person-state-codec.js';
import {
  DEFAULT_LEASE_OPTIONS,
  type LeaseOptions,
  LeaseTimeoutError,
  leaseToken,
  type PersonStateStore,
  StaleStateError,
  type StateClaim,
  type StateLease,
  sortedUnique,
} from '../../pipeline/state-store.js';

/** Takes leases in key order until one is held by someone else; returns how many it holds. */
const ACQUIRE = `
for i, k in ipairs(KEYS) do
  local owner = redis.call('GET', k)
  if owner and owner ~= ARGV[1] then return i - 1 end
  redis.call('SET', k, ARGV[1], 'PX', ARGV[2])
end
return #KEYS`;

/** Takes every lease nobody else holds; returns the (1-based) positions held by someone else. */
const CLAIM = `
local busy = {}
for i, k in ipairs(KEYS) do
  local owner = redis.call('GET', k)
  if owner and owner ~= ARGV[1] then
    busy[#busy + 1] = i
  else
    redis.call('SET', k, ARGV[1], 'PX', ARGV[2])
  end
end
return busy`;

/**
 * KEYS: n lease keys then n state keys; ARGV: token, lease ms, n expected versions. Returns the
 * (1-based) positions whose lease is not ours or whose version moved; when none, extends the leases.
 */
const VERIFY = `
local n = #KEYS / 2
local stale = {}
for i = 1, n do
  local v = tonumber(redis.call('HGET', KEYS[n + i], 'v') or '0')
  if redis.call('GET', KEYS[i]) ~= ARGV[1] or v ~= tonumber(ARGV[2 + i]) then stale[#stale + 1] = i end
end
if #stale == 0 then
  for i = 1, n do redis.call('PEXPIRE', KEYS[i], ARGV[2]) end
end
return stale`;

/**
 * KEYS as VERIFY, then the due set; ARGV: token, n expected versions, n encoded states ('' =
 * unchanged), n due times ('' = unchanged). All checked before anything is written: either every
 * changed state is written at version + 1, every due time set and every lease released, or nothing
 * changes and the stale positions are returned.
 */
const COMMIT = `
local n = (#KEYS - 1) / 2
local stale = {}
for i = 1, n do
  local v = tonumber(redis.call('HGET', KEYS[n + i], 'v') or '0')
  if redis.call('GET', KEYS[i]) ~= ARGV[1] or v ~= tonumber(ARGV[1 + i]) then stale[#stale + 1] = i end
end
if #stale > 0 then return stale end
for i = 1, n do
  local s = ARGV[1 + n + i]
  if s ~= '' then redis.call('HSET', KEYS[n + i], 'v', tonumber(ARGV[1 + i]) + 1, 's', s) end
  local due = ARGV[1 + 2 * n + i]
  if due ~= '' then redis.call('ZADD', KEYS[2 * n + 1], due, string.sub(KEYS[n + i], ARGV[2 + 3 * n])) end
  redis.call('DEL', KEYS[i])
end
return stale`;

/** Deletes the leases this token still holds. */
const RELEASE = `
for i, k in ipairs(KEYS) do
  if redis.call('GET', k) == ARGV[1] then redis.call('DEL', k) end
end
return 0`;

/** People per script call: bounds a script's run time (Redis runs one script at a time). */
const CHUNK = 500;

type Script = (numKeys: number, ...args: Array<string | number>) => Promise<unknown>;

function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += CHUNK) out.push(items.slice(i, i + CHUNK));
  return out;
}

export class RedisStateStore implements PersonStateStore {
  readonly kind = 'redis';
  private readonly scripts: Record<'acquire' | 'claim' | 'verify' | 'commit' | 'release', Script>;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly instanceId: string,
    private readonly options: LeaseOptions = DEFAULT_LEASE_OPTIONS,
  ) {
    const define = (name: string, lua: string): Script => {
      redis.defineCommand(`em_${name}`, { lua });
      const fn = (redis as unknown as Record<string, Script>)[`em_${name}`]!;
      return fn.bind(redis);
    };
    this.scripts = {
      acquire: define('state_acquire', ACQUIRE),
      claim: define('state_claim', CLAIM),
      verify: define('state_verify', VERIFY),
      commit: define('state_commit', COMMIT),
      release: define('state_release', RELEASE),
    };
  }

  private leaseKey = (id: string) => `${this.prefix}lease:${id}`;
  private stateKey = (id: string) => `${this.prefix}state:${id}`;
  private get dueKey(): string {
    return `${this.prefix}due`;
  }

  async lease(personIds: Iterable<string>): Promise<StateLease> {
    const ids = sortedUnique(personIds);
    const token = leaseToken(this.instanceId);
    const release = (upTo = ids.length) => this.releaseLeases(ids.slice(0, upTo), token);
    const deadline = Date.now() + this.options.waitMs;
    let taken = 0;
    while (taken < ids.length) {
      const part = ids.slice(taken, taken + CHUNK);
      const got = Number(
        await this.scripts.acquire(part.length, ...part.map(this.leaseKey), token, this.options.leaseMs),
      );
      taken += got;
      if (got < part.length) {
        if (Date.now() > deadline) {
          await release(taken);
          throw new LeaseTimeoutError(
            `person ${ids[taken]} leased elsewhere for over ${this.options.waitMs} ms`,
          );
        }
        await new Promise((r) => setTimeout(r, 2 + Math.random() * 8));
      }
    }
    return this.open(ids, token);
  }

  async claim(personIds: Iterable<string>): Promise<StateClaim> {
    const ids = sortedUnique(personIds);
    const token = leaseToken(this.instanceId);
    const taken: string[] = [];
    const busy = new Set<string>();
    try {
      for (const part of chunks(ids)) {
        const positions = (await this.scripts.claim(
          part.length,
          ...part.map(this.leaseKey),
          token,
          this.options.leaseMs,
        )) as number[];
        const held = new Set(positions.map((p) => part[p - 1]!));
        for (const id of part) {
          if (held.has(id)) busy.add(id);
          else taken.push(id);
        }
      }
    } catch (err) {
      await this.releaseLeases(taken, token).catch(() => {});
      throw err;
    }
    return { ...(await this.open(taken, token)), busy };
  }

  private async releaseLeases(ids: readonly string[], token: string): Promise<void> {
    for (const part of chunks(ids)) {
      await this.scripts.release(part.length, ...part.map(this.leaseKey), token);
    }
  }

  /** Loads the states of `ids`, whose leases `token` has just taken, and returns the lease over them. */
  private async open(ids: readonly string[], token: string): Promise<StateLease> {
    const release = () => this.releaseLeases(ids, token);
    const versions = new Map<string, number>();
    const states = new Map<string, PersonState>();
    try {
      for (const part of chunks(ids)) {
        const pipe = this.redis.pipeline();
        for (const id of part) pipe.hmget(this.stateKey(id), 'v', 's');
        const results = (await pipe.exec()) ?? [];
        part.forEach((id, i) => {
          const [err, value] = results[i] ?? [new Error('no reply')];
          if (err) throw err;
          const [v, s] = value as [string | null, string | null];
          versions.set(id, Number(v ?? 0));
          if (s) states.set(id, decodePersonState(s));
        });
      }
    } catch (err) {
      await release().catch(() => {});
      throw err;
    }

    const keysOf = (part: readonly string[]) => [...part.map(this.leaseKey), ...part.map(this.stateKey)];
    const staleOf = (part: readonly string[], positions: unknown) =>
      (positions as number[]).map((p) => part[p - 1]!);
    return {
      personIds: new Set(ids),
      states,
      // No spares: every lease decodes its states from Redis, which costs far more than the one new
      // state object per person a batch then builds (decision 0013).
      spare: () => null,
      verify: async () => {
        const lost: string[] = [];
        for (const part of chunks(ids)) {
          const res = await this.scripts.verify(
            part.length * 2,
            ...keysOf(part),
            token,
            this.options.leaseMs,
            ...part.map((id) => versions.get(id)!),
          );
          lost.push(...staleOf(part, res));
        }
        if (lost.length > 0) throw new StaleStateError(lost);
      },
      commit: async (changed, due) => {
        for (const id of [...changed.keys(), ...(due?.keys() ?? [])]) {
          if (!versions.has(id)) throw new Error(`person ${id} was not leased by this batch`);
        }
        const lost: string[] = [];
        // The due set member is the state key without its prefix (the person id): 1-based start.
        const idFrom = this.stateKey('').length + 1;
        for (const part of chunks(ids)) {
          const res = await this.scripts.commit(
            part.length * 2 + 1,
            ...keysOf(part),
            this.dueKey,
            token,
            ...part.map((id) => versions.get(id)!),
            ...part.map((id) => {
              const s = changed.get(id);
              return s ? encodePersonState(s) : '';
            }),
            ...part.map((id) => {
              const t = due?.get(id);
              return t === undefined ? '' : String(t);
            }),
            idFrom,
          );
          lost.push(...staleOf(part, res));
        }
        if (lost.length > 0) {
          await release();
          throw new StaleStateError(lost);
        }
      },
      release: () => release(),
    };
  }

  async due(now: number, limit: number): Promise<string[]> {
    return this.redis.zrangebyscore(this.dueKey, '-inf', now, 'LIMIT', 0, limit);
  }

  async forgetDue(personIds: readonly string[]): Promise<void> {
    for (const part of chunks(personIds)) if (part.length > 0) await this.redis.zrem(this.dueKey, ...part);
  }

  async close(): Promise<void> {}
}
