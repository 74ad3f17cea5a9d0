// Protected persons' phone fixes in Redis, shared by every instance (src/pipeline/protected-positions.ts):
// the instance that reads a victim's phone is often not the one judging the supervisee near her.
//
// Keys: <prefix>protected:<deviceId>  string "ts,lat,lon,acc", with a PX expiry;
//       <prefix>protected-since          when this Redis began keeping them (set once; gone with the
//                                        data if Redis comes back empty, and set again then).
// One script records and reads, so a batch costs one round trip, and "replace only with a newer fix"
// is one atomic step however many instances record at once.
import type { Redis } from 'ioredis';
import { NO_PEERS, type PeerFix, type PeerPositions } from '../../domain/rules/person-context.js';
import {
  isNewer,
  NO_PROTECTED_FIXES,
  type ProtectedPhoneFix,
  type ProtectedPositionStore,
} from '../../pipeline/protected-positions.js';

/**
 * KEYS: the since key, n keys to record, then the keys wanted; ARGV: n, expiry ms, now, then n
 * encoded fixes and their n times. Sets each key whose stored fix is older (or absent); returns the
 * since time, then the wanted keys' values.
 */
const EXCHANGE = `
redis.call('SET', KEYS[1], ARGV[3], 'NX')
local since = redis.call('GET', KEYS[1])
local n = tonumber(ARGV[1])
for i = 1, n do
  local cur = redis.call('GET', KEYS[1 + i])
  if not cur or tonumber(string.match(cur, '^[^,]+')) < tonumber(ARGV[3 + n + i]) then
    redis.call('SET', KEYS[1 + i], ARGV[3 + i], 'PX', ARGV[2])
  end
end
if #KEYS == n + 1 then return {since} end
local values = redis.call('MGET', unpack(KEYS, n + 2))
table.insert(values, 1, since)
return values`;

/**
 * How long a phone's last fix is kept after it was recorded (wall time). The rules use it for
 * minutes only (PROTECTED_FRESH_MS: older reads as "proximity unknown", which no fix says as well),
 * so a victim's position is not kept for longer than it can matter; the margin covers a backlog.
 */
const KEEP_MS = 60 * 60_000;

type Script = (numKeys: number, ...args: Array<string | number>) => Promise<Array<string | null>>;

export class RedisProtectedPositions implements ProtectedPositionStore {
  readonly kind = 'redis';
  private readonly script: Script;

  constructor(
    redis: Redis,
    private readonly prefix: string,
    private readonly clock: () => number = Date.now,
  ) {
    redis.defineCommand('em_protected_exchange', { lua: EXCHANGE });
    this.script = (redis as unknown as Record<string, Script>).em_protected_exchange!.bind(redis);
  }

  private key = (deviceId: string) => `${this.prefix}protected:${deviceId}`;

  async exchange(fixes: readonly ProtectedPhoneFix[], wanted: ReadonlySet<string>): Promise<PeerPositions> {
    if (fixes.length === 0 && wanted.size === 0) return NO_PEERS;
    // The newest of the batch per device: one write each.
    const newest = new Map<string, ProtectedPhoneFix>();
    for (const f of fixes) if (isNewer(f, newest.get(f.deviceId))) newest.set(f.deviceId, f);
    const recorded = [...newest.values()];
    const asked = [...wanted];
    const [since, ...values] = await this.script(
      1 + recorded.length + asked.length,
      `${this.prefix}protected-since`,
      ...recorded.map((f) => this.key(f.deviceId)),
      ...asked.map((id) => this.key(id)),
      recorded.length,
      KEEP_MS,
      this.clock(),
      ...recorded.map((f) => `${f.ts},${f.lat},${f.lon},${f.acc}`),
      ...recorded.map((f) => f.ts),
    );
    const protectedSince = Number(since);
    const out = new Map<string, PeerFix>();
    asked.forEach((id, i) => {
      const fix = decode(values[i] ?? null);
      if (fix) out.set(id, fix);
    });
    return {
      protectedFixes: out.size === 0 ? NO_PROTECTED_FIXES : out,
      // Unreadable (never written so): as before, a phone not heard from reads as unknown.
      protectedSince: Number.isFinite(protectedSince) ? protectedSince : Number.NEGATIVE_INFINITY,
    };
  }
}

/** "ts,lat,lon,acc", as written above; anything else reads as no fix (never a wrong position). */
function decode(v: string | null): PeerFix | null {
  if (v === null) return null;
  const [ts, lat, lon, acc] = v.split(',').map(Number);
  if (![ts, lat, lon, acc].every((x) => Number.isFinite(x))) return null;
  return { ts: ts!, lat: lat!, lon: lon!, acc: acc! };
}
