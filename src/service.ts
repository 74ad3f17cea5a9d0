// The composition root: the only place that chooses and wires real adapters (ARCHITECTURE.md).
// Embedded defaults when DATABASE_URL / MQTT_URL / REDIS_URL are unset.
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { PersonStateFile } from './adapters/file/person-state-file.js';
import { startPersonStateSaver } from './adapters/file/person-state-saver.js';
import { buildOsmAndServer } from './adapters/http/osmand-server.js';
import { type BrokerIngestClient, startBrokerIngest } from './adapters/mqtt/broker-ingest-client.js';
import { type EmbeddedBroker, startEmbeddedBroker } from './adapters/mqtt/embedded-broker.js';
import { embeddedIngestHooks } from './adapters/mqtt/embedded-ingest-hooks.js';
import { createMosquittoDynsecProvisioner } from './adapters/mqtt/mosquitto-dynsec.js';
import { type SessionAdoption, startSessionAdoption } from './adapters/mqtt/session-adoption.js';
import type { AdminContext } from './admin/admin-context.js';
import { apiPlugin } from './api/plugin.js';
import { LoginThrottle } from './auth/login-throttle.js';
import { loadTokenSecret, TokenSigner } from './auth/tokens.js';
import type { Config } from './config.js';
import { coalescedReload } from './directory/coalesced-reload.js';
import { Directory } from './directory/directory.js';
import { directoryRevision, loadDirectory } from './directory/load-directory.js';
import { buildApp } from './http/app.js';
import { consolePlugin } from './http/console-plugin.js';
import type { IncidentEventRow } from './incidents/apply-alert-changes.js';
import { runEscalations } from './incidents/escalation.js';
import { DEFAULT_DECODE_LIMITS } from './ingest/decode/index.js';
import { FloodGuard } from './ingest/flood-guard.js';
import { IngestService } from './ingest/ingest-service.js';
import { attachLiveGateway, DEFAULT_LIVE_OPTIONS, type LiveGateway } from './live/gateway.js';
import { IncidentFeed } from './live/incident-feed.js';
import type { Logger } from './logger.js';
import { DependencyStatus } from './observability/dependency-status.js';
import { createMetrics, type Metrics } from './observability/metrics.js';
import { serviceReadinessChecks } from './observability/service-readiness.js';
import { generateDailySummaries, type SummaryRun } from './oversight/daily-summary-job.js';
import { Batcher, DEFAULT_BATCHER_OPTIONS } from './pipeline/batcher.js';
import { createPipeline } from './pipeline/pipeline.js';
import {
  LeaseTimeoutError,
  MemoryStateStore,
  type PersonStateStore,
  StaleStateError,
} from './pipeline/state-store.js';
import { TimerSchedule } from './pipeline/timer-schedule.js';
import { DeviceConfigPublisher, type RetainedPublish } from './reporting/config-publisher.js';
import { startSharedInstances } from './shared-instances.js';
import { type Database, openPostgres } from './storage/database.js';
import { openEmbeddedPostgres } from './storage/embedded-postgres.js';
import { migrate } from './storage/migrate.js';
import { type SeedResult, seedIfEmpty } from './storage/seed.js';
import { maintainTimeSeries, trimDeadLetters } from './storage/time-partitions.js';

export interface RunningService {
  readonly config: Config;
  readonly db: Database;
  readonly metrics: Metrics;
  readonly app: FastifyInstance;
  readonly directory: Directory;
  readonly ingest: IngestService;
  readonly batcher: Batcher;
  readonly feed: IncidentFeed;
  readonly admin: AdminContext;
  /** Signs and verifies console/API bearer tokens. */
  readonly tokens: TokenSigner;
  /** WebSocket consoles on `/live`. */
  readonly live: LiveGateway;
  readonly configPublisher: DeviceConfigPublisher;
  readonly httpUrl: string;
  readonly mqttUrl: string;
  readonly osmandUrl: string;
  readonly seed: SeedResult;
  /** This instance's name in leases and logs. */
  readonly instanceId: string;
  /** Whether this instance fires the timers now (always, with in-memory state). */
  readonly firesTimers: boolean;
  /**
   * Evaluates timers (lost contact, leave overdue, curfew start) at `now`, through the pipeline, then
   * escalates unacknowledged incidents due at `now`.
   */
  tick(now?: number): Promise<void>;
  /** Generates the daily summary of each county for the last complete day at `now`, if not stored yet. */
  summarize(now?: number): Promise<SummaryRun>;
  stop(): Promise<void>;
}

