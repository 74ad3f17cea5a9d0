// File-based device provisioning (docs/decisions/0007): devices registered through the service's own
// use case, exported from its database into a Mosquitto password_file and acl_file, and checked with
// real MQTT clients against a real Mosquitto that reloads the files on SIGHUP. In CI a missing
// Mosquitto fails the suite; elsewhere the suite is skipped with a warning.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aclFileText, passwordFileText } from '../../src/adapters/mqtt/mosquitto-files.js';
import { exportMosquittoFiles, replaceFile } from '../../src/adapters/mqtt/mosquitto-files-export.js';
import { registerDevice } from '../../src/admin/devices.js';
import { createSupervisee } from '../../src/admin/supervisees.js';
import { mosquittoPasswordHash, mosquittoPasswordMatches } from '../../src/auth/broker-password.js';
import { type MosquittoInstance, mosquittoInstalled, startMosquitto } from '../support/mosquitto.js';
import { startTestService, type TestService } from '../support/service.js';

const inCi = process.env.CI === 'true';
const installed = mosquittoInstalled();
if (!installed && !inCi)
  console.warn('[skipped] Mosquitto is not installed: the Mosquitto file-provisioning suite');

const WAIT_MS = 5_000;
const SERVICE = { username: 'em-ingest-files', password: 'service-secret-0123456789' };
const telemetry = (deviceId: string) => `em/v1/devices/${deviceId}/telemetry`;

describe('Mosquitto password hashes', () => {
  it('verifies a line written by mosquitto_passwd 2.0.11 and rejects another password', () => {
    // `mosquitto_passwd -b pw dev1 secret1`
    const line =
      '$7$101$dYGNZIVBTydqzV2q$TLxnaxgufreHEhGZA3dC28qYf0rfOb3J3lqesfWvSRxkhHB8z5BCi8nlE+bK/ipq0ce8MwSEXb+H7DiG7qErUw==';
    expect(mosquittoPasswordMatches('secret1', line)).toBe(true);
    expect(mosquittoPasswordMatches('secret2', line)).toBe(false);
    const ours = mosquittoPasswordHash('s3cret');
    expect(ours).toMatch(/^\$7\$101\$[A-Za-z0-9+/]{16}\$[A-Za-z0-9+/]{86}==$/);
    expect(mosquittoPasswordMatches('s3cret', ours)).toBe(true);
    expect(mosquittoPasswordHash('s3cret')).not.toBe(ours); // a fresh salt each time
  });

  it('refuses names that would forge a line and hashes that are not $7$', () => {
    const hash = mosquittoPasswordHash('x');
    expect(() => passwordFileText([], [{ username: 'a:b', passwordHash: hash }])).toThrow(/invalid/);
    expect(() => passwordFileText([], [{ username: 'a\nb', passwordHash: hash }])).toThrow(/invalid/);
    expect(() => passwordFileText([], [{ username: 'a', passwordHash: 'plain' }])).toThrow(/\$7\$/);
    expect(() =>
      passwordFileText([{ username: 'a', passwordHash: hash }], [{ username: 'a', passwordHash: hash }]),
    ).toThrow(/twice/);
    expect(() =>
      aclFileText([], [{ username: 'p', passwordHash: hash, owntracksTopic: 'owntracks/#' }]),
    ).toThrow(/OwnTracks/);
  });

  it('gives devices their topics through %u patterns, with no line per native device', () => {
    const hash = mosquittoPasswordHash('x');
    const devices = Array.from({ length: 1000 }, (_, i) => ({ username: `dev-${i}`, passwordHash: hash }));
    const acl = aclFileText(['svc'], devices);
    expect(acl).toContain('pattern write em/v1/devices/%u/telemetry');
    expect(acl).not.toContain('dev-1');
    expect(acl.split('\n').length).toBeLessThan(30);
  });
});

