// Dead letters through the real service: what real devices sent and the pipeline refused is listed
// for debugging with its reason, shape and field names, but without the positions in it (Art. 29, 54,
// 61), while the database keeps every byte as evidence. A fix refused as no_active_order must not
// become monitoring data (Art. 29); swapped coordinates are still a position.
import { randomUUID } from 'node:crypto';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerDevice } from '../../src/admin/devices.js';
import { createSupervisee } from '../../src/admin/supervisees.js';
import { redactPositions } from '../../src/api/redact-positions.js';
import { ensureCounty, monitoredPerson, type TestService } from '../support/service.js';
import { waitFor } from '../support/wait.js';
import { type ApiClient, createUser, login, startApiTestService } from './support.js';

const LAT = '30.1234567';
const LON = '104.654321';

describe('dead letters in the API', () => {
  let svc: TestService;
  let officer: ApiClient;

  const storedRaw = async (deviceId: string) =>
    (
      await svc.db.pool.query<{ raw: string }>('select raw from dead_letters where device_id = $1', [
        deviceId,
      ])
    ).rows;

  beforeAll(async () => {
    svc = await startApiTestService();
    await ensureCounty(svc);
    officer = await login(svc, await createUser(svc, 'officer', 'lianhua'));
  }, 120_000);
  afterAll(async () => svc?.cleanup());

  it('lists a fix refused for no EM order without its position; the table keeps it whole', async () => {
    const personId = await createSupervisee(svc.admin, {
      orgUnitId: 'lianhua',
      name: '无令对象',
      level: 'normal',
    });
    const ankle = await registerDevice(svc.admin, { superviseeId: personId, kind: 'ankle' });
    const c = await mqtt.connectAsync(svc.mqttUrl, {
      clientId: `${ankle.id}-${randomUUID().slice(0, 6)}`,
      username: ankle.id,
      password: ankle.secret,
      reconnectPeriod: 0,
    });
    const fix = `{"ts":"${new Date().toISOString()}","lat":${LAT},"lon":${LON},"acc":8,"src":"gnss","seq":1}`;
    await c.publishAsync(`em/v1/devices/${ankle.id}/telemetry`, fix, { qos: 1 });
    await c.endAsync();
    await waitFor(async () => (await storedRaw(ankle.id)).length > 0, 10_000);

    const res = await officer.get(`/dead-letters?deviceId=${ankle.id}`);
    expect(res.status).toBe(200);
    const [letter] = res.body.items;
    expect(letter).toMatchObject({ reason: 'no_active_order', protocol: 'native' });
    expect(letter.raw).not.toContain('30.123');
    expect(letter.raw).not.toContain('104.654');
    expect(JSON.parse(letter.raw)).toMatchObject({
      lat: '<redacted number>',
      lon: '<redacted number>',
      accuracyM: 8,
      source: 'gnss',
      seq: 1,
    });
    const [stored] = await storedRaw(ankle.id);
    expect(stored!.raw).toContain(LAT);
    expect(letter.rawBytes).toBe(Buffer.byteLength(stored!.raw));
  });

  it('lists an OsmAnd fix refused for swapped coordinates without them, in raw or detail', async () => {
    const phone = (await monitoredPerson(svc, { orgUnitId: 'lianhua', phone: true })).phone!;
    const q = new URLSearchParams({
      id: phone.id,
      timestamp: String(Math.floor(Date.now() / 1000)),
      lat: LON,
      lon: LAT,
      accuracy: '10',
      key: phone.secret,
    });
    const sent = await fetch(`${svc.osmandUrl}/?${q}`);
    // Refused for good and dead-lettered: answered 200 so Traccar Client moves on (README, ingest).
    expect(sent.status).toBe(200);
    expect(await sent.text()).toMatch(/^refused: invalid_coordinates/);
    await waitFor(async () => (await storedRaw(phone.id)).length > 0, 10_000);

    const [letter] = (await officer.get(`/dead-letters?deviceId=${phone.id}`)).body.items;
    expect(letter.reason).toBe('invalid_coordinates');
    for (const text of [letter.raw, letter.detail]) {
      expect(text).not.toContain('30.123');
      expect(text).not.toContain('104.654');
    }
    expect(letter.raw).toContain(`id=${phone.id}`);
    expect(letter.raw).toContain('accuracy=10');
    expect(letter.raw).toMatch(/[?&]lat=<redacted>&lon=<redacted>/);
    expect((await storedRaw(phone.id))[0]!.raw).toContain(LAT);
  });
});

describe('redactPositions', () => {
  it('takes coordinates out of every form a refused message is kept in', () => {
    expect(redactPositions('{"fixes":[{"lat": 30.5,"lon":"104.1","acc":9}]}')).toBe(
      '{"fixes":[{"lat": "<redacted number>","lon":"<redacted string>","acc":9}]}',
    );
    expect(redactPositions('{"note":"{\\"latitude\\":30.5}"}')).toBe(
      '{"note":"{\\"latitude\\":"<redacted number>"}"}',
    );
    expect(redactPositions('{"_type":"location","lat":30.12')).toBe(
      '{"_type":"location","lat":"<redacted number>"',
    );
    expect(redactPositions('POST /\nid=a&lng=104.1&LAT=30.5')).toBe(
      'POST /\nid=a&lng=<redacted>&LAT=<redacted>',
    );
    expect(redactPositions('(104.1, 30.5) is not a WGS-84 position')).toBe(
      '(<redacted>, <redacted>) is not a WGS-84 position',
    );
  });

  it('takes out a position sent as an array or an object under a position key, whole', () => {
    // A malformed device writing both numbers under one key: cut at the first comma, the second stayed.
    expect(redactPositions('{"lat":[30.5,104.1],"acc":9}')).toBe('{"lat":"<redacted array>","acc":9}');
    expect(redactPositions('{"lat": [ 30.5 , 104.1 ] }')).toBe('{"lat": "<redacted array>" }');
    expect(redactPositions('{"lon":{"deg":104,"min":6.5},"acc":9}')).toBe(
      '{"lon":"<redacted object>","acc":9}',
    );
    // Cut short at the size limit inside the array: everything after the key goes.
    expect(redactPositions('{"lat":[30.5,104.')).toBe('{"lat":"<redacted array>"');
    expect(redactPositions('{"lat":[],"lon":{}}')).toBe('{"lat":[],"lon":{}}');
  });

  it('keeps values that cannot be a position, so a device maker sees what was wrong', () => {
    expect(redactPositions('{"lat":null,"lon":true,"acc":-1}')).toBe('{"lat":null,"lon":true,"acc":-1}');
    expect(redactPositions('lat=&lon=abc')).toBe('lat=&lon=abc');
    expect(redactPositions(null)).toBeNull();
  });
});
