// Publishes outside a device's own topics (another device's id) through the embedded broker: each is
// refused, counted and dead-lettered, disconnecting the device, but only within the device's flood
// allowance. Beyond it, a device reconnecting to publish again and again is counted as rate_limited
// without a dead letter each time, so it cannot fill the dead-letter table (non-negotiable 4: floods).
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ensureCounty,
  type MonitoredPerson,
  monitoredPerson,
  startTestService,
  type TestService,
  ZIYANG,
} from '../support/service.js';

describe('forged publishes and the flood guard (embedded broker)', () => {
  let svc: TestService;
  let forger: MonitoredPerson;
  let victim: MonitoredPerson;

  beforeAll(async () => {
    svc = await startTestService({ DEVICE_BURST: '5', DEVICE_MSGS_PER_S: '0.01' });
    await ensureCounty(svc);
    forger = await monitoredPerson(svc);
    victim = await monitoredPerson(svc);
  }, 120_000);
  afterAll(async () => svc?.cleanup());

  it('a device reconnecting to publish under another id again and again is throttled like any flood', async () => {
    const fix = { ts: Date.now() - 1000, lat: ZIYANG.lat, lon: ZIYANG.lon, acc: 5, src: 'gnss', seq: 1 };
    const big = JSON.stringify({ ...fix, pad: 'x'.repeat(4000) });
    for (let i = 0; i < 40; i++) {
      const c = await mqtt.connectAsync(svc.mqttUrl, {
        clientId: `f-${i}`,
        username: forger.ankle.id,
        password: forger.ankle.secret,
        reconnectPeriod: 0,
      });
      const closed = new Promise<void>((r) => c.once('close', () => r()));
      c.publish(`em/v1/devices/${victim.ankle.id}/telemetry`, big, { qos: 1 }, () => {});
      await closed;
    }
    const { rows } = await svc.db.pool.query<{ n: number; bytes: number }>(
      "select count(*)::int as n, coalesce(sum(length(raw)),0)::int as bytes from dead_letters where reason = 'forged_device_id'",
    );
    const text = await (await fetch(`${svc.httpUrl}/metrics`)).text();
    const limited = Number(/em_refusals_total\{reason="rate_limited"[^}]*\} (\d+)/.exec(text)?.[1] ?? 0);
    // Burst 5: the first five are dead-lettered, the other 35 only counted.
    expect(rows[0]!.n, 'dead letters written for one device over its allowance').toBe(5);
    expect(limited, 'forged publishes beyond the allowance counted').toBe(35);
    const victimFixes = await svc.db.pool.query('select 1 from fixes where device_id = $1', [
      victim.ankle.id,
    ]);
    expect(victimFixes.rowCount, 'nothing stored under the victim').toBe(0);
  }, 60_000);
});
