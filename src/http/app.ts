// The HTTP app factory, separate from the listener (STYLE.md, fastify): tests call app.inject().
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from '../logger.js';
import type { Metrics } from '../observability/metrics.js';
import type { ReadinessCheck } from '../observability/readiness.js';
import { registerHealthRoutes } from './health-routes.js';

export interface AppDeps {
  log: Logger;
  metrics: Metrics;
  readiness: readonly ReadinessCheck[];
  /** Feature plugins (API, console, live gateway) registered by the composition root. */
  plugins?: ReadonlyArray<(app: FastifyInstance) => Promise<void> | void>;
  /** Proxies whose X-Forwarded-For gives the client's address (config TRUST_PROXY); none by default. */
  trustProxy?: boolean | string;
}

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.log.child({ component: 'http' }, { level: 'warn' }) as FastifyBaseLogger,
    trustProxy: deps.trustProxy ?? false,
  });
  registerHealthRoutes(app, deps.readiness, deps.metrics);
  for (const plugin of deps.plugins ?? []) await plugin(app);
  return app;
}
