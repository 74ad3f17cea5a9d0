// /healthz: the process is alive. /readyz: every dependency answers (broker, database and its storage
// mode, state store); 503 with a per-dependency reason otherwise. /metrics: Prometheus.
import type { FastifyInstance } from 'fastify';
import type { Metrics } from '../observability/metrics.js';
import { type ReadinessCheck, runChecks } from '../observability/readiness.js';

export function registerHealthRoutes(
  app: FastifyInstance,
  checks: readonly ReadinessCheck[],
  metrics: Metrics,
): void {
  app.get('/healthz', async () => ({ status: 'alive' }));
  app.get('/readyz', async (_req, reply) => {
    const result = await runChecks(checks);
    for (const [name, report] of Object.entries(result.checks)) {
      metrics.dependencyUp.set({ dependency: name }, report.ok ? 1 : 0);
    }
    return reply.code(result.ready ? 200 : 503).send(result);
  });
  app.get('/metrics', async (_req, reply) =>
    reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()),
  );
}
