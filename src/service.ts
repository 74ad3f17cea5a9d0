// The composition root: the only place that chooses and wires real adapters (ARCHITECTURE.md).
// Embedded defaults when DATABASE_URL / MQTT_URL / REDIS_URL are unset.
import type { FastifyInstance } from 'fastify';
import { type EmbeddedBroker, startEmbeddedBroker } from './adapters/mqtt/embedded-broker.js';
import type { Config } from './config.js';
import { buildApp } from './http/app.js';
import type { Logger } from './logger.js';
import { createMetrics, type Metrics } from './observability/metrics.js';
import type { ReadinessCheck } from './observability/readiness.js';
import { type Database, openPostgres } from './storage/database.js';
import { openEmbeddedPostgres } from './storage/embedded-postgres.js';
import { migrate } from './storage/migrate.js';
import { type SeedResult, seedIfEmpty } from './storage/seed.js';
import { maintainTimeSeries } from './storage/time-partitions.js';

export interface RunningService {
  readonly config: Config;
  readonly db: Database;
  readonly metrics: Metrics;
  readonly app: FastifyInstance;
  readonly httpUrl: string;
  readonly mqttUrl: string;
  readonly seed: SeedResult;
  stop(): Promise<void>;
}

export async function startService(config: Config, log: Logger): Promise<RunningService> {
  const closers: Array<() => Promise<void>> = [];
  const stopAll = async () => {
    for (const close of closers.reverse())
      await close().catch((err) => log.error({ err }, 'shutdown step failed'));
  };
  try {
    const metrics = createMetrics();
    const db = config.DATABASE_URL
      ? await openPostgres(config.DATABASE_URL, config.DB_POOL_SIZE)
      : await openEmbeddedPostgres(config.DATA_DIR, config.DB_POOL_SIZE);
    closers.push(() => db.close());
    const { mode, applied } = await migrate(db.pool, config.STORAGE_MODE, log);
    db.mode = mode;
    log.info({ database: db.describe, storageMode: mode, migrationsApplied: applied }, 'database ready');

    const retention = { retentionDays: config.RETENTION_DAYS, maxFixAgeDays: config.MAX_FIX_AGE_DAYS };
    await maintainTimeSeries(db.pool, mode, retention, Date.now());
    const maintenance = setInterval(() => {
      maintainTimeSeries(db.pool, mode, retention, Date.now()).catch((err) =>
        log.error({ err }, 'time-series maintenance failed; will retry'),
      );
    }, 3_600_000);
    closers.push(async () => clearInterval(maintenance));

    const seed = config.SEED_DEMO
      ? await seedIfEmpty(db.pool, config.ADMIN_INITIAL_PASSWORD)
      : { seeded: false };
    if (seed.adminPassword) {
      // Logged at once: a later start-up failure must not lose the only copy of the password.
      log.warn(
        `first start: seeded demo units and user "${seed.adminUsername}" with password "${seed.adminPassword}" ` +
          '(shown once; change it after logging in)',
      );
    }

    let broker: EmbeddedBroker | undefined;
    let mqttUrl = config.MQTT_URL ?? '';
    if (!config.MQTT_URL) {
      broker = await startEmbeddedBroker(config.MQTT_LISTEN_HOST, config.MQTT_LISTEN_PORT, {});
      mqttUrl = `mqtt://${config.MQTT_LISTEN_HOST}:${broker.port}`;
      closers.push(() => broker!.close());
      log.info({ url: mqttUrl }, 'embedded MQTT broker listening');
    }

    const readiness: ReadinessCheck[] = [
      {
        name: 'database',
        async check() {
          await db.pool.query('select 1');
          return { ok: true, detail: `connected to ${db.describe}`, storageMode: db.mode };
        },
      },
      {
        name: 'broker',
        async check() {
          if (broker) return { ok: !broker.aedes.closed, detail: `embedded broker on ${mqttUrl}` };
          return { ok: false, detail: `external broker ${mqttUrl}: client not connected yet` };
        },
      },
      {
        name: 'state',
        async check() {
          return {
            ok: true,
            detail: config.REDIS_URL ? `redis ${config.REDIS_URL}` : 'in-memory (single instance)',
          };
        },
      },
    ];

    const app = await buildApp({ log, metrics, readiness });
    closers.push(() => app.close());
    await app.listen({ host: config.HOST, port: config.PORT });
    const address = app.server.address();
    const httpPort = typeof address === 'object' && address ? address.port : config.PORT;
    const httpUrl = `http://${config.HOST}:${httpPort}`;

    let stopping: Promise<void> | undefined;
    return {
      config,
      db,
      metrics,
      app,
      httpUrl,
      mqttUrl,
      seed,
      stop: () => {
        stopping ??= stopAll();
        return stopping;
      },
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
