// Fault: the service itself is stopped mid-load, as a process (issue 10). SIGTERM: it drains what it
// holds, acknowledges what it committed and exits 0. SIGKILL: a crash; whatever it had not
// acknowledged is redelivered by the broker to its persistent session when it is back, and
// idempotent ingest stores nothing twice. Either way it is started again on the same port, consoles
// resume by cursor, and the run ends as an undisturbed one would.
import { describe, expect, it } from 'vitest';
import { freePort } from '../support/ports.js';
import { type ServiceProcess, spawnService } from '../support/service-process.js';
import { startBaseline } from './support/baseline.js';
import { expectNothingLost } from './support/expectations.js';
import {
  awaitCaughtUp,
  checkPool,
  describeSkip,
  faultPrerequisites,
  fleetShape,
  PLAY_S,
  prepare,
  sleep,
  startInfra,
  startRun,
  startTestService,
  stopwatch,
  verdict,
} from './support/rig.js';

const skip = describeSkip('service signals', faultPrerequisites());

describe.skipIf(skip).each(['SIGTERM', 'SIGKILL'] as const)(
  'fault: the service receives %s under load',
  (signal) => {
    it('comes back and loses nothing, stores nothing twice, and incidents match an undisturbed run', async () => {
      const lap = stopwatch(signal);
      const seed = `service-${signal.toLowerCase()}`;
      const baseline = startBaseline(fleetShape(seed));
      const infra = await startInfra();
      const pool = checkPool(infra.databaseUrl);
      let proc: ServiceProcess | null = null;
      try {
        // Provisioned in-process on the same database, then served by a process of its own.
        const provisioning = await startTestService(infra.env);
        const p = await prepare(provisioning, seed);
        await provisioning.stop();
        const httpPort = await freePort();
        const env = { ...infra.env, LIVE_PING_INTERVAL_S: '2' };
        proc = await spawnService(env, httpPort);
        lap('service process ready');
        const run = await startRun(p, infra.broker.url, () => `http://127.0.0.1:${httpPort}`);
        await sleep((PLAY_S * 1000) / 3);

        const before = run.load.totalAcked;
        const code = await proc.kill(signal);
        lap(`${signal} → exit ${code}`);
        if (signal === 'SIGTERM') expect(code, proc.output()).toBe(0);
        proc = await spawnService(env, httpPort);
        lap('service process ready again');

        await run.load.finished();
        expect(run.load.totalAcked).toBeGreaterThan(before);
        await awaitCaughtUp(pool, run, p);
        const v = await verdict(pool, run, p);
        await run.stop();
        lap('caught up');
        expectNothingLost(v, await baseline(), signal);
        // Every console lost its connection with the service and resumed.
        for (const c of run.consoles) expect(c.connects, c.name).toBeGreaterThanOrEqual(2);
      } finally {
        if (proc) await proc.kill('SIGTERM');
        await pool.end();
        await infra.cleanup();
      }
    }, 300_000);
  },
);
