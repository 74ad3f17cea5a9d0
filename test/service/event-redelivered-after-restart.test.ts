// A device event redelivered after a restart (QoS 1: the service committed it, then stopped before
// its PUBACK reached the broker, which sends it again) must not be judged a second time. The
// in-memory dedupe window is empty after a restart (and on another instance of a cluster), so the
// database's key (device, ts, type) decides: a battery_low from before a charge that has since
// stopped reopened battery low for a device sitting on a full battery, a false alert (DOMAIN.md).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/ports.js';
import { monitoredPerson, startTestService, type TestService } from '../support/service.js';
import { waitFor } from '../support/wait.js';

const MIN = 60_000;

async function publishEvent(
  svc: TestService,
  device: { id: string; secret: string },
  event: { ts: number; type: string; seq: number },
): Promise<void> {
  const c = await mqtt.connectAsync(svc.mqttUrl, {
    clientId: `${device.id}-ev`,
    username: device.id,
    password: device.secret,
    reconnectPeriod: 0,
  });
  try {
    const body = { ts: new Date(event.ts).toISOString(), seq: event.seq, type: event.type };
    await c.publishAsync(`em/v1/devices/${device.id}/events`, JSON.stringify(body), { qos: 1 });
  } finally {
    await c.endAsync();
  }
}

describe('a device event redelivered after a restart', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'em-redelivered-'));
  const running: TestService[] = [];
  afterAll(async () => {
    for (const svc of running) await svc.stop().catch(() => {});
    rmSync(dataDir, { recursive: true, force: true });
  });
  const start = async () => {
    const svc = await startTestService({ DATA_DIR: dataDir, MQTT_LISTEN_PORT: String(await freePort()) });
    running.push(svc);
    return svc;
  };

  it('is refused as a duplicate by the stored event, and reopens nothing', async () => {
    let svc = await start();
    const person = await monitoredPerson(svc, { orgUnitId: 'lianhua', level: 'normal' });
    const t = Date.now() - 10 * MIN;
    const low = { ts: t, type: 'battery_low', seq: 1 };
    await publishEvent(svc, person.ankle, low);
    await publishEvent(svc, person.ankle, { ts: t + 2 * MIN, type: 'charging_start', seq: 2 });
    await publishEvent(svc, person.ankle, { ts: t + 5 * MIN, type: 'charging_stop', seq: 3 });
    const batteryIncidents = async () =>
      (
        await svc.db.pool.query<{ state: string }>(
          "select state from incidents where supervisee_id = $1 and kind = 'battery_low' order by id",
          [person.personId],
        )
      ).rows.map((r) => r.state);
    const storedEvents = async () =>
      Number(
        (
          await svc.db.pool.query('select count(*) from device_events where device_id = $1', [
            person.ankle.id,
          ])
        ).rows[0].count,
      );
    await waitFor(async () => (await storedEvents()) === 3);
    expect(await batteryIncidents()).toEqual(['resolved']);

    running.splice(running.indexOf(svc), 1);
    await svc.stop();
    svc = await start();
    await publishEvent(svc, person.ankle, low);
    // Judged one way or the other: refused as a duplicate, or (the defect) battery low reopened.
    const duplicates = async () => {
      const metrics = (await svc.app.inject({ method: 'GET', url: '/metrics' })).body;
      return /em_refusals_total\{[^}]*reason="duplicate"[^}]*\} 1/.test(metrics);
    };
    await waitFor(async () => (await duplicates()) || (await batteryIncidents()).length > 1);
    expect(await duplicates()).toBe(true);
    expect(await batteryIncidents()).toEqual(['resolved']);
  }, 120_000);
});
