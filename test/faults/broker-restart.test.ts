// Fault: the broker goes away under load and comes back (issue 10). Mosquitto is stopped (it saves
// its persistence database) for FAULT_OUTAGE_S seconds while devices keep trying and consoles stay
// connected, then started on the same port with the same files. The service's persistent session
// (clean start false, session expiry) must find its queued messages again; devices resend what was
// never acknowledged. Meanwhile /readyz says the broker is unreachable, and /metrics counts it.
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

const skip = describeSkip('broker restart', faultPrerequisites());

describe.skipIf(skip)('fault: the MQTT broker restarts under load', () => {
  it('carries queued messages across in the persistent session; nothing lost, nothing doubled', async () => {
    const baseline = startBaseline(fleetShape('broker-restart'));
    const infra = await startInfra();
    const svc = await startTestService(infra.env);
    const pool = checkPool(infra.databaseUrl);
    try {
      const p = await prepare(svc, 'broker-restart');
      const run = await startRun(p, infra.broker.url, () => svc.httpUrl);
      await sleep((PLAY_S * 1000) / 3);
      const ackedBefore = run.load.totalAcked;
      await infra.broker.down();
      await eventually('readyz reports the broker down', async () => {
        const r = await readiness(svc.httpUrl);
        return r.status === 503 && r.body.checks.broker?.ok === false;
      });
      const down = await readiness(svc.httpUrl);
      expect(down.body.checks.broker.detail).toMatch(/cannot reach MQTT broker .* devices/);
      expect(await metricValue(svc.httpUrl, 'em_dependency_up', { dependency: 'broker' })).toBe(0);
      await sleep(OUTAGE_S * 1000);
      await infra.broker.up();
      await eventually('readyz ready again', async () => (await readiness(svc.httpUrl)).status === 200);
      expect(
        await metricValue(svc.httpUrl, 'em_dependency_outages_total', { dependency: 'broker' }),
      ).toBeGreaterThanOrEqual(1);

      await run.load.finished();
      expect(run.load.totalAcked).toBeGreaterThan(ackedBefore);
      await awaitCaughtUp(pool, run, p);
      const v = await verdict(pool, run, p);
      await run.stop();
      expectNothingLost(v, await baseline(), 'broker restart');
    } finally {
      await pool.end();
      await svc.cleanup();
      await infra.cleanup();
    }
  }, 300_000);
});