describe.skipIf(!installed && !inCi)('Mosquitto file-based device provisioning', () => {
  let svc: TestService;
  let broker: MosquittoInstance;
  let dir: string;
  let files: { passwordFile: string; aclFile: string };
  let service: MqttClient;
  const received: Array<{ topic: string; payload: string }> = [];
  const clients: MqttClient[] = [];
  let devA: { id: string; secret: string };
  let devB: { id: string; secret: string };
  let phone: { id: string; secret: string };
  let personId: string;

  async function connect(username: string, password: string, options: IClientOptions = {}) {
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

  async function refusal(username: string, password: string): Promise<number | string | undefined> {
    try {
      await connect(username, password, { protocolVersion: 4 });
    } catch (err) {
      return (err as { code?: number | string }).code;
    }
    throw new Error(`${username} was accepted`);
  }

  async function next(match: (m: { topic: string; payload: string }) => boolean) {
    const deadline = Date.now() + WAIT_MS;
    for (;;) {
      const found = received.find(match);
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`no matching message within ${WAIT_MS} ms`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  async function exportFiles() {
    const out = await exportMosquittoFiles(svc.db.pool, [
      { username: SERVICE.username, passwordHash: mosquittoPasswordHash(SERVICE.password) },
    ]);
    replaceFile(files.passwordFile, out.passwordFile);
    replaceFile(files.aclFile, out.aclFile);
    return out;
  }

  beforeAll(async () => {
    svc = await startTestService();
    personId = await createSupervisee(svc.admin, { orgUnitId: 'lianhua', name: '测试对象', level: 'normal' });
    devA = await registerDevice(svc.admin, { superviseeId: personId, kind: 'ankle' });
    devB = await registerDevice(svc.admin, { superviseeId: personId, kind: 'ankle' });
    phone = await registerDevice(svc.admin, {
      superviseeId: personId,
      kind: 'phone',
      owntracks: { user: 'alice', device: 'phone' },
    });
    dir = mkdtempSync(join(tmpdir(), 'em-mosquitto-files-'));
    files = { passwordFile: join(dir, 'passwords'), aclFile: join(dir, 'acl') };
    const out = await exportFiles();
    expect(out.devices).toBe(3);
    expect(out.skipped).toEqual([]);
    broker = await startMosquitto({ files });
    service = await connect(SERVICE.username, SERVICE.password);
    service.on('message', (topic, payload) => received.push({ topic, payload: payload.toString() }));
    const granted = await service.subscribeAsync(
      ['$share/g1/em/v1/devices/+/telemetry', 'em/v1/devices/+/events', 'owntracks/+/+'],
      { qos: 1 },
    );
    expect(granted.map((g) => g.qos)).toEqual([1, 1, 1]);
  }, 60_000);

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.endAsync(true).catch(() => {})));
    await broker?.stop();
    await svc?.cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('lets a device publish as itself, read by the service through a shared subscription', async () => {
    const device = await connect(devA.id, devA.secret);
    await device.publishAsync(telemetry(devA.id), '{"seq":1}', { qos: 1 });
    await device.publishAsync(`em/v1/devices/${devA.id}/events`, '{"seq":2}', { qos: 1 });
    await next((m) => m.topic === telemetry(devA.id) && m.payload === '{"seq":1}');
    await next((m) => m.topic === `em/v1/devices/${devA.id}/events` && m.payload === '{"seq":2}');
  });

  it('does not let a device publish as another device, nor read its config', async () => {
    const forger = await connect(devA.id, devA.secret);
    // MQTT 5: the broker answers PUBACK 0x87 (not authorized) and delivers nothing.
    await expect(forger.publishAsync(telemetry(devB.id), 'forged-v5', { qos: 1 })).rejects.toMatchObject({
      code: 0x87,
    });
    // MQTT 3.1.1 has no refusal in PUBACK: the publish is dropped. The marker sent after it on the
    // same connection arrives after it would have, so its arrival proves the forged one was dropped.
    const v3 = await connect(devA.id, devA.secret, { protocolVersion: 4 });
    await v3.publishAsync(telemetry(devB.id), 'forged-v3', { qos: 1 });
    await v3.publishAsync(telemetry(devA.id), 'marker', { qos: 1 });
    await next((m) => m.payload === 'marker');
    expect(received.filter((m) => m.payload.startsWith('forged'))).toEqual([]);
    // Mosquitto 2.0.11 grants the subscription and checks `read` on delivery: only its own arrives.
    const configs: string[] = [];
    forger.on('message', (topic) => configs.push(topic));
    await forger.subscribeAsync([`em/v1/devices/${devB.id}/config`, `em/v1/devices/${devA.id}/config`], {
      qos: 1,
    });
    await service.publishAsync(`em/v1/devices/${devB.id}/config`, '{"intervalS":60}', { qos: 1 });
    await service.publishAsync(`em/v1/devices/${devA.id}/config`, '{"intervalS":60}', { qos: 1 });
    const deadline = Date.now() + WAIT_MS;
    while (configs.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(configs).toEqual([`em/v1/devices/${devA.id}/config`]);
  });

  it('refuses a wrong password and an unknown username', async () => {
    expect(await refusal(devA.id, `${devA.secret}x`)).toBe(5);
    expect(await refusal(devB.id, devA.secret)).toBe(5);
    expect(await refusal('dev-unknown', 'whatever')).toBe(5);
  });

  it('lets an OwnTracks phone publish on its own topic only', async () => {
    const p = await connect(phone.id, phone.secret);
    await p.publishAsync('owntracks/alice/phone', '{"_type":"location"}', { qos: 1 });
    await next((m) => m.topic === 'owntracks/alice/phone');
    await expect(p.publishAsync('owntracks/bob/phone', 'forged', { qos: 1 })).rejects.toMatchObject({
      code: 0x87,
    });
  });

  it('picks up a newly registered device and a rotated secret on SIGHUP', async () => {
    const devC = await registerDevice(svc.admin, { superviseeId: personId, kind: 'ankle' });
    expect(await refusal(devC.id, devC.secret)).toBe(5);
    await exportFiles();
    broker.reload();
    const deadline = Date.now() + WAIT_MS;
    let accepted: MqttClient | undefined;
    while (!accepted) {
      accepted = await connect(devC.id, devC.secret).catch((err) => {
        if (Date.now() > deadline) throw err;
        return undefined;
      });
      if (!accepted) await new Promise((r) => setTimeout(r, 50));
    }
    await accepted.publishAsync(telemetry(devC.id), 'from-c', { qos: 1 });
    await next((m) => m.topic === telemetry(devC.id) && m.payload === 'from-c');
  });
});
