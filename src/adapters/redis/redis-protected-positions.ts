// Protected persons' phone fixes in Redis, shared by every instance (src/pipeline/protected-positions.ts):
// the instance that reads a victim's phone is often not the one judging the supervisee near her.
//
// Keys: <prefix>protected:<deviceId>  string "ts,lat,lon,acc", with a PX expiry.
// One script records and reads, so a batch costs one round trip, and "replace only with a newer fix"
// is one atomic step however many instances record at once.
import type { Redis } from 'ioredis';
import type { PeerFix } from '../../domain/rules/person-context.js';
import {
  NO_PROTECTED_FIXES,
  type ProtectedPhoneFix,
  type ProtectedPositionStore,
} from '../../pipeline/protected-positions.js';

/**
 * KEYS: n keys to record, then the keys wanted; ARGV: n, expiry ms, then n encoded fixes and their n
 * times. Sets each key whose stored fix is older (or absent); returns the wanted keys' values.
 */
const EXCHANGE = `
local n = tonumber(ARGV[1])
for i = 1, n do
  local cur = redis.call('GET', KEYS[i])
  if not cur or tonumber(string.match(cur, '^[^,]+')) < tonumber(ARGV[2 + n + i]) then
    redis.call('SET', KEYS[i], ARGV[2 + i], 'PX', ARGV[2])
  end
end
if #KEYS == n then return {} end
return redis.call('MGET', unpack(KEYS, n + 1))`;

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
  ) {
    redis.defineCommand('em_protected_exchange', { lua: EXCHANGE });
    this.script = (redis as unknown as Record<string, Script>).em_protected_exchange!.bind(redis);
  }

  private key = (deviceId: string) => `${this.prefix}protected:${deviceId}`;

  async exchange(
    fixes: readonly ProtectedPhoneFix[],
    wanted: ReadonlySet<string>,
  ): Promise<ReadonlyMap<string, PeerFix>> {
    if (fixes.length === 0 && wanted.size === 0) return NO_PROTECTED_FIXES;
    // The newest of the batch per device: one write each.
    const newest = new Map<string, ProtectedPhoneFix>();
    for (const f of fixes) {
      const known = newest.get(f.deviceId);
      if (!known || known.ts < f.ts) newest.set(f.deviceId, f);
    }
    const recorded = [...newest.values()];
    const asked = [...wanted];
    const values = await this.script(
      recorded.length + asked.length,
      ...recorded.map((f) => this.key(f.deviceId)),
      ...asked.map((id) => this.key(id)),
      recorded.length,
      KEEP_MS,
      ...recorded.map((f) => `${f.ts},${f.lat},${f.lon},${f.acc}`),
      ...recorded.map((f) => f.ts),
    );
    if (asked.length === 0) return NO_PROTECTED_FIXES;
    const out = new Map<string, PeerFix>();
    asked.forEach((id, i) => {
      const fix = decode(values[i] ?? null);
      if (fix) out.set(id, fix);
    });
    return out;
  }
}

/** "ts,lat,lon,acc", as written above; anything else reads as no fix (never a wrong position). */
function decode(v: string | null): PeerFix | null {
  if (v === null) return null;
  const [ts, lat, lon, acc] = v.split(',').map(Number);
  if (![ts, lat, lon, acc].every((x) => Number.isFinite(x))) return null;
  return { ts: ts!, lat: lat!, lon: lon!, acc: acc! };
}
