// Device ingest, end to end through the real service, against each broker (embedded Aedes, real
// Mosquitto with authentication): every source, every kind of refusal, and nothing lost around it.
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BrokerTarget, brokerTargets } from '../support/brokers.js';
import {
  ensureCounty,
  type MonitoredPerson,
  monitoredPerson,
  storedFixes,
  type TestService,
  ZIYANG,
} from '../support/service.js';
import { waitFor } from '../support/wait.js';

const targets = await brokerTargets();

function connectDevice(
  url: string,
  id: string,
  secret: string,
  extra: mqtt.IClientOptions = {},
): Promise<MqttClient> {
  return mqtt.connectAsync(url, {
    clientId: `${id}-${Math.random().toString(36).slice(2, 6)}`,
    username: id,
    password: secret,
    reconnectPeriod: 0,
    connectTimeout: 5000,
    ...extra,
  });
}

const fix = (seq: number, extra: Record<string, unknown> = {}) => ({
  ts: new Date(Date.now() - 1000 + seq).toISOString(),
  lat: ZIYANG.lat + seq * 1e-5,
  lon: ZIYANG.lon,
  acc: 8,
  src: 'gnss',
  seq,
  batt: 90,
  ...extra,
});

describe.each(targets)('ingest through $name broker', (target: BrokerTarget) => {
  let svc: TestService;
  let deviceUrl: string;
  let stop: () => Promise<void>;
  let alice: MonitoredPerson;
  let bob: MonitoredPerson;
  const clients: MqttClient[] = [];

  const count = async (sql: string, params: unknown[] = []) =>
    (await svc.db.pool.query<{ n: number }>(sql, params)).rows[0]?.n ?? 0;
  const fixesOf = (deviceId: string) => storedFixes(svc, deviceId);
  const deadLetters = (reason: string) =>
    count('select count(*)::int as n from dead_letters where reason = $1', [reason]);

  beforeAll(async () => {
    ({ svc, deviceUrl, stop } = await target.start());
    await ensureCounty(svc);
    alice = await monitoredPerson(svc, { owntracks: { user: 'alice', device: 'phone' } });
    bob = await monitoredPerson(svc, { orgUnitId: 'baotai' });
  }, 120_000);

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.endAsync(true).catch(() => {})));
    await stop?.();
  });

  const device = async (id: string, secret: string, extra?: mqtt.IClientOptions) => {
    const c = await connectDevice(deviceUrl, id, secret, extra);
    clients.push(c);
    return c;
  };

  it('stores a QoS 1 fix, and a store-and-forward batch, under the publishing device', async () => {
    const c = await device(alice.ankle.id, alice.ankle.secret);
    await c.publishAsync(`em/v1/devices/${alice.ankle.id}/telemetry`, JSON.stringify(fix(1)), { qos: 1 });
    const batch = { fixes: [fix(2), fix(3), fix(4)] };
    await c.publishAsync(`em/v1/devices/${alice.ankle.id}/telemetry`, JSON.stringify(batch), { qos: 1 });
    await waitFor(async () => (await fixesOf(alice.ankle.id)) === 4);
  });

  it('stores a full store-and-forward batch of 500 fixes with every optional field', async () => {
    const carol = await monitoredPerson(svc);
    const c = await device(carol.ankle.id, carol.ankle.secret);
    const start = Date.now() - 10 * 3600_000; // a minute apart, the newest 100 min old
    const fixes = Array.from({ length: 500 }, (_, i) =>
      fix(100_000 + i, {
        ts: new Date(start + i * 60_000).toISOString(),
        lat: 30.1234567 + i * 1e-6,
        lon: 104.6312345,
        acc: 8.5,
        spd: 1.25,
        hdg: 123.5,
        alt: 412.5,
        batt: 87,
      }),
    );
    const payload = JSON.stringify({ fixes });
    expect(Buffer.byteLength(payload)).toBeGreaterThan(64 * 1024); // beyond the old, too small limit
    await c.publishAsync(`em/v1/devices/${carol.ankle.id}/telemetry`, payload, { qos: 1 });
    const backlog = () => fixesOf(carol.ankle.id);
    await waitFor(async () => (await backlog()) === 500);
    expect(await deadLetters('oversize_payload')).toBe(0);
  });

  it('keeps good fixes of a batch around bad ones, dead-lettering each bad one with its reason', async () => {
    const c = await device(bob.ankle.id, bob.ankle.secret);
    const batch = {
      fixes: [
        fix(10),
        fix(11, { lat: 91 }),
        fix(12, { lat: 0, lon: 0 }),
        fix(13, { acc: -1 }),
        fix(14, { ts: new Date(Date.now() + 3_600_000).toISOString() }),
        fix(15),
      ],
    };
    await c.publishAsync(`em/v1/devices/${bob.ankle.id}/telemetry`, JSON.stringify(batch), { qos: 1 });
    await c.publishAsync(`em/v1/devices/${bob.ankle.id}/telemetry`, '{"lat": 30.1, oops', { qos: 1 });
    await waitFor(async () => (await deadLetters('malformed_json')) >= 1);
    expect(await fixesOf(bob.ankle.id)).toBe(2);
    for (const reason of ['invalid_coordinates', 'null_island', 'invalid_accuracy', 'future_timestamp']) {
      expect(await deadLetters(reason), reason).toBeGreaterThanOrEqual(1);
    }
    const metrics = await (await fetch(`${svc.httpUrl}/metrics`)).text();
    expect(metrics).toMatch(/em_refusals_total\{reason="malformed_json"[^}]*\} [1-9]/);
  });

  it('stores a redelivered fix once and counts the duplicate', async () => {
    const c = await device(alice.ankle.id, alice.ankle.secret);
    const f = JSON.stringify(fix(20));
    await c.publishAsync(`em/v1/devices/${alice.ankle.id}/telemetry`, f, { qos: 1 });
    await c.publishAsync(`em/v1/devices/${alice.ankle.id}/telemetry`, f, { qos: 1 });
    await waitFor(
      async () =>
        (await count('select count(*)::int as n from fixes where device_id = $1 and seq = 20', [
          alice.ankle.id,
        ])) === 1,
    );
    await waitFor(async () =>
      /em_refusals_total\{reason="duplicate"[^}]*\} [1-9]/.test(
        await (await fetch(`${svc.httpUrl}/metrics`)).text(),
      ),
    );
  });

  it('refuses a device with a wrong secret or an unknown id', async () => {
    await expect(connectDevice(deviceUrl, alice.ankle.id, 'wrong-secret')).rejects.toThrow();
    await expect(connectDevice(deviceUrl, 'no-such-device', 'whatever')).rejects.toThrow();
  });

  it('never stores a fix published under another device’s id', async () => {
    // Aedes speaks MQTT 3.1.1 (it disconnects the forger); Mosquitto answers v5 PUBACK 0x87.
    const c = await device(
      bob.ankle.id,
      bob.ankle.secret,
      target.name === 'mosquitto' ? { protocolVersion: 5 } : {},
    );
    const before = await fixesOf(alice.ankle.id);
    // Not awaited: Aedes drops the forger's connection instead of acknowledging.
    c.publish(`em/v1/devices/${alice.ankle.id}/telemetry`, JSON.stringify(fix(30)), { qos: 1 }, () => {});
    if (target.name === 'embedded') await waitFor(async () => (await deadLetters('forged_device_id')) >= 1);
    // A legitimate publish after it proves the pipeline has moved past the forged one.
    const honest = await device(alice.ankle.id, alice.ankle.secret);
    await honest.publishAsync(`em/v1/devices/${alice.ankle.id}/telemetry`, JSON.stringify(fix(31)), {
      qos: 1,
    });
    await waitFor(
      async () =>
        (await count('select count(*)::int as n from fixes where device_id = $1 and seq = 31', [
          alice.ankle.id,
        ])) === 1,
    );
    expect(
      await count('select count(*)::int as n from fixes where device_id = $1 and seq = 30', [alice.ankle.id]),
    ).toBe(0);
    expect(await fixesOf(alice.ankle.id)).toBe(before + 1);
  });

  it('takes OwnTracks locations exactly as the app sends them, mapped to the registered phone', async () => {
    const phone = alice.phone!;
    const c = await device(phone.id, phone.secret);
    const message = {
      _type: 'location',
      acc: 12,
      alt: 380,
      batt: 76,
      bs: 1,
      conn: 'm',
      created_at: Math.floor(Date.now() / 1000),
      lat: ZIYANG.lat + 0.001,
      lon: ZIYANG.lon + 0.001,
      t: 'u',
      tid: 'al',
      tst: Math.floor(Date.now() / 1000) - 2,
      vac: 5,
      vel: 4,
    };
    await c.publishAsync('owntracks/alice/phone', JSON.stringify(message), { qos: 1 });
    await c.publishAsync('owntracks/alice/phone', JSON.stringify({ _type: 'transition', event: 'enter' }), {
      qos: 1,
    });
    await waitFor(
      async () =>
        (await count("select count(*)::int as n from fixes where device_id = $1 and protocol = 'owntracks'", [
          phone.id,
        ])) === 1,
    );
    const row = (await svc.db.pool.query('select spd, batt from fixes where device_id = $1', [phone.id]))
      .rows[0];
    expect(row.spd).toBeCloseTo(4 / 3.6, 3);
    expect(row.batt).toBe(76);
  });

  it('gives each device its retained reporting config, and only its own', async () => {
    const c = await device(alice.ankle.id, alice.ankle.secret);
    const received = new Promise<Record<string, unknown>>((resolve) =>
      c.on('message', (topic, payload) => {
        if (topic === `em/v1/devices/${alice.ankle.id}/config`) resolve(JSON.parse(payload.toString()));
      }),
    );
    await c.subscribeAsync(`em/v1/devices/${alice.ankle.id}/config`, { qos: 1 });
    const config = await received;
    expect(config).toMatchObject({ interval: 120, mode: 'normal' });
    const granted = await c
      .subscribeAsync(`em/v1/devices/${bob.ankle.id}/config`, { qos: 1 })
      .catch(() => [{ qos: 128 }]);
    expect(granted[0]?.qos).toBe(128);
  });

  it('opens a critical incident for a strap-tamper event', async () => {
    const c = await device(bob.ankle.id, bob.ankle.secret);
    const event = {
      ts: new Date(Date.now() - 500).toISOString(),
      seq: 40,
      type: 'strap_tamper',
      detail: 'strap circuit open',
    };
    await c.publishAsync(`em/v1/devices/${bob.ankle.id}/events`, JSON.stringify(event), { qos: 1 });
    await waitFor(
      async () =>
        (await count(
          "select count(*)::int as n from incidents where supervisee_id = $1 and kind = 'strap_tamper' and severity = 'critical'",
          [bob.personId],
        )) === 1,
    );
    expect(
      await count(
        'select count(*)::int as n from incident_events e join incidents i on i.id = e.incident_id where i.supervisee_id = $1',
        [bob.personId],
      ),
    ).toBeGreaterThanOrEqual(1);
  });
});

