// A real Mosquitto that crashes before saving (SIGKILL: it keeps only its last save, so the retained
// device configs and the service's session are gone): once the service is back on it, a device
// that subscribes gets its retained config again ([MQTT-3.3.1-5], README: a device receives its
// reporting interval, retained, on …/config), without waiting for its person's next change.
import { randomUUID } from 'node:crypto';
import mqtt from 'mqtt';
import { afterAll, describe, expect, it } from 'vitest';
import { databaseTargets } from '../support/databases.js';
import { type MosquittoInstance, mosquittoInstalled, startMosquitto } from '../support/mosquitto.js';
import { ensureCounty, monitoredPerson, startTestService, type TestService } from '../support/service.js';
import { waitFor } from '../support/wait.js';

const installed = mosquittoInstalled();
if (!installed) console.warn('[skipped] config after broker loss: no Mosquitto');

async function retainedConfig(url: string, device: { id: string; secret: string }): Promise<string | null> {
  const client = await mqtt.connectAsync(url, {
    clientId: `${device.id}-${randomUUID().slice(0, 6)}`,
    username: device.id,
    password: device.secret,
    reconnectPeriod: 0,
  });
  try {
    const got = new Promise<string>((resolve) =>
      client.on('message', (_t, payload) => resolve(String(payload))),
    );
    await client.subscribeAsync(`em/v1/devices/${device.id}/config`, { qos: 1 });
    return await Promise.race([got, new Promise<null>((r) => setTimeout(() => r(null), 1500))]);
  } finally {
    await client.endAsync();
  }
}

describe.runIf(installed)('device config after the broker lost its retained messages', () => {
  let broker: MosquittoInstance;
  let svc: TestService;
  const cleanups: Array<() => Promise<void>> = [];
  afterAll(async () => {
    await svc?.cleanup();
    await broker?.stop();
    for (const c of cleanups) await c();
  });

  it('is published again when the service reconnects to a broker without its session', async () => {
    broker = await startMosquitto();
    const postgres = (await databaseTargets()).find((t) => t.name === 'postgres');
    const database = postgres ? await postgres.create() : null;
    if (database) {
      await database.db.close();
      cleanups.push(database.drop);
    }
    svc = await startTestService({
      MQTT_URL: broker.url,
      MQTT_ADMIN_USERNAME: broker.adminUsername,
      MQTT_ADMIN_PASSWORD: broker.adminPassword,
      MQTT_USERNAME: 'em-ingest',
      MQTT_PASSWORD: randomUUID(),
      MQTT_CLIENT_ID: `em-ingest-${randomUUID().slice(0, 8)}`,
      ...(database?.url ? { DATABASE_URL: database.url } : {}),
    });
    await ensureCounty(svc);
    const person = await monitoredPerson(svc);
    expect(JSON.parse((await retainedConfig(broker.url, person.ankle)) ?? 'null')?.mode).toBe('normal');

    await broker.kill();
    await broker.restart();
    await waitFor(async () => (await fetch(`${svc.httpUrl}/readyz`)).status === 200, 20_000);
    let config: string | null = null;
    await waitFor(async () => {
      config = await retainedConfig(broker.url, person.ankle);
      return config !== null;
    }, 10_000).catch(() => {});
    expect(JSON.parse(config ?? 'null')?.mode).toBe('normal');
  }, 120_000);
});
