import { describe, expect, it } from 'vitest';
import { decodeOwnTracks, isIgnored } from '../../../src/ingest/decode/index.js';
import { json, MINUTE, NOW, NOW_S, reasons } from './fixtures.js';

const DEVICE = 'phone-0007';
const decode = (payload: Buffer | string) => decodeOwnTracks(DEVICE, payload, NOW, undefined);

// As OwnTracks for Android 2.x publishes in MQTT mode (booklet tech/json, `_type=location`).
const android = {
  _type: 'location',
  _id: 'e1b9a3f0',
  acc: 13,
  alt: 502,
  batt: 85,
  bs: 1,
  conn: 'w',
  created_at: NOW_S - 55,
  lat: 30.6586,
  lon: 104.0648,
  m: 1,
  t: 'u',
  tid: 'zy',
  tst: NOW_S - 60,
  vac: 3,
  vel: 18,
  BSSID: 'b0:be:76:aa:bb:cc',
  SSID: 'home-wifi',
};

// As OwnTracks for iOS publishes in HTTP mode (adds `topic`, `inregions`, `cog`).
const ios = {
  _type: 'location',
  acc: 5,
  alt: 498,
  batt: 72,
  bs: 2,
  cog: 91,
  conn: 'm',
  created_at: NOW_S - 30,
  inregions: ['home'],
  inrids: ['6540ab12cd34ef5678901234'],
  lat: 30.6589,
  lon: 104.0651,
  m: 2,
  motionactivities: ['walking'],
  p: 95.2,
  tid: 'ip',
  topic: 'owntracks/zhang/iphone',
  tst: NOW_S - 31,
  vac: 4,
  vel: 5,
};

describe('decodeOwnTracks', () => {
  it('normalises an Android location: tst s → ms, vel km/h → m/s', () => {
    const out = decode(json(android));
    expect(out.refusals).toEqual([]);
    expect(out.fixes).toEqual([
      {
        deviceId: DEVICE,
        seq: null,
        ts: NOW - MINUTE,
        receivedAt: NOW,
        lat: 30.6586,
        lon: 104.0648,
        accuracyM: 13,
        source: 'gnss',
        speedMps: 5,
        headingDeg: undefined,
        altitudeM: 502,
        batteryPct: 85,
        protocol: 'owntracks',
      },
    ]);
  });

  it('normalises an iOS location and tolerates fields it does not know', () => {
    const fix = decode(json(ios)).fixes[0];
    expect(fix).toMatchObject({ ts: NOW - 31_000, headingDeg: 91, accuracyM: 5, batteryPct: 72 });
    expect(fix?.speedMps).toBeCloseTo(5 / 3.6, 10);
  });

  it('accepts a minimal location as Traccar documents it, plus acc', () => {
    const out = decode(
      json({ _type: 'location', lat: 48.85833, lon: 2.29513, tst: NOW_S, acc: 20, tid: 'JJ' }),
    );
    expect(out.fixes).toHaveLength(1);
  });

  it.each([
    [10, 'gnss'],
    [50, 'gnss'],
    [51, 'wifi'],
    [300, 'wifi'],
    [301, 'cell'],
    [2500, 'cell'],
  ])('labels acc %d m as %s', (acc, source) => {
    expect(decode(json({ ...android, acc })).fixes[0]?.source).toBe(source);
  });

  it('drops a malformed informational field instead of the fix', () => {
    const fix = decode(json({ ...android, batt: 'full', bs: 9, vel: -1, SSID: { x: 1 } })).fixes[0];
    expect(fix).toMatchObject({ lat: android.lat, batteryPct: undefined, speedMps: undefined });
  });

  // DEVELOPERS non-negotiable 4: the drop is reported for counting, never silent. Only readings the
  // decoder uses count: a malformed SSID or bs is not made into anything, so nothing was lost.
  it('reports the readings it dropped by OwnTracks field, not the absent ones', () => {
    const out = decode(json({ ...android, batt: 255, vel: -1, cog: 'north', SSID: { x: 1 }, bs: 9 }));
    expect(out.fixes).toHaveLength(1);
    expect([...out.droppedReadings].sort()).toEqual(['batt', 'cog', 'vel']);
    expect(decode(json(android)).droppedReadings).toEqual([]);
  });

  it('keeps an iOS ping (t=p), whose tst is the publish time', () => {
    expect(decode(json({ ...ios, t: 'p', tst: NOW_S })).fixes).toHaveLength(1);
  });

  it.each([
    'transition',
    'waypoint',
    'waypoints',
    'lwt',
    'card',
    'status',
    'cmd',
    'beacon',
    'steps',
    'configuration',
  ])('ignores _type %s as not a location', (type) => {
    const out = decode(json({ _type: type, tst: NOW_S, lat: 30.6, lon: 104.1, acc: 10, event: 'leave' }));
    expect(reasons(out)).toEqual(['not_a_location']);
    expect(out.refusals.every(isIgnored)).toBe(true);
  });

  it.each<[string, unknown, string]>([
    ['no acc (iOS omits it for an invalid fix)', { ...ios, acc: undefined }, 'invalid_accuracy'],
    ['acc 0', { ...ios, acc: 0 }, 'invalid_accuracy'],
    ['acc 80 km', { ...ios, acc: 80_000 }, 'invalid_accuracy'],
    ['lat 95', { ...ios, lat: 95 }, 'invalid_coordinates'],
    ['(0,0)', { ...ios, lat: 0, lon: 0 }, 'null_island'],
    ['tst in ms', { ...ios, tst: NOW }, 'future_timestamp'],
    ['tst 40 days ago', { ...ios, tst: NOW_S - 40 * 86_400 }, 'too_old'],
    ['tst negative', { ...ios, tst: -1 }, 'invalid_timestamp'],
    ['tst as a string (pre-2015 apps)', { ...ios, tst: String(NOW_S) }, 'schema_invalid'],
    ['lat missing', { ...ios, lat: undefined }, 'schema_invalid'],
    ['no _type', { lat: 30, lon: 104, tst: NOW_S, acc: 5 }, 'schema_invalid'],
    ['unknown _type', { _type: 'selfie' }, 'schema_invalid'],
    ['encrypted payload', { _type: 'encrypted', data: 'b64...' }, 'schema_invalid'],
    ['an array', [ios], 'schema_invalid'],
  ])('refuses %s', (_label, payload, reason) => {
    const out = decode(json(payload));
    expect(reasons(out)).toEqual([reason]);
    expect(out.refusals.some(isIgnored)).toBe(false);
  });

  it('refuses malformed JSON with the payload kept for inspection', () => {
    const out = decode('{"_type":"location",');
    expect(reasons(out)).toEqual(['malformed_json']);
    expect(out.refusals[0]?.raw).toBe('{"_type":"location",');
  });
});
