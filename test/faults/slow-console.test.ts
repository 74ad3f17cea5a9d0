// Fault: one console stops reading in the middle of the load (a frozen tab, a stalled network).
// The others must be unaffected: they keep receiving every incident event of their scope while it
// is stuck. The stuck one is closed with a code and a reason telling it to resume (NOT_READING, by
// the heartbeat; SLOW_CONSUMER once its buffer passes the bound), instead of holding memory on the
// server, and when it reads again it resumes with `?since=` and ends with every event, once.
import { describe, expect, it } from 'vitest';
import { CLOSE } from '../../src/live/gateway-session.js';
import { startBaseline } from './support/baseline.js';
import { expectNothingLost } from './support/expectations.js';
import {
  awaitCaughtUp,
  CONSOLES,
  checkPool,
  cursorsInScope,
  describeSkip,
  eventually,
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
import { metricValue } from './support/signals.js';

const skip = describeSkip('slow console', faultPrerequisites());

describe.skipIf(skip)('fault: one console stops reading', () => {
  it('does not hold back the others, is closed with a reason, and resumes without a gap', async () => {
    const lap = stopwatch('slow console');
    const baseline = startBaseline(fleetShape('slow-console'));
    const infra = await startInfra();
    const svc = await startTestService({ ...infra.env, LIVE_PING_INTERVAL_S: '1' });
    const pool = checkPool(infra.databaseUrl);
    try {
      const p = await prepare(svc, 'slow-console');
      lap('prepared');
      const run = await startRun(p, infra.broker.url, () => svc.httpUrl);
      const stuckIndex = CONSOLES.findIndex((c) => c.role === 'supervisor'); // the widest scope
      const stuck = run.consoles[stuckIndex]!;
      await eventually('every console connected', async () => run.consoles.every((c) => c.connected));
      await sleep((PLAY_S * 1000) / 4);
      stuck.pause();
      const cursorAtPause = stuck.cursor;
      lap('console paused');

      // While it is stuck, the others keep up with everything committed in their scope.
      await run.load.finished();
      await sleep(3_000);
      for (const [i, spec] of CONSOLES.entries()) {
        if (i === stuckIndex) continue;
        await eventually(`${spec.name} keeps up while another console is stuck`, async () => {
          const want = await cursorsInScope(pool, spec.orgUnitId, p.head);
          const got = new Set(run.consoles[i]!.cursors);
          return want.every((x) => got.has(x));
        });
        expect(run.consoles[i]!.closes, `${spec.name} was never disconnected`).toEqual([]);
      }
      // The server did not wait for it: it was closed (NOT_READING) while it read nothing.
      await eventually(
        'the server closes the stuck console',
        async () => ((await metricValue(svc.httpUrl, 'em_ws_slow_consumer_closes_total')) ?? 0) >= 1,
      );
      expect(stuck.cursor).toBe(cursorAtPause);
      lap('others kept up; stuck one closed');

      stuck.resume();
      await awaitCaughtUp(pool, run, p);
      expect(stuck.closes.length).toBeGreaterThanOrEqual(1);
      const first = stuck.closes[0]!;
      expect([CLOSE.NOT_READING, CLOSE.SLOW_CONSUMER]).toContain(first.code);
      expect(first.reason).toMatch(/resume with since=/);
      await eventually('the stuck console reconnects', async () => stuck.connects >= 2);
      const v = await verdict(pool, run, p);
      await run.stop();
      lap('caught up');
      expectNothingLost(v, await baseline(), 'slow console');
    } finally {
      await pool.end();
      await svc.cleanup();
      await infra.cleanup();
    }
  }, 300_000);
});