/** How often the daily summaries are looked at; a day's summary comes at most this long after midnight. */
const SUMMARY_CHECK_MS = 5 * 60_000;
const DAY_MS = 86_400_000;

export interface ServiceOptions {
  /**
   * The service's notion of now for ingest, rules and timers. Real time by default; simulations and
   * the quality benchmark run an accelerated clock (STYLE.md: every timer takes an injected clock).
   */
  clock?: () => number;
}

export async function startService(
  config: Config,
  log: Logger,
  options: ServiceOptions = {},
): Promise<RunningService> {
  const clock = options.clock ?? Date.now;
  const closers: Array<[string, () => Promise<void>]> = [];
  const stopAll = async () => {
    for (const [name, close] of closers.reverse()) {
      await close().catch((err) => log.error({ err, step: name }, 'shutdown step failed'));
    }
  };
  try {
    const metrics = createMetrics();
    // Wall-clock time: outages are real even when rules run on a simulated clock.
    const status = new DependencyStatus(metrics, log);
    const db = config.DATABASE_URL
      ? await openPostgres(config.DATABASE_URL, config.DB_POOL_SIZE)
      : await openEmbeddedPostgres(config.DATA_DIR, config.DB_POOL_SIZE);
    closers.push(['database', () => db.close()]);
    const { mode, applied } = await migrate(db.pool, config.STORAGE_MODE, log);
    db.mode = mode;
    log.info({ database: db.describe, storageMode: mode, migrationsApplied: applied }, 'database ready');

    const retention = { retentionDays: config.RETENTION_DAYS, maxFixAgeDays: config.MAX_FIX_AGE_DAYS };
    await maintainTimeSeries(db.pool, mode, retention, Date.now());
    const maintenance = setInterval(() => {
      Promise.all([maintainTimeSeries(db.pool, mode, retention, Date.now()), trimDeadLetters(db.pool)]).catch(
        (err) => log.error({ err }, 'time-series maintenance failed; will retry'),
      );
    }, 3_600_000);
    closers.push(['maintenance', async () => clearInterval(maintenance)]);

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

    let reportedInvalid = '';
    const directory = new Directory(
      async () => {
        const snapshot = await loadDirectory(db.pool, clock());
        // A zone the rules cannot use is an operator's problem to see at once: it is left out (so a
        // person may go unmonitored for it), logged whenever the set changes, and counted.
        metrics.invalidZones.set(snapshot.invalidZones.length);
        const invalid = JSON.stringify(snapshot.invalidZones);
        if (invalid !== reportedInvalid && snapshot.invalidZones.length > 0) {
          log.error(
            { invalidZones: snapshot.invalidZones },
            'zones left out of the rules: they cannot be compiled',
          );
        }
        reportedInvalid = invalid;
        return snapshot;
      },
      () => directoryRevision(db.pool),
    );
    await directory.reload();
    const admin: { -readonly [K in keyof AdminContext]: AdminContext[K] } = {
      pool: db.pool,
      brokerCredentials: null,
      directoryChanged: coalescedReload(() => directory.reload()),
    };

    const instanceId = config.INSTANCE_ID || `${hostname()}-${process.pid}`;
    const feed = new IncidentFeed();
    // Assigned once the broker is up; fast mode switched before that waits for the first sync.
    let configPublisher: DeviceConfigPublisher | undefined;
    const leaseOptions = { leaseMs: config.STATE_LEASE_MS, waitMs: 2 * config.STATE_LEASE_MS };
    // Several instances (issue 8): shared state, alert fan-out, one timer holder, directory news.
    const shared =
      config.STATE_STORE === 'redis'
        ? await startSharedInstances(config, instanceId, {
            pool: db.pool,
            directory,
            feed,
            log,
            closers,
            syncDeviceConfig: async () => {
              await configPublisher?.syncAll();
            },
          })
        : undefined;
    const memoryStore = shared ? null : new MemoryStateStore(leaseOptions);
    const store: PersonStateStore = shared?.store ?? memoryStore!;
    // One instance without Redis keeps its person states on disk across restarts.
    const stateFile = memoryStore ? new PersonStateFile(join(config.DATA_DIR, 'person-states.json')) : null;
    let stateFileAtStart = '';
    if (memoryStore && stateFile) {
      const loaded = stateFile.load();
      if (loaded.problem) {
        log.error({ problem: loaded.problem }, 'person state file unreadable; starting without it');
        metrics.stateFileProblems.inc({ problem: 'unreadable' });
      }
      memoryStore.seed(loaded.states);
      log.info({ people: loaded.states.size, file: stateFile.path }, 'person states loaded');
      stateFileAtStart = loaded.problem
        ? `state file unreadable at start (${loaded.problem}); started without it`
        : `${loaded.states.size} people's states read from ${stateFile.path} at start`;
    }
    const redis = shared?.redis;
    const bus = shared?.bus;
    const timerLease = shared?.timerLease;
    /** Committed incident changes: to this instance's consoles, and through Redis to the others'. */
    const announce = (rows: readonly IncidentEventRow[]) => {
      feed.publish(rows);
      bus?.publishIncidents(rows);
    };
    const pipeline = createPipeline({
      pool: db.pool,
      directory,
      store,
      ...(shared ? { protectedPositions: shared.protectedPositions } : {}),
      metrics,
      log,
      clock,
      publish: announce,
      afterCommit: (changes, states) => configPublisher?.onCommitted(changes, states),
    });
    const batcher = new Batcher(pipeline, log, {
      ...DEFAULT_BATCHER_OPTIONS,
      onQueueDepth: (d) => metrics.queueDepth.set(d),
      onRetry: (err) => {
        metrics.commitRetries.inc();
        // Another instance moved a person's state on: the batch is simply evaluated again. That is
        // contention, counted (em_state_conflicts_total), not a database outage for the operator.
        if (err instanceof StaleStateError || err instanceof LeaseTimeoutError) return;
        status.markDown(
          'database',
          err.message || String(err),
          'holding device messages unacknowledged and retrying the batch',
        );
      },
      onCommitted: () => status.markUp('database'),
    });
    closers.push(['pipeline drain', () => batcher.close()]);
    // Closers run last-in first-out, so one placed before the drain runs after it.
    const closeAfterDrain = (closer: [string, () => Promise<void>]) =>
      closers.splice(
        closers.findIndex(([name]) => name === 'pipeline drain'),
        0,
        closer,
      );
    let stateFileDetail: (() => string) | undefined;
    if (memoryStore && stateFile) {
      const saver = startPersonStateSaver(memoryStore, stateFile, config.STATE_SAVE_MS, log, () =>
        metrics.stateFileProblems.inc({ problem: 'save_failed' }),
      );
      stateFileDetail = () => {
        const { savedAt, failure } = saver.status();
        const saved =
          savedAt === null ? 'not saved yet' : `saved ${Math.round((Date.now() - savedAt) / 1000)} s ago`;
        const failed = failure
          ? `; the last save failed: ${failure}, tried again every ${config.STATE_SAVE_MS / 1000} s`
          : '';
        return `${stateFileAtStart}; ${saved}${failed}`;
      };
      // After the drain: the last batches' states are in the file a restart reads.
      closeAfterDrain(['person state file', () => saver.stop()]);
    }
    const ingest = new IngestService(
      directory,
      batcher,
      {
        ...DEFAULT_DECODE_LIMITS,
        maxFutureSkewMs: config.MAX_CLOCK_SKEW_S * 1000,
        // Never older than retention: such a fix has no partition to go to (postgres mode), so the
        // database refused its whole message and the good fixes in it (a store-and-forward batch)
        // with it; elsewhere it would be stored only to be dropped (time-partitions.ts).
        maxAgeMs: Math.min(config.MAX_FIX_AGE_DAYS, config.RETENTION_DAYS) * DAY_MS,
      },
      clock,
      new FloodGuard({ burst: config.DEVICE_BURST, perSecond: config.DEVICE_MSGS_PER_S }),
      () => metrics.refusals.inc({ reason: 'rate_limited', protocol: 'any' }),
      new FloodGuard({ burst: config.DEVICE_BURST, perSecond: config.DEVICE_MSGS_PER_S }),
    );

    let broker: EmbeddedBroker | undefined;
    let brokerClient: BrokerIngestClient | undefined;
    let mqttUrl = config.MQTT_URL ?? '';
    if (config.MQTT_URL) {
      if (config.MQTT_ADMIN_USERNAME && config.MQTT_ADMIN_PASSWORD) {
        // Device accounts and topic rights live in the broker itself (issue 3 item 2).
        const provisioner = await createMosquittoDynsecProvisioner(
          config.MQTT_URL,
          config.MQTT_ADMIN_USERNAME,
          config.MQTT_ADMIN_PASSWORD,
        );
        closers.push(['broker provisioning', () => provisioner.close()]);
        await provisioner.ensureServiceRole();
        if (config.MQTT_USERNAME && config.MQTT_PASSWORD) {
          await provisioner.ensureServiceClient(config.MQTT_USERNAME, config.MQTT_PASSWORD);
        }
        admin.brokerCredentials = provisioner;
      }
      // Own session's lease first: an instance draining it while this one was away lets go.
      let adoption: SessionAdoption | undefined;
      if (shared && config.MQTT_SHARE_GROUP) {
        const mqttUrl = config.MQTT_URL;
        adoption = await startSessionAdoption({
          redis: shared.leaseRedis,
          prefix: config.REDIS_KEY_PREFIX,
          instanceId,
          ownClientId: config.MQTT_CLIENT_ID,
          leaseMs: config.SESSION_LEASE_MS,
          log,
          connect: (clientId) =>
            startBrokerIngest(
              {
                url: mqttUrl,
                clientId,
                username: config.MQTT_USERNAME,
                password: config.MQTT_PASSWORD,
                shareGroup: config.MQTT_SHARE_GROUP,
                reconnect: false,
              },
              ingest,
              log,
            ),
        });
      }
      brokerClient = await startBrokerIngest(
        {
          url: config.MQTT_URL,
          clientId: config.MQTT_CLIENT_ID,
          username: config.MQTT_USERNAME,
          password: config.MQTT_PASSWORD,
          shareGroup: config.MQTT_SHARE_GROUP,
          onConnectionChange: (connected, reason) =>
            connected
              ? status.markUp('broker')
              : status.markDown(
                  'broker',
                  reason,
                  'devices are not being read; reconnecting (the broker keeps their messages for this session)',
                ),
          onUnacknowledged: (n) => metrics.brokerUnacked.set(n),
          // Its retained device configs went with its session: a device subscribing would get none.
          onSessionLost: () => {
            configPublisher
              ?.republishAll()
              .then((n) =>
                log.warn({ devices: n }, 'broker lost its session; device configs published again'),
              )
              .catch((err) => log.warn({ err }, 'device config republish failed'));
          },
        },
        ingest,
        log,
      );
      // Closed after the drain: late PUBACKs of the last batches still go out. The own session's
      // lease is given up last, so another instance adopts the session once nothing is in flight.
      closeAfterDrain([
        'broker client',
        async () => {
          await brokerClient!.close();
          await adoption?.close();
        },
      ]);
    } else {
      broker = await startEmbeddedBroker(
        config.MQTT_LISTEN_HOST,
        config.MQTT_LISTEN_PORT,
        embeddedIngestHooks(ingest, metrics, log),
      );
      mqttUrl = `mqtt://${config.MQTT_LISTEN_HOST}:${broker.port}`;
      closeAfterDrain(['embedded broker', () => broker!.close()]);
      log.info({ url: mqttUrl }, 'embedded MQTT broker listening');
    }

    const retained: RetainedPublish = broker
      ? (topic, payload) =>
          new Promise<void>((resolve, reject) =>
            broker!.aedes.publish(
              { cmd: 'publish', topic, payload: Buffer.from(payload), qos: 1, retain: true, dup: false },
              (err) => (err ? reject(err) : resolve()),
            ),
          )
      : async (topic, payload) => {
          await brokerClient!.client.publishAsync(topic, payload, { qos: 1, retain: true });
        };
    const publisher = new DeviceConfigPublisher(
      directory,
      retained,
      (err) => log.warn({ err }, 'device config publish failed; retried on the next change'),
      clock,
    );
    configPublisher = publisher;
    await publisher.syncAll();
    const reloadDirectory = admin.directoryChanged;
    admin.directoryChanged = async () => {
      await reloadDirectory();
      await publisher.syncAll().catch((err) => log.warn({ err }, 'device config sync failed'));
      bus?.announceDirectoryChange();
    };

    const osmand = await buildOsmAndServer(ingest, log);
    await osmand.listen({ host: config.OSMAND_HOST, port: config.OSMAND_PORT });
    closers.push(['osmand server', () => osmand.close()]);
    const osmandAddress = osmand.server.address();
    const osmandUrl = `http://${config.OSMAND_HOST}:${typeof osmandAddress === 'object' && osmandAddress ? osmandAddress.port : config.OSMAND_PORT}`;

    const schedule = new TimerSchedule(directory, store, { perTick: config.TIMER_PEOPLE_PER_TICK });
    const tick = async (now = clock()) => {
      const tickPeople = await schedule.peopleFor(now);
      metrics.timerPeople.set(tickPeople.length);
      await batcher.submit({
        protocol: 'native',
        deviceId: null,
        raw: '',
        receivedAt: now,
        fixes: [],
        events: [],
        refusals: [],
        tick: now,
        tickPeople,
      });
      await runEscalations({ pool: db.pool, publish: announce }, now);
    };
    // With several instances only the timer lease holder fires (issue 8: exactly one fires each timer).
    let wasHolder = false;
    const ticker = setInterval(() => {
      const holder = !timerLease || timerLease.held;
      // A new timer holder has not seen the due times others were sweeping for: it sweeps too.
      if (holder && !wasHolder) schedule.sweepAll();
      wasHolder = holder;
      if (!holder) return;
      tick().catch((err) => log.debug({ err }, 'timer tick skipped'));
    }, config.TIMER_TICK_MS);
    closers.push(['timers', async () => clearInterval(ticker)]);

    const summarize = async (now = clock()) => {
      const run = await generateDailySummaries(db.pool, now, config.DAILY_SUMMARY_UTC_OFFSET_MIN);
      if (run.generated.length)
        log.info({ day: run.day, counties: run.generated }, 'daily summaries generated');
      return run;
    };
    // At start (a service down at midnight catches up) and then on a timer; idempotent per county and day.
    await summarize().catch((err) => log.error({ err }, 'daily summaries failed; will retry'));
    const summaries = setInterval(() => {
      summarize().catch((err) => log.error({ err }, 'daily summaries failed; will retry'));
    }, SUMMARY_CHECK_MS);
    closers.push(['daily summaries', async () => clearInterval(summaries)]);

    const readiness = serviceReadinessChecks({
      db,
      status,
      batcher,
      maxQueuedFixes: DEFAULT_BATCHER_OPTIONS.maxQueuedFixes,
      broker: {
        url: mqttUrl,
        embedded: !!broker,
        connected: () => (broker ? !broker.aedes.closed : (brokerClient?.connected ?? false)),
        unacknowledged: () => brokerClient?.inFlight ?? 0,
      },
      ...(stateFileDetail ? { stateFile: stateFileDetail } : {}),
      shared: redis
        ? {
            instanceId,
            ping: () => redis.ping(),
            firesTimers: () => timerLease?.held ?? false,
          }
        : undefined,
    });
    status.markUp('database');
    if (broker) status.markUp('broker');

    const tokens = new TokenSigner(
      await loadTokenSecret(db.pool, config.TOKEN_SECRET),
      config.TOKEN_TTL_S,
      clock,
    );
    const api = apiPlugin({
      pool: db.pool,
      admin,
      tokens,
      throttle: new LoginThrottle(undefined, clock),
      publish: announce,
      clock,
    });
    const webConsole = consolePlugin({ mapTileUrl: config.MAP_TILE_URL });
    const app = await buildApp({
      log,
      metrics,
      readiness,
      plugins: [api, webConsole],
      trustProxy: config.TRUST_PROXY,
    });
    closers.push(['http', () => app.close()]);
    await app.listen({ host: config.HOST, port: config.PORT });
    const live = attachLiveGateway(
      app.server,
      {
        pool: db.pool,
        feed,
        tokens,
        log,
        clock,
        metrics: {
          connections: (n) => metrics.wsConnections.set(n),
          slowConsumerClosed: () => metrics.wsSlowConsumerCloses.inc(),
        },
      },
      {
        ...DEFAULT_LIVE_OPTIONS,
        pingIntervalMs: config.LIVE_PING_INTERVAL_S * 1000,
        accountCheckMs: config.LIVE_ACCOUNT_CHECK_S * 1000,
      },
    );
    closers.push(['live gateway', () => live.close()]);
    const address = app.server.address();
    const httpPort = typeof address === 'object' && address ? address.port : config.PORT;
    const httpUrl = `http://${config.HOST}:${httpPort}`;

    let stopping: Promise<void> | undefined;
    return {
      config,
      db,
      metrics,
      app,
      directory,
      ingest,
      batcher,
      feed,
      admin,
      tokens,
      live,
      configPublisher: publisher,
      httpUrl,
      mqttUrl,
      osmandUrl,
      seed,
      instanceId,
      get firesTimers() {
        return !timerLease || timerLease.held;
      },
      tick,
      summarize,
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
