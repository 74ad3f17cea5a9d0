// Device identity in a real Mosquitto (ISSUE 3 item 2): accounts and topic rights provisioned in the
// broker through the dynamic-security plugin, checked with real MQTT clients. In CI a missing
// Mosquitto fails the suite; elsewhere the suite is skipped with a warning.
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type BrokerDeviceProvisioner,
  createMosquittoDynsecProvisioner,
  DynsecError,
} from '../../src/adapters/mqtt/mosquitto-dynsec.js';
import { type MosquittoInstance, mosquittoInstalled, startMosquitto } from '../support/mosquitto.js';

const inCi = process.env.CI === 'true';
const installed = mosquittoInstalled();
if (!installed && !inCi) console.warn('Mosquitto is not installed: skipping the Mosquitto dynsec suite');

const WAIT_MS = 5_000;
const SERVICE = { username: 'em-ingest-test', password: 'service-secret-0123456789' };
const secretOf = (deviceId: string) => `secret-of-${deviceId}-0123456789abcdef`;
const telemetry = (deviceId: string) => `em/v1/devices/${deviceId}/telemetry`;
const config = (deviceId: string) => `em/v1/devices/${deviceId}/config`;

interface Received {
  readonly topic: string;
  readonly payload: string;
  readonly retain: boolean;
}

