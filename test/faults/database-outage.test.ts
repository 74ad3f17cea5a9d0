// Fault: the database is unreachable for FAULT_OUTAGE_S seconds under load (issue 10; 60 s in
// `npm run bench -- faults`). A private PostgreSQL cluster is stopped (fast shutdown: every
// connection cut) and started again. The service must stop acknowledging (PUBACK only after
// commit), hold what it has, let the broker queue the rest, and catch up when the database
// returns; /readyz says why it is not ready meanwhile, and /metrics counts the outage.
import { describe, expect, it } from 'vitest';
import { startBaseline } from './support/baseline.js';
import { expectNothingLost } from './support/expectations.js';
import {
  awaitCaughtUp,
  checkPool,
  describeSkip,
  eventually,
  faultPrerequisites,
  fleetShape,
  OUTAGE_S,
  PLAY_S,
  prepare,
  sleep,
  startInfra,
  startRun,
  startTestService,
  verdict,
} from './support/rig.js';
import { metricValue, readiness } from './support/signals.js';

const skip = describeSkip('database outage', faultPrerequisites({ privateDb: true }));

describe.skipIf(skip)('fault: the database is unreachable under load', () => {
  it('stops acknowledging, holds, catches up; readyz explains; nothing lost or doubled', async () => {
    const baseline = startBaseline(fleetShape('database-outage'));
    const infra = await startInfra({ privateDb: true });
    const svc = await startTestService(infra.env);
    const pool = checkPool(infra.databaseUrl);
    try {
      const p = await prepare(svc, 'database-outage');
      const run = await startRun(p, infra.broker.url, () => svc.httpUrl);
      await sleep((PLAY_S * 1000) / 4);
      await infra.privateDb!.stop();
      const stoppedAt = Date.now();

      await eventually('readyz reports the database down', async () => {
        const r = await readiness(svc.httpUrl);
        return r.status === 503 && r.body.checks.database?.ok === false;
      });
      const down = await readiness(svc.httpUrl);
      // Written for the person on call: what, since when, what happens meanwhile, nothing lost.
      expect(down.body.checks.database.detail).toMatch(
        /^database .* unreachable since \d\d:\d\d:\d\d UTC \(\d+ s\): .*not acknowledged.*nothing is lost/,
      );
      // The broker still delivers, but nothing is acknowledged: the service holds a bounded number.
      await eventually(
        'unacknowledged messages pile up in the service',
        async () => ((await metricValue(svc.httpUrl, 'em_mqtt_unacknowledged_messages')) ?? 0) > 0,
      );
      expect(await metricValue(svc.httpUrl, 'em_dependency_up', { dependency: 'database' })).toBe(0);
      const storedDuring = svc.metrics.fixesAccepted;
      const acceptedAtStop = (await storedDuring.get()).values.reduce((n, v) => n + v.value, 0);

      await sleep(Math.max(0, OUTAGE_S * 1000 - (Date.now() - stoppedAt)));
      const acceptedAtReturn = (await storedDuring.get()).values.reduce((n, v) => n + v.value, 0);
      expect(acceptedAtReturn, 'nothing can be committed while the database is down').toBe(acceptedAtStop);
      expect(
        await metricValue(svc.httpUrl, 'em_mqtt_unacknowledged_messages'),
        'held messages are bounded by the session receive maximum',
      ).toBeLessThanOrEqual(2000);
      await infra.privateDb!.start();
      await eventually('readyz ready again', async () => (await readiness(svc.httpUrl)).status === 200);
      expect(
        await metricValue(svc.httpUrl, 'em_dependency_outages_total', { dependency: 'database' }),
      ).toBeGreaterThanOrEqual(1);
      expect(
        await metricValue(svc.httpUrl, 'em_dependency_downtime_seconds_total', { dependency: 'database' }),
      ).toBeGreaterThan(0);

      await run.load.finished();
      await awaitCaughtUp(pool, run, p);
      expect(await metricValue(svc.httpUrl, 'em_mqtt_unacknowledged_messages')).toBe(0);
      const v = await verdict(pool, run, p);
      await run.stop();
      expectNothingLost(v, await baseline(), 'database outage');
    } finally {
      await pool.end();
      await svc.cleanup();
      await infra.cleanup();
    }
  }, 300_000);
});
