// A real Mosquitto that crashes before saving (SIGKILL: it keeps only its last save, so the retained
// device configs and the service's session are gone): once the service is back on it, a device
// that subscribes gets its retained config again ([MQTT-3.3.1-5], README: a device receives its
// reporting interval, retained, on …/config), without waiting for its person's next change.
import { randomUUID } from 'node:crypto';
import mqtt from 'mqtt';
import { afterAll, describe, expect, it } from 'vitest';
import { type MosquittoInstance, mosquittoInstalled, startMosquitto } from '../support/mosquitto.js';
import { serviceOnMosquitto } from '../support/mosquitto-target.js';
import { ensureCounty, monitoredPerson, type TestService } from '../support/service.js';
import { waitFor } from '../support/wait.js';

// Outside CI a machine without Mosquitto skips this, saying so; in CI it runs, and fails without it.
const inCi = process.env.CI === 'true';
const installed = mosquittoInstalled();
if (!installed && !inCi) console.warn('[skipped] config after broker loss: no Mosquitto');

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

describe.skipIf(!installed && !inCi)('device config after the broker lost its retained messages', () => {
  let broker: MosquittoInstance;
  let svc: TestService;
  let stopService: (() => Promise<void>) | undefined;
  afterAll(async () => {
    await stopService?.();
    await broker?.stop();
  });

  it('is published again when the service reconnects to a broker without its session', async () => {
    broker = await startMosquitto();
    ({ svc, stop: stopService } = await serviceOnMosquitto(broker));
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