describe.each(targets)('a flooding device, through $name broker', (target: BrokerTarget) => {
  // A burst of 5 and one message back every 100 s: nothing refills while the test runs.
  let svc: TestService;
  let deviceUrl: string;
  let stop: () => Promise<void>;
  let flooder: MonitoredPerson;
  let other: MonitoredPerson;
  const clients: MqttClient[] = [];

  beforeAll(async () => {
    ({ svc, deviceUrl, stop } = await target.start({ DEVICE_BURST: '5', DEVICE_MSGS_PER_S: '0.01' }));
    await ensureCounty(svc);
    flooder = await monitoredPerson(svc);
    other = await monitoredPerson(svc);
  }, 120_000);

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.endAsync(true).catch(() => {})));
    await stop?.();
  });

  const fixesOf = (deviceId: string) => storedFixes(svc, deviceId);
  const rateLimited = async () => {
    const text = await (await fetch(`${svc.httpUrl}/metrics`)).text();
    return Number(/em_refusals_total\{reason="rate_limited"[^}]*\} (\d+)/.exec(text)?.[1] ?? 0);
  };

  it('is refused beyond its allowance and counted, and other devices are not slowed', async () => {
    const c = await connectDevice(deviceUrl, flooder.ankle.id, flooder.ankle.secret);
    clients.push(c);
    const topic = `em/v1/devices/${flooder.ankle.id}/telemetry`;
    // Twelve messages at once. The embedded broker does not acknowledge those beyond the allowance
    // (the device keeps them); Mosquitto acknowledges them all, and the service refuses the rest.
    const sends = Array.from({ length: 12 }, (_, i) =>
      c.publishAsync(topic, JSON.stringify(fix(100 + i)), { qos: 1 }).catch(() => {}),
    );
    await Promise.race([Promise.all(sends), new Promise((r) => setTimeout(r, 5000))]);
    await waitFor(async () => (await rateLimited()) >= (target.name === 'mosquitto' ? 7 : 1));

    const o = await connectDevice(deviceUrl, other.ankle.id, other.ankle.secret);
    clients.push(o);
    await o.publishAsync(`em/v1/devices/${other.ankle.id}/telemetry`, JSON.stringify(fix(1)), { qos: 1 });
    await waitFor(async () => (await fixesOf(other.ankle.id)) === 1);
    await waitFor(async () => (await fixesOf(flooder.ankle.id)) === 5);
    await new Promise((r) => setTimeout(r, 500));
    expect(await fixesOf(flooder.ankle.id)).toBe(5);
  });
});

