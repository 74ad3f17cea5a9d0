// Native MQTT messages through the embedded broker, end to end: what a monitor's firmware really
// sends besides a clean fix (a QoS 1 resend, out-of-range readings, a wrong topic) is judged once,
// keeps what is good in it, and is refused with a reason that is counted and kept.
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ensureCounty,
  type MonitoredPerson,
  monitoredPerson,
  startTestService,
  type TestService,
} from '../support/service.js';
import { waitFor } from '../support/wait.js';

describe('native MQTT messages (embedded broker)', () => {
  let svc: TestService;
  const clients: MqttClient[] = [];

  beforeAll(async () => {
    svc = await startTestService();
    await ensureCounty(svc);
  }, 120_000);
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.endAsync(true).catch(() => {})));
    await svc?.cleanup();
  });

  const connect = async ({ ankle }: MonitoredPerson) => {
    const c = await mqtt.connectAsync(svc.mqttUrl, {
      clientId: `${ankle.id}-${Math.random().toString(36).slice(2, 8)}`,
      username: ankle.id,
      password: ankle.secret,
      reconnectPeriod: 0,
    });
    clients.push(c);
    return c;
  };
  const count = async (sql: string, params: unknown[] = []) =>
    (await svc.db.pool.query<{ n: number }>(sql, params)).rows[0]!.n;
  const refusals = async (reason?: string) => {
    const text = await (await fetch(`${svc.httpUrl}/metrics`)).text();
    const re = new RegExp(`em_refusals_total\\{reason="${reason ?? '[^"]+'}"[^}]*\\} (\\d+)`, 'g');
    return [...text.matchAll(re)].reduce((sum, m) => sum + Number(m[1]), 0);
  };

  it('judges a redelivered (QoS 1 resent) event once: a resent battery_low does not reopen a cleared alert', async () => {
    const p = await monitoredPerson(svc);
    const c = await connect(p);
    const topic = `em/v1/devices/${p.ankle.id}/events`;
    const now = Date.now();
    const low = JSON.stringify({ ts: now - 60_000, seq: 1, type: 'battery_low' });
    const activeLow = () =>
      count(
        "select count(*)::int as n from incidents where supervisee_id = $1 and kind = 'battery_low' and condition_active",
        [p.personId],
      );
    await c.publishAsync(topic, low, { qos: 1 });
    await waitFor(async () => (await activeLow()) === 1);
    await c.publishAsync(topic, JSON.stringify({ ts: now - 30_000, seq: 2, type: 'charging_start' }), {
      qos: 1,
    });
    await waitFor(async () => (await activeLow()) === 0);
    const duplicatesBefore = await refusals('duplicate');
    // The PUBACK of the first publish was lost: the device sends the same message again.
    await c.publishAsync(topic, low, { qos: 1, dup: true });
    expect(
      await count('select count(*)::int as n from device_events where device_id = $1', [p.ankle.id]),
    ).toBe(2);
    expect(await activeLow(), 'battery_low active again after a resent old event').toBe(0);
    expect(await refusals('duplicate'), 'the resent event counted as a duplicate').toBe(duplicatesBefore + 1);
  });
});