/** Records every message a client receives; `next` waits, time-bound, for one that matches. */
function inbox(client: MqttClient) {
  const messages: Received[] = [];
  client.on('message', (topic, payload, packet) => {
    messages.push({ topic, payload: payload.toString(), retain: packet.retain });
  });
  return {
    messages,
    async next(match: (m: Received) => boolean, timeoutMs = WAIT_MS): Promise<Received> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = messages.find(match);
        if (found) return found;
        if (Date.now() > deadline) throw new Error(`no matching message within ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
  };
}

describe.skipIf(!installed && !inCi)('Mosquitto dynamic-security device provisioning', () => {
  let broker: MosquittoInstance;
  let provisioner: BrokerDeviceProvisioner;
  let service: MqttClient;
  let serviceInbox: ReturnType<typeof inbox>;
  const clients: MqttClient[] = [];

  /** Connects without reconnecting, so a refusal surfaces once as an error. */
  async function connect(
    username: string,
    password: string,
    options: IClientOptions = {},
  ): Promise<MqttClient> {
    const client = mqtt.connect(broker.url, {
      username,
      password,
      protocolVersion: 5,
      reconnectPeriod: 0,
      connectTimeout: WAIT_MS,
      ...options,
    });
    clients.push(client);
    await new Promise<void>((resolve, reject) => {
      client.once('connect', () => resolve());
      client.once('error', reject);
      client.once('close', () => reject(new Error('connection closed before CONNACK')));
    });
    return client;
  }

  /** Why a connection failed: the CONNACK return code ([MQTT-3.2.2-3], 5 = not authorized) or a socket error. */
  async function refusal(username: string, password: string): Promise<number | string | undefined> {
    try {
      await connect(username, password, { protocolVersion: 4 });
    } catch (err) {
      return (err as { code?: number | string }).code;
    }
    throw new Error(`${username} was accepted`);
  }

  async function disconnected(client: MqttClient): Promise<void> {
    const deadline = Date.now() + WAIT_MS;
    while (client.connected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(client.connected).toBe(false);
  }

  beforeAll(async () => {
    broker = await startMosquitto();
    provisioner = await createMosquittoDynsecProvisioner(
      broker.url,
      broker.adminUsername,
      broker.adminPassword,
    );
    await provisioner.ensureServiceRole();
    await provisioner.ensureServiceClient(SERVICE.username, SERVICE.password);
    await provisioner.provisionDevices([
      { deviceId: 'dev-a', secret: secretOf('dev-a') },
      { deviceId: 'dev-b', secret: secretOf('dev-b') },
      { deviceId: 'phone-1', secret: secretOf('phone-1'), owntracksTopic: 'owntracks/alice/phone' },
    ]);
    service = await connect(SERVICE.username, SERVICE.password);
    serviceInbox = inbox(service);
    await service.subscribeAsync(['em/v1/devices/+/telemetry', 'em/v1/devices/+/events', 'owntracks/+/+'], {
      qos: 1,
    });
  });

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.endAsync(true).catch(() => {})));
    await provisioner?.close();
    await broker?.stop();
  });

  it('lets a provisioned device publish QoS 1 on its own telemetry and events topics', async () => {
    const device = await connect('dev-a', secretOf('dev-a'));
    await device.publishAsync(telemetry('dev-a'), '{"seq":1}', { qos: 1 });
    await device.publishAsync('em/v1/devices/dev-a/events', '{"seq":2}', { qos: 1 });
    await serviceInbox.next((m) => m.topic === telemetry('dev-a') && m.payload === '{"seq":1}');
    await serviceInbox.next((m) => m.topic === 'em/v1/devices/dev-a/events' && m.payload === '{"seq":2}');
  });

  it('refuses a wrong password and an unknown username with CONNACK not authorized', async () => {
    expect(await refusal('dev-a', 'not-the-secret')).toBe(5);
    expect(await refusal('dev-unknown', 'whatever')).toBe(5);
  });

  it('does not deliver a publish under another device id (MQTT 5 PUBACK 0x87; 3.1.1 dropped)', async () => {
    const forger = await connect('dev-a', secretOf('dev-a'));
    await expect(forger.publishAsync(telemetry('dev-b'), 'forged-v5', { qos: 1 })).rejects.toMatchObject({
      code: 0x87,
    });
    // A device may not write its own config either, nor anything outside its topics.
    await expect(forger.publishAsync(config('dev-a'), 'x', { qos: 1, retain: true })).rejects.toMatchObject({
      code: 0x87,
    });
    await expect(forger.publishAsync('owntracks/alice/phone', 'x', { qos: 1 })).rejects.toMatchObject({
      code: 0x87,
    });
    const forger311 = await connect('dev-a', secretOf('dev-a'), { protocolVersion: 4 });
    await forger311.publishAsync(telemetry('dev-b'), 'forged-v311', { qos: 1 }); // acknowledged, then dropped
    // Messages of one publisher to one subscriber keep their order [MQTT-4.6.0-5]: once the marker
    // that followed the forgeries arrives, the forgeries would have arrived before it.
    await forger311.publishAsync(telemetry('dev-a'), 'marker-after-forgery', { qos: 1 });
    await serviceInbox.next((m) => m.payload === 'marker-after-forgery');
    expect(serviceInbox.messages.filter((m) => m.payload.startsWith('forged'))).toEqual([]);
  });

  it('delivers to the service account through a shared subscription', async () => {
    const member = await connect(SERVICE.username, SERVICE.password);
    const memberInbox = inbox(member);
    await member.subscribeAsync('$share/em/em/v1/devices/+/telemetry', { qos: 1 });
    const device = await connect('dev-b', secretOf('dev-b'));
    await device.publishAsync(telemetry('dev-b'), 'via-share', { qos: 1 });
    await memberInbox.next((m) => m.topic === telemetry('dev-b') && m.payload === 'via-share');
  });

  it("lets a device receive its own retained config but not subscribe to another device's", async () => {
    await service.publishAsync(config('dev-a'), '{"intervalS":30}', { qos: 1, retain: true });
    await service.publishAsync(config('dev-b'), '{"intervalS":60}', { qos: 1, retain: true });
    const device = await connect('dev-a', secretOf('dev-a'));
    const deviceInbox = inbox(device);
    await device.subscribeAsync(config('dev-a'), { qos: 1 });
    const own = await deviceInbox.next((m) => m.topic === config('dev-a'));
    expect(own).toMatchObject({ payload: '{"intervalS":30}', retain: true });
    for (const filter of [config('dev-b'), 'em/v1/devices/+/config', 'em/v1/devices/+/telemetry', '#']) {
      await expect(device.subscribeAsync(filter, { qos: 1 }), filter).rejects.toMatchObject({
        packet: { granted: [0x87] },
      });
    }
    expect(deviceInbox.messages.filter((m) => m.topic !== config('dev-a'))).toEqual([]);
  });

  it('lets an OwnTracks phone publish on exactly its own owntracks topic', async () => {
    const phone = await connect('phone-1', secretOf('phone-1'));
    await phone.publishAsync('owntracks/alice/phone', '{"_type":"location"}', { qos: 1 });
    await serviceInbox.next((m) => m.topic === 'owntracks/alice/phone');
    await expect(phone.publishAsync('owntracks/bob/phone', 'x', { qos: 1 })).rejects.toMatchObject({
      code: 0x87,
    });
    // Re-provisioned with another topic, the old one is withdrawn at once, without a reconnect.
    await provisioner.provisionDevice('phone-1', secretOf('phone-1'), 'owntracks/alice/tablet');
    expect(phone.connected).toBe(true);
    await expect(phone.publishAsync('owntracks/alice/phone', 'x', { qos: 1 })).rejects.toMatchObject({
      code: 0x87,
    });
    await phone.publishAsync('owntracks/alice/tablet', 'moved', { qos: 1 });
    await serviceInbox.next((m) => m.topic === 'owntracks/alice/tablet' && m.payload === 'moved');
  });

  it('re-provisions idempotently: same secret keeps the session, a new secret replaces the old', async () => {
    await provisioner.provisionDevice('dev-c', secretOf('dev-c'));
    const device = await connect('dev-c', secretOf('dev-c'));
    await provisioner.provisionDevice('dev-c', secretOf('dev-c'));
    await device.publishAsync(telemetry('dev-c'), 'still-connected', { qos: 1 });
    expect(device.connected).toBe(true);

    await provisioner.provisionDevice('dev-c', 'a-rotated-secret-0123456789');
    await disconnected(device); // DISCONNECT 0x98: the old credentials' session ends
    expect(await refusal('dev-c', secretOf('dev-c'))).toBe(5);
    const rotated = await connect('dev-c', 'a-rotated-secret-0123456789');
    await rotated.publishAsync(telemetry('dev-c'), 'rotated', { qos: 1 });
    await serviceInbox.next((m) => m.payload === 'rotated');
  });

  it('refuses a revoked device and ends its live session', async () => {
    await provisioner.provisionDevice('dev-r', secretOf('dev-r'));
    const device = await connect('dev-r', secretOf('dev-r'));
    await provisioner.revokeDevice('dev-r');
    await disconnected(device);
    expect(await refusal('dev-r', secretOf('dev-r'))).toBe(5);
    await provisioner.revokeDevice('dev-r'); // idempotent
  });

  it('provisions in batches and reports bad input and foreign accounts clearly', async () => {
    const fleet = Array.from({ length: 150 }, (_, i) => ({
      deviceId: `fleet-${i}`,
      secret: secretOf(`fleet-${i}`),
    }));
    await provisioner.provisionDevices(fleet);
    const last = await connect('fleet-149', secretOf('fleet-149'));
    await last.publishAsync(telemetry('fleet-149'), 'fleet', { qos: 1 });

    await expect(provisioner.provisionDevices([{ deviceId: 'bad/id', secret: 'x' }])).rejects.toThrow(
      /device|account/,
    );
    await expect(provisioner.provisionDevice('dev-x', 'x', 'owntracks/+/phone')).rejects.toThrow(/OwnTracks/);
    await expect(provisioner.provisionDevice(broker.adminUsername, 'x')).rejects.toThrow(/admin/);
    const foreign = provisioner.provisionDevice(SERVICE.username, 'x');
    await expect(foreign).rejects.toBeInstanceOf(DynsecError);
    await expect(foreign).rejects.toThrow(/em-ingest-test.*other roles: em-ingest/);
    await expect(provisioner.revokeDevice(SERVICE.username)).rejects.toThrow(/not a device/);
    // Neither refusal touched the service account.
    expect(service.connected).toBe(true);
    await connect(SERVICE.username, SERVICE.password);
  });

  it('keeps a persistent session and its queued QoS 1 messages across restart()', async () => {
    const sessionOptions: IClientOptions = {
      clientId: 'em-ingest-persistent',
      clean: false,
      protocolVersion: 4,
    };
    const subscriber = await connect(SERVICE.username, SERVICE.password, sessionOptions);
    await subscriber.subscribeAsync(telemetry('dev-b'), { qos: 1 });
    await subscriber.endAsync();

    const device = await connect('dev-b', secretOf('dev-b'));
    const sent = Array.from({ length: 20 }, (_, i) => `queued-${i}`);
    for (const payload of sent) await device.publishAsync(telemetry('dev-b'), payload, { qos: 1 });
    await device.endAsync();

    await broker.restart();
    const resumed = mqtt.connect(broker.url, {
      username: SERVICE.username,
      password: SERVICE.password,
      reconnectPeriod: 0,
      ...sessionOptions,
    });
    clients.push(resumed);
    const resumedInbox = inbox(resumed);
    const connack = await new Promise<{ sessionPresent: boolean }>((resolve, reject) => {
      resumed.once('connect', resolve);
      resumed.once('error', reject);
    });
    expect(connack.sessionPresent).toBe(true);
    await resumedInbox.next((m) => m.payload === sent.at(-1));
    expect(resumedInbox.messages.map((m) => m.payload)).toEqual(sent);
  });

  it('comes back after kill() with the accounts it had', async () => {
    await broker.kill();
    expect(await refusal('dev-a', secretOf('dev-a'))).toBe('ECONNREFUSED');
    await broker.restart();
    const device = await connect('dev-a', secretOf('dev-a'));
    await device.publishAsync(telemetry('dev-a'), 'after-crash', { qos: 1 });
    expect(await refusal('dev-a', 'not-the-secret')).toBe(5);
  });
});