describe('OsmAnd over HTTP, as Traccar Client sends it', () => {
  let svc: TestService;
  let person: MonitoredPerson;
  let phone: { id: string; secret: string };

  beforeAll(async () => {
    svc = await (await import('../support/service.js')).startTestService();
    person = await monitoredPerson(svc, { phone: true });
    phone = person.phone!;
  }, 120_000);
  afterAll(async () => svc?.cleanup());

  const stored = async () =>
    (
      await svc.db.pool.query<{ n: number }>(
        "select count(*)::int as n from fixes where device_id = $1 and protocol = 'osmand'",
        [phone.id],
      )
    ).rows[0]!.n;

  it('answers 200 only after storing a GET query fix (timestamp in epoch seconds, speed in knots)', async () => {
    const ts = Math.floor(Date.now() / 1000) - 5;
    const q = `id=${phone.id}&timestamp=${ts}&lat=30.121&lon=104.631&speed=10.0&bearing=90.0&altitude=400.0&accuracy=12.0&batt=87.0`;
    const res = await fetch(`${svc.osmandUrl}/?${q}&key=${phone.secret}`);
    expect(res.status).toBe(200);
    expect(await stored()).toBe(1);
    const row = (await svc.db.pool.query('select spd from fixes where device_id = $1', [phone.id])).rows[0];
    expect(row.spd).toBeCloseTo(10 * 0.514444, 3);
  });

  it('takes a POST form with the key in the path, and the JSON body of Traccar Client 9', async () => {
    const form = new URLSearchParams({
      id: phone.id,
      timestamp: String(Date.now() - 4000),
      lat: '30.122',
      lon: '104.632',
      accuracy: '9',
    });
    const a = await fetch(`${svc.osmandUrl}/k/${phone.secret}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form.toString(),
    });
    expect(a.status).toBe(200);
    const body = {
      device_id: phone.id,
      location: {
        timestamp: new Date(Date.now() - 3000).toISOString(),
        coords: { latitude: 30.123, longitude: 104.633, accuracy: 7, speed: 1.2, heading: 10, altitude: 390 },
        is_moving: true,
        battery: { level: 0.66, is_charging: false },
      },
    };
    const b = await fetch(`${svc.osmandUrl}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${phone.secret}` },
      body: JSON.stringify(body),
    });
    expect(b.status).toBe(200);
    expect(await stored()).toBe(3);
  });

  // 401 and 400 are for what the phone can mend and resend (its key, its id); a fix refused for good
  // is dead-lettered and answered 200 with the reason, or Traccar Client would resend it forever.
  it('refuses a wrong or missing key with 401 and a missing id with 400; a bad fix is kept as a dead letter and answered 200 with its reason', async () => {
    const q = `id=${phone.id}&timestamp=${Math.floor(Date.now() / 1000)}&lat=30.1&lon=104.6&accuracy=10`;
    expect((await fetch(`${svc.osmandUrl}/?${q}&key=wrong`)).status).toBe(401);
    expect((await fetch(`${svc.osmandUrl}/?${q}`)).status).toBe(401);
    expect((await fetch(`${svc.osmandUrl}/?timestamp=1&lat=30.1&lon=104.6&accuracy=10`)).status).toBe(400);
    const bad = await fetch(
      `${svc.osmandUrl}/?id=${phone.id}&timestamp=1&lat=95&lon=104.6&key=${phone.secret}`,
    );
    expect(bad.status).toBe(200);
    expect(await bad.text()).toMatch(/^refused: /);
    expect(await stored()).toBe(3);
    const letters = await svc.db.pool.query(
      "select raw from dead_letters where protocol = 'osmand' and reason = 'unauthenticated'",
    );
    expect(letters.rowCount).toBeGreaterThanOrEqual(1);
    for (const l of letters.rows) expect(l.raw).not.toContain(phone.secret);
  });
  // Traccar Client (Android TrackingController) sends its OLDEST buffered position and resends that
  // same one every 30 s after any status >= 400; this loop is that client.
  it('a fix refused for good does not block the phone’s later fixes (Traccar Client resends on >= 400)', async () => {
    const now = Date.now();
    const before = await stored();
    const queue = [
      { ts: Math.floor((now - 31 * 86_400_000) / 1000), lat: '30.121' }, // too_old: buffered 31 days
      { ts: Math.floor((now - 60_000) / 1000), lat: '30.124' },
      { ts: Math.floor((now - 30_000) / 1000), lat: '30.125' },
    ];
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 6 && queue.length > 0; attempt++) {
      const p = queue[0]!;
      const q = `id=${phone.id}&timestamp=${p.ts}&lat=${p.lat}&lon=104.631&accuracy=10.0&batt=80.0`;
      const res = await fetch(`${svc.osmandUrl}/?${q}&key=${phone.secret}`, { method: 'POST' });
      statuses.push(res.status);
      if (res.status === 200) queue.shift();
    }
    expect(statuses).toEqual([200, 200, 200]);
    expect(await stored(), 'the good fixes behind the refused one').toBe(before + 2);
    const letters = await svc.db.pool.query(
      "select count(*)::int as n from dead_letters where device_id = $1 and reason = 'too_old'",
      [phone.id],
    );
    expect(letters.rows[0].n, 'the refused fix is kept as a dead letter').toBe(1);
  });
  // Exactly what Traccar Client Android's ProtocolFormatter builds for a mock-provider position.
  it('refuses a query-form fix Traccar Client flags mock=true, as the JSON form is refused', async () => {
    const before = await stored();
    const ts = Math.floor(Date.now() / 1000) - 5;
    const q =
      `id=${phone.id}&timestamp=${ts}&lat=30.126&lon=104.631&speed=0.0&bearing=0.0&altitude=0.0` +
      '&accuracy=5.0&batt=80.0&mock=true';
    const res = await fetch(`${svc.osmandUrl}/?${q}&key=${phone.secret}`);
    expect(res.status).toBe(200); // refused for good: dead-lettered, not resent
    expect(await res.text()).toMatch(/^refused: mock_location/);
    expect(await stored(), 'a mock fix stored as a genuine position').toBe(before);
    const letters = await svc.db.pool.query(
      "select count(*)::int as n from dead_letters where device_id = $1 and reason = 'mock_location'",
      [phone.id],
    );
    expect(letters.rows[0].n).toBe(1);
  });
});
