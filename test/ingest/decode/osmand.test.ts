import { describe, expect, it } from 'vitest';
import { DEFAULT_DECODE_LIMITS, decodeOsmAnd, parseOsmAndForm } from '../../../src/ingest/decode/index.js';
import { osmAndTimestampMs } from '../../../src/ingest/decode/osmand.js';
import { json, NOW, NOW_S, reasons } from './fixtures.js';

// Traccar Client (Android/iOS, before 9.0) GET, exactly as it sends it.
const GET_QUERY =
  'id=123456&timestamp=1700000000&lat=30.12&lon=104.63&speed=0.0&bearing=0.0&altitude=400.0&accuracy=12.0&batt=87.0';
const SENT_AT = 1_700_000_000_000;

const params = (query: string) => ({ kind: 'params', params: parseOsmAndForm(query) }) as const;
const query = (overrides: Record<string, string | undefined>) => {
  const base: Record<string, string | undefined> = {
    id: '123456',
    timestamp: String(NOW_S - 60),
    lat: '30.6586',
    lon: '104.0648',
    accuracy: '9.0',
    ...overrides,
  };
  return Object.entries(base)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${encodeURIComponent(v ?? '')}`)
    .join('&');
};

// Traccar Client 9 JSON body (https://www.traccar.org/osmand/, the location SDK's native shape).
const traccarClient9 = {
  location: {
    timestamp: '2024-06-01T07:59:00.000Z',
    coords: {
      latitude: 30.6586,
      longitude: 104.0648,
      accuracy: 6.5,
      speed: 1.2,
      heading: 87.5,
      altitude: 505.1,
    },
    is_moving: true,
    odometer: 10423,
    event: 'motionchange',
    battery: { level: 0.64, is_charging: false },
    activity: { type: 'walking' },
    extras: {},
  },
  device_id: '48241179',
};

describe('decodeOsmAnd, query and form parameters', () => {
  it('decodes the Traccar Client GET: speed in knots, claimed id returned', () => {
    const out = decodeOsmAnd(params(GET_QUERY), SENT_AT + 2000);
    expect(out.refusals).toEqual([]);
    expect(out.claimedDeviceId).toBe('123456');
    expect(out.fixes).toEqual([
      {
        deviceId: '123456',
        seq: null,
        ts: SENT_AT,
        receivedAt: SENT_AT + 2000,
        lat: 30.12,
        lon: 104.63,
        accuracyM: 12,
        source: 'gnss',
        speedMps: 0,
        headingDeg: 0,
        altitudeM: 400,
        batteryPct: 87,
        protocol: 'osmand',
      },
    ]);
  });

  it('decodes a POST form body the same way, with deviceid and heading', () => {
    const body = query({
      id: undefined,
      deviceid: 'imei-861234',
      speed: '10',
      heading: '45',
      hdop: '0.9',
      valid: 'true',
    });
    const fix = decodeOsmAnd(params(body), NOW).fixes[0];
    expect(fix).toMatchObject({ deviceId: 'imei-861234', headingDeg: 45 });
    expect(fix?.speedMps).toBeCloseTo(5.144, 3);
  });

  it.each([
    ['epoch seconds', String(NOW_S - 60)],
    ['epoch seconds with fraction', `${NOW_S - 60}.000`],
    ['epoch milliseconds', String(NOW - 60_000)],
    ['ISO-8601 UTC', '2024-06-01T07:59:00Z'],
    ['ISO-8601 with offset', '2024-06-01T15:59:00+08:00'],
  ])('reads timestamp as %s', (_label, timestamp) => {
    expect(decodeOsmAnd(params(query({ timestamp })), NOW).fixes[0]?.ts).toBe(NOW - 60_000);
  });

  it('tells seconds from milliseconds by magnitude', () => {
    expect(osmAndTimestampMs('99999999999')).toBe(99_999_999_999_000);
    expect(osmAndTimestampMs('100000000000')).toBe(100_000_000_000);
    expect(osmAndTimestampMs('99999999999999999')).toBeNaN();
  });

  it('drops an out-of-range informational value, keeps the fix', () => {
    const fix = decodeOsmAnd(params(query({ batt: '140', bearing: '-1', speed: 'fast' })), NOW).fixes[0];
    expect(fix).toMatchObject({ batteryPct: undefined, headingDeg: undefined, speedMps: undefined });
  });

  // DEVELOPERS non-negotiable 4: the drop is reported for counting, never silent.
  it('reports each dropped reading by parameter name; absent ones are not dropped', () => {
    const out = decodeOsmAnd(
      params(query({ batt: '255', bearing: '-1', speed: 'fast', altitude: '12' })),
      NOW,
    );
    expect(out.fixes).toHaveLength(1);
    expect([...out.droppedReadings].sort()).toEqual(['batt', 'bearing', 'speed']);
    expect(decodeOsmAnd(params(GET_QUERY), NOW).droppedReadings).toEqual([]);
    expect(decodeOsmAnd(params(query({})), NOW).droppedReadings).toEqual([]);
  });

  it('keeps a good heading when bearing, read first, is out of range', () => {
    const out = decodeOsmAnd(params(query({ bearing: '400', heading: '90' })), NOW);
    expect(out.fixes[0]?.headingDeg).toBe(90);
    expect(out.droppedReadings).toEqual(['bearing']);
  });

  it.each<[string, Record<string, string | undefined>, string]>([
    ['lat NaN', { lat: 'NaN' }, 'invalid_coordinates'],
    ['lon Infinity', { lon: 'Infinity' }, 'invalid_coordinates'],
    ['lat 91', { lat: '91' }, 'invalid_coordinates'],
    ['lat text', { lat: 'north' }, 'invalid_coordinates'],
    ['valid=false', { valid: 'false' }, 'invalid_coordinates'],
    ['valid=0', { valid: '0' }, 'invalid_coordinates'],
    ['(0,0)', { lat: '0.0', lon: '0.0' }, 'null_island'],
    ['accuracy 0', { accuracy: '0' }, 'invalid_accuracy'],
    ['accuracy -1', { accuracy: '-1' }, 'invalid_accuracy'],
    ['accuracy 99 km', { accuracy: '99000' }, 'invalid_accuracy'],
    ['local time without zone', { timestamp: '2024-06-01 15:59:00' }, 'invalid_timestamp'],
    ['timestamp text', { timestamp: 'now' }, 'invalid_timestamp'],
    ['timestamp in an hour', { timestamp: String(NOW_S + 3600) }, 'future_timestamp'],
    ['timestamp last year', { timestamp: String(NOW_S - 365 * 86_400) }, 'too_old'],
    ['no accuracy', { accuracy: undefined }, 'schema_invalid'],
    ['no timestamp', { timestamp: undefined }, 'schema_invalid'],
    ['no lat', { lat: undefined }, 'schema_invalid'],
    ['no id', { id: undefined }, 'schema_invalid'],
    ['id with a topic wildcard', { id: 'a/+' }, 'schema_invalid'],
    ['id and deviceid disagreeing', { deviceid: '654321' }, 'forged_device_id'],
    // Traccar Client Android sends mock=true for a position from a mock-location provider (spoofing apps).
    ['mock=true', { mock: 'true' }, 'mock_location'],
    ['mock=1', { mock: '1' }, 'mock_location'],
  ])('refuses %s', (_label, overrides, reason) => {
    const out = decodeOsmAnd(params(query(overrides)), NOW);
    expect(reasons(out)).toEqual([reason]);
    expect(out.fixes).toEqual([]);
  });

  it('keeps a fix marked mock=false, as Traccar Client sends a genuine one', () => {
    expect(decodeOsmAnd(params(query({ mock: 'false' })), NOW).fixes).toHaveLength(1);
  });

  it('reports the claimed id with a refused fix, so the adapter can attribute the dead letter', () => {
    expect(decodeOsmAnd(params(query({ lat: '200' })), NOW).claimedDeviceId).toBe('123456');
  });

  it('refuses a repeated key and oversize parameters', () => {
    expect(reasons(decodeOsmAnd(params(`${query({})}&lat=31`), NOW))).toEqual(['schema_invalid']);
    const huge = decodeOsmAnd(
      params(`${query({})}&junk=${'x'.repeat(DEFAULT_DECODE_LIMITS.maxPayloadBytes)}`),
      NOW,
    );
    expect(reasons(huge)).toEqual(['oversize_payload']);
  });

  it('parses forms into objects without a prototype', () => {
    const form = parseOsmAndForm('__proto__=x&constructor=y&id=1');
    expect(Object.getPrototypeOf(form)).toBeNull();
    expect(Object.entries(form)).toContainEqual(['__proto__', 'x']);
  });
});

describe('decodeOsmAnd, Traccar Client 9 JSON', () => {
  const decode = (body: unknown) => decodeOsmAnd({ kind: 'json', body: json(body) }, NOW);
  const withCoords = (coords: Record<string, unknown>) => ({
    ...traccarClient9,
    location: { ...traccarClient9.location, coords: { ...traccarClient9.location.coords, ...coords } },
  });

  it('decodes the body: speed already m/s, battery level 0..1 → percent', () => {
    const out = decode(traccarClient9);
    expect(out.claimedDeviceId).toBe('48241179');
    expect(out.fixes).toEqual([
      {
        deviceId: '48241179',
        seq: null,
        ts: NOW - 60_000,
        receivedAt: NOW,
        lat: 30.6586,
        lon: 104.0648,
        accuracyM: 6.5,
        source: 'gnss',
        speedMps: 1.2,
        headingDeg: 87.5,
        altitudeM: 505.1,
        batteryPct: 64,
        protocol: 'osmand',
      },
    ]);
  });

  it('treats the SDK -1 for unknown speed, heading and battery as absent', () => {
    const body = { ...withCoords({ speed: -1, heading: -1 }) };
    body.location = { ...body.location, battery: { level: -1, is_charging: false } };
    expect(decode(body).fixes[0]).toMatchObject({
      speedMps: undefined,
      headingDeg: undefined,
      batteryPct: undefined,
    });
  });

  it('reports a dropped reading by its path in the body; the SDK -1 (unknown) is absent, not dropped', () => {
    const body = { ...withCoords({ heading: 400 }) };
    body.location = { ...body.location, battery: { level: 255, is_charging: false } };
    const out = decode(body);
    expect(out.fixes[0]).toMatchObject({ headingDeg: undefined, batteryPct: undefined, speedMps: 1.2 });
    expect([...out.droppedReadings].sort()).toEqual(['location.battery.level', 'location.coords.heading']);
    const unknown = { ...withCoords({ speed: -1, heading: -1 }) };
    unknown.location = { ...unknown.location, battery: { level: -1, is_charging: false } };
    expect(decode(unknown).droppedReadings).toEqual([]);
    expect(decode(traccarClient9).droppedReadings).toEqual([]);
  });

  it.each<[string, unknown, string]>([
    [
      'a mock location',
      { ...traccarClient9, location: { ...traccarClient9.location, mock: true } },
      'mock_location',
    ],
    ['latitude -91', withCoords({ latitude: -91 }), 'invalid_coordinates'],
    ['(0,0)', withCoords({ latitude: 0, longitude: 0 }), 'null_island'],
    ['accuracy -1', withCoords({ accuracy: -1 }), 'invalid_accuracy'],
    [
      'no coords',
      { ...traccarClient9, location: { ...traccarClient9.location, coords: undefined } },
      'schema_invalid',
    ],
    ['no device_id', { location: traccarClient9.location }, 'schema_invalid'],
    [
      'a zone-less timestamp',
      { ...traccarClient9, location: { ...traccarClient9.location, timestamp: '2024-06-01T07:59:00' } },
      'invalid_timestamp',
    ],
    [
      'a future timestamp',
      { ...traccarClient9, location: { ...traccarClient9.location, timestamp: '2024-06-02T00:00:00Z' } },
      'future_timestamp',
    ],
    ['a batch array', { ...traccarClient9, location: [traccarClient9.location] }, 'schema_invalid'],
  ])('refuses %s', (_label, body, reason) => {
    expect(reasons(decode(body))).toEqual([reason]);
  });

  it('refuses malformed JSON', () => {
    const out = decodeOsmAnd({ kind: 'json', body: '{"device_id":' }, NOW);
    expect(reasons(out)).toEqual(['malformed_json']);
    expect(out.claimedDeviceId).toBeNull();
  });
});
