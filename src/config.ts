// The one reader of process.env (STYLE.md). Every setting has a default that runs the embedded mode:
// no DATABASE_URL / MQTT_URL / REDIS_URL means embedded PostgreSQL, in-process broker, in-memory state.
import { z } from 'zod';

const optionalUrl = z
  .string()
  .trim()
  .transform((v) => (v === '' ? undefined : v))
  .pipe(z.string().url().optional())
  .optional();

const port = z.coerce.number().int().min(0).max(65535);

export const ConfigSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** HTTP API, console and health endpoints. */
  HOST: z.string().default('127.0.0.1'),
  PORT: port.default(8080),
  /**
   * Behind a load balancer, which proxies to trust for X-Forwarded-For: addresses or CIDRs
   * (comma-separated), or `true` for any. Unset trusts none, so a client cannot forge its
   * address; set behind a proxy, or every login shares the proxy's address: the failed-login throttle
   * then locks a username for everyone, and the audit log records the proxy instead of the client.
   */
  TRUST_PROXY: z
    .string()
    .trim()
    .default('')
    .transform((v) => (v === '' ? false : v === 'true' ? true : v)),
  /** Embedded data (PGlite files, generated secrets) lives here and survives restarts. */
  DATA_DIR: z.string().default('./data'),
  DATABASE_URL: optionalUrl,
  DB_POOL_SIZE: z.coerce.number().int().min(2).max(100).default(10),
  /** Force a storage mode instead of detecting it; 'auto' detects (ARCHITECTURE.md, storage adapts). */
  STORAGE_MODE: z.enum(['auto', 'timescaledb', 'timescaledb-apache', 'postgres']).default('auto'),
  /** How long fixes and device events are kept (Art. 29/54: location data only for corrections work). */
  RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(180),
  /** Oldest fix accepted from store-and-forward, in days (at most RETENTION_DAYS); older is refused as too_old. */
  MAX_FIX_AGE_DAYS: z.coerce.number().int().min(1).max(365).default(30),
  /** Largest allowed device clock lead over server time, in seconds. */
  MAX_CLOCK_SKEW_S: z.coerce.number().int().min(0).max(86_400).default(300),
  MQTT_URL: optionalUrl,
  MQTT_USERNAME: z.string().optional(),
  MQTT_PASSWORD: z.string().optional(),
  /** Dynamic-security admin of a real Mosquitto: lets the service provision device accounts and ACLs. */
  MQTT_ADMIN_USERNAME: z.string().optional(),
  MQTT_ADMIN_PASSWORD: z.string().optional(),
  /** Client id of this instance's persistent session on a real broker. */
  MQTT_CLIENT_ID: z.string().default('em-ingest-1'),
  /** With several instances, the MQTT v5 shared-subscription group; empty for a single instance. */
  MQTT_SHARE_GROUP: z.string().default(''),
  MQTT_LISTEN_HOST: z.string().default('127.0.0.1'),
  MQTT_LISTEN_PORT: port.default(1883),
  OSMAND_HOST: z.string().default('127.0.0.1'),
  OSMAND_PORT: port.default(5055),
  /** Flood guard per device: burst of messages, then sustained messages per second. */
  DEVICE_BURST: z.coerce.number().int().min(1).default(120),
  DEVICE_MSGS_PER_S: z.coerce.number().min(0.01).default(2),
  REDIS_URL: optionalUrl,
  /**
   * Where per-person decision state lives: 'memory' for one instance (the embedded default), 'redis'
   * (REDIS_URL) for several instances sharing one broker and database (issue 8): state, alert
   * fan-out, timer lease and directory changes then go through Redis.
   */
  STATE_STORE: z.enum(['memory', 'redis']).default('memory'),
  /** Prefix of every Redis key and channel: several deployments (or test runs) can share one Redis. */
  REDIS_KEY_PREFIX: z.string().default('em:'),
  /**
   * With the in-memory store (no Redis), person states are saved to DATA_DIR this often and after a
   * graceful stop (src/adapters/file/person-state-file.ts); a crash loses at most this much of them.
   */
  STATE_SAVE_MS: z.coerce.number().int().min(200).max(600_000).default(30_000),
  /** A person's state lease lapses after this long, so a dead instance holds nobody for long. */
  STATE_LEASE_MS: z.coerce.number().int().min(100).max(600_000).default(5000),
  /** The timer lease (one instance fires timers) lapses after this long when its holder dies. */
  TIMER_LEASE_MS: z.coerce.number().int().min(300).max(600_000).default(6000),
  /**
   * An instance's MQTT session is adopted by another (its parked messages drained) once its lease has
   * not been renewed for this long. Longer than the timer lease: adopting a live but busy instance's
   * session knocks it off the broker, so only a clearly dead one should lose it.
   */
  SESSION_LEASE_MS: z.coerce.number().int().min(300).max(600_000).default(15_000),
  /** How often timers are evaluated (lost contact, leave overdue, curfew start, escalation). */
  TIMER_TICK_MS: z.coerce.number().int().min(100).max(300_000).default(10_000),
  /**
   * Most people one tick evaluates: those whose timers are due, earliest first (src/pipeline/timer-schedule.ts).
   * A backlog (a restart, a directory change) drains over several ticks instead of one tick leasing everybody.
   */
  TIMER_PEOPLE_PER_TICK: z.coerce.number().int().min(100).max(1_000_000).default(5000),
  /** This instance's name in leases and logs; generated (host and pid) when unset. */
  INSTANCE_ID: z.string().default(''),
  /** Signs console/API tokens; generated into DATA_DIR when unset. */
  TOKEN_SECRET: z.string().min(32).optional(),
  TOKEN_TTL_S: z.coerce
    .number()
    .int()
    .min(60)
    .max(86_400)
    .default(8 * 3600),
  /**
   * Consoles are pinged this often; one that has not answered the previous ping (it stopped reading)
   * is closed and resumes by cursor. Lower it behind proxies that cut idle connections sooner.
   */
  LIVE_PING_INTERVAL_S: z.coerce.number().min(0.2).max(300).default(15),
  /**
   * Open consoles re-check their account this often: one disabled, removed, moved to another unit or
   * given another role is closed, as the REST API refuses or rescopes it at its next request
   * (Art. 29, 54: location data only for those whose duty it is now).
   */
  LIVE_ACCOUNT_CHECK_S: z.coerce.number().min(0.2).max(60).default(5),
  /** Base map tiles, e.g. an offline tile server; empty draws zones and tracks on a plain background. */
  MAP_TILE_URL: z.string().default(''),
  /** Daily summaries (issue 9): the local day's offset from UTC in minutes; 480 = China Standard Time. */
  DAILY_SUMMARY_UTC_OFFSET_MIN: z.coerce.number().int().min(-720).max(840).default(480),
  /** Password of the seeded admin; generated and printed once when unset. */
  ADMIN_INITIAL_PASSWORD: z.string().min(8).optional(),
  /** Seed the demo org units and an admin on first start. */
  SEED_DEMO: z
    .enum(['true', 'false'])
    .default('true')
    .transform((v) => v === 'true'),
});

export type Config = z.infer<typeof ConfigSchema>;

const ConfigRules = ConfigSchema.refine((c) => c.STATE_STORE !== 'redis' || c.REDIS_URL !== undefined, {
  path: ['REDIS_URL'],
  message: 'STATE_STORE=redis needs REDIS_URL',
});

export class ConfigError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = ConfigRules.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  return parsed.data;
}
