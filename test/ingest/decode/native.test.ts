import { describe, expect, it } from 'vitest';
import {
  MAX_BATCH_ADVERTISED,
  MAX_EVENT_DETAIL_CHARS,
  MAX_MESSAGE_BYTES,
} from '../../../schemas/wire/native.js';
import {
  DEFAULT_DECODE_LIMITS,
  decodeNativeEvent,
  decodeNativeTelemetry,
} from '../../../src/ingest/decode/index.js';
import { DAY, json, MINUTE, NOW, nativeFix, reasons } from './fixtures.js';

const DEVICE = 'ankle-0001';
const telemetry = (payload: Buffer | string, limits = DEFAULT_DECODE_LIMITS) =>
  decodeNativeTelemetry(DEVICE, payload, NOW, limits);

describe('decodeNativeTelemetry', () => {
  it('normalises one fix, device identity from the topic', () => {
    const out = telemetry(json(nativeFix({ spd: 1.4, hdg: 270, alt: 512, batt: 77 })));
    expect(out.refusals).toEqual([]);
    expect(out.fixes).toEqual([
      {
        deviceId: DEVICE,
        seq: 41,
        ts: NOW - MINUTE,
        receivedAt: NOW,
        lat: 30.6586,
        lon: 104.0648,
        accuracyM: 8,
        source: 'gnss',
        speedMps: 1.4,
        headingDeg: 270,
        altitudeM: 512,
        batteryPct: 77,
        protocol: 'native',
      },
    ]);
  });

  it.each([
    ['ISO-8601 UTC', '2024-06-01T07:59:00Z'],
    ['ISO-8601 with +08:00 and fraction', '2024-06-01T15:59:00.000+08:00'],
    ['epoch ms', NOW - MINUTE],
  ])('reads ts as %s', (_label, ts) => {
    expect(telemetry(json(nativeFix({ ts }))).fixes[0]?.ts).toBe(NOW - MINUTE);
  });

  it('strips unknown members and accepts a payload naming its own device', () => {
    const out = telemetry(json(nativeFix({ firmware: '2.1', deviceId: DEVICE })));
    expect(out.fixes).toHaveLength(1);
    expect(out.fixes[0]).not.toHaveProperty('firmware');
  });

  it('keeps the good fixes of a store-and-forward batch and refuses each bad one with its index', () => {
    const fixes = [
      nativeFix({ seq: 1, ts: NOW - 3 * DAY }),
      nativeFix({ seq: 2, lat: 91 }),
      nativeFix({ seq: 3 }),
      'not a fix',
      nativeFix({ seq: 5, acc: 0 }),
      nativeFix({ seq: 6, deviceId: 'ankle-0002' }),
      nativeFix({ seq: 7, ts: NOW + DAY }),
    ];
    const out = telemetry(json({ fixes }));
    expect(out.fixes.map((f) => f.seq)).toEqual([1, 3]);
    expect(out.refusals.map((r) => [r.index, r.reason])).toEqual([
      [1, 'invalid_coordinates'],
      [3, 'schema_invalid'],
      [4, 'invalid_accuracy'],
      [5, 'forged_device_id'],
      [6, 'future_timestamp'],
    ]);
    expect(out.fixes.length + out.refusals.length).toBe(fixes.length);
    expect(JSON.parse(out.refusals[0]?.raw ?? '')).toEqual(fixes[1]);
  });

  it.each<[string, Buffer | string, string]>([
    ['truncated JSON', '{"ts":1,', 'malformed_json'],
    ['random bytes', Buffer.from([0xff, 0x00, 0x9c, 0x7b]), 'malformed_json'],
    ['an array', json([nativeFix()]), 'schema_invalid'],
    ['a number', '42', 'schema_invalid'],
    ['lat as a string', json(nativeFix({ lat: '30.6' })), 'schema_invalid'],
    ['src outside the enum', json(nativeFix({ src: 'gps' })), 'schema_invalid'],
    ['negative seq', json(nativeFix({ seq: -1 })), 'schema_invalid'],
    ['fractional seq', json(nativeFix({ seq: 1.5 })), 'schema_invalid'],
    ['missing acc', json(nativeFix({ acc: undefined })), 'schema_invalid'],
    ['lon out of range', json(nativeFix({ lon: -180.5 })), 'invalid_coordinates'],
    [
      'lat 1e400 (Infinity)',
      '{"ts":1717225140000,"lat":1e400,"lon":104,"acc":8,"src":"gnss","seq":1}',
      'invalid_coordinates',
    ],
    ['(0,0)', json(nativeFix({ lat: 0, lon: 0 })), 'null_island'],
    ['(1e-7,-1e-7)', json(nativeFix({ lat: 1e-7, lon: -1e-7 })), 'null_island'],
    ['negative accuracy', json(nativeFix({ acc: -5 })), 'invalid_accuracy'],
    ['accuracy 60 km', json(nativeFix({ acc: 60_000 })), 'invalid_accuracy'],
    ['ISO without offset', json(nativeFix({ ts: '2024-06-01T07:59:00' })), 'invalid_timestamp'],
    ['impossible date', json(nativeFix({ ts: '2024-02-30T07:59:00Z' })), 'invalid_timestamp'],
    ['negative epoch', json(nativeFix({ ts: -1 })), 'invalid_timestamp'],
    ['6 min ahead', json(nativeFix({ ts: NOW + 6 * MINUTE })), 'future_timestamp'],
    ['31 days old', json(nativeFix({ ts: NOW - 31 * DAY })), 'too_old'],
    ['epoch seconds by mistake', json(nativeFix({ ts: Math.floor(NOW / 1000) })), 'too_old'],
    ['another device id', json(nativeFix({ device_id: 'ankle-0002' })), 'forged_device_id'],
    ['empty batch', json({ fixes: [] }), 'schema_invalid'],
    ['fixes not an array', json({ fixes: { 0: nativeFix() } }), 'schema_invalid'],
  ])('refuses %s', (_label, payload, reason) => {
    const out = telemetry(payload);
    expect(reasons(out)).toEqual([reason]);
    expect(out.fixes).toEqual([]);
    expect(out.refusals[0]?.index).toBeUndefined();
  });

  // DEVELOPERS non-negotiable 4: an informational reading dropped while its fix is kept is reported, so
  // it is counted (em_readings_dropped_total); a model sending battery 0..255 would otherwise never
  // raise battery_low and nobody would see why.
  it('reports each informational reading it dropped, by wire field; absent or null ones are not dropped', () => {
    const fixes = [
      nativeFix({ seq: 1, batt: 255, spd: 1.2 }),
      nativeFix({ seq: 2, spd: -3, hdg: 400, alt: 'high', batt: 80 }),
      nativeFix({ seq: 3, spd: null }),
      nativeFix({ seq: 4, lat: 91, batt: 255 }),
    ];
    const out = telemetry(json({ fixes }));
    expect(out.fixes.map((f) => [f.seq, f.batteryPct, f.speedMps])).toEqual([
      [1, undefined, 1.2],
      [2, 80, undefined],
      [3, undefined, undefined],
    ]);
    expect(out.droppedReadings).toEqual(['batt', 'spd', 'hdg', 'alt']);
    expect(telemetry(json(nativeFix({ spd: 1.4, hdg: 270, alt: 512, batt: 77 }))).droppedReadings).toEqual(
      [],
    );
  });

  it('refuses the whole batch when its envelope names another device', () => {
    const out = telemetry(json({ deviceId: 'ankle-0002', fixes: [nativeFix()] }));
    expect(reasons(out)).toEqual(['forged_device_id']);
  });

  it('allows 5 minutes of clock lead, not more', () => {
    expect(telemetry(json(nativeFix({ ts: NOW + 5 * MINUTE }))).fixes).toHaveLength(1);
    expect(telemetry(json(nativeFix({ ts: NOW + 5 * MINUTE + 1 }))).refusals[0]?.reason).toBe(
      'future_timestamp',
    );
  });

  it('checks size before parsing, and the batch limit before decoding items', () => {
    const limits = { ...DEFAULT_DECODE_LIMITS, maxPayloadBytes: 100, maxBatch: 2 };
    const big = telemetry(json({ fixes: [nativeFix(), nativeFix()] }), limits);
    expect(reasons(big)).toEqual(['oversize_payload']);
    expect(big.refusals[0]?.raw?.length).toBeLessThanOrEqual(4096);
    const many = telemetry(json({ fixes: [nativeFix(), nativeFix(), nativeFix()] }), {
      ...limits,
      maxPayloadBytes: 4096,
    });
    expect(reasons(many)).toEqual(['oversize_batch']);
  });

  // A batch the contract allows is never refused for its size (issue: 500 fixes with the optional
  // fields came to ~79 KB against a 64 KiB limit, and the whole backlog was dead-lettered).
  it('takes a full contract batch with every optional field at its longest, and refuses a larger message', () => {
    const longest = { ts: '2024-06-01T15:59:00.123456789+08:00', seq: Number.MAX_SAFE_INTEGER };
    const fixes = Array.from({ length: MAX_BATCH_ADVERTISED }, () =>
      nativeFix({
        ...longest,
        lat: -30.123456789012344,
        lon: -104.12345678901234,
        acc: 1.2345678901234567,
        src: 'wifi',
        spd: 1.2345678901234568e-300,
        hdg: 359.1234567890123,
        alt: -1.2345678901234567e300,
        batt: 99.12345678901234,
      }),
    );
    const fixBatch = json({ fixes });
    expect(fixBatch.length).toBeGreaterThan(128 * 1024);
    const decoded = telemetry(fixBatch);
    expect(decoded.refusals).toEqual([]);
    expect(decoded.fixes).toHaveLength(MAX_BATCH_ADVERTISED);
    // Event details of the longest allowed text, in Chinese (3 bytes of UTF-8 per character).
    const events = Array.from({ length: MAX_BATCH_ADVERTISED }, () => ({
      ...longest,
      type: 'charging_start',
      detail: '拆'.repeat(MAX_EVENT_DETAIL_CHARS),
    }));
    const eventBatch = json({ events });
    expect(eventBatch.length).toBeGreaterThan(750 * 1024);
    const decodedEvents = decodeNativeEvent(DEVICE, eventBatch, NOW);
    expect(decodedEvents.refusals).toEqual([]);
    expect(decodedEvents.events).toHaveLength(MAX_BATCH_ADVERTISED);
    expect(DEFAULT_DECODE_LIMITS.maxPayloadBytes).toBe(MAX_MESSAGE_BYTES);
    const over = `{"fixes":[${JSON.stringify(nativeFix())}],"pad":"${'x'.repeat(MAX_MESSAGE_BYTES)}"}`;
    expect(reasons(telemetry(over))).toEqual(['oversize_payload']);
  });

  // Informational readings decide nothing; firmware reports batt 101 while charging (as OwnTracks and
  // OsmAnd readings, they are dropped and the position kept).
  it.each<[string, Record<string, unknown>]>([
    ['batt 101', { batt: 101 }],
    ['batt -1', { batt: -1 }],
    ['spd -1 (unknown)', { spd: -1 }],
    ['hdg 400', { hdg: 400 }],
    ['alt as text', { alt: 'high' }],
  ])('keeps the fix and drops an out-of-range reading: %s', (_label, reading) => {
    const out = telemetry(json(nativeFix({ spd: 1.5, hdg: 90, alt: 500, batt: 80, ...reading })));
    expect(out.refusals).toEqual([]);
    const [field] = Object.keys(reading);
    const name = { batt: 'batteryPct', spd: 'speedMps', hdg: 'headingDeg', alt: 'altitudeM' }[field!];
    expect(out.fixes[0]).toHaveProperty(name!, undefined);
  });

  it('honours configured limits', () => {
    const limits = { ...DEFAULT_DECODE_LIMITS, maxAccuracyM: 100, maxAgeMs: DAY, maxFutureSkewMs: 0 };
    expect(reasons(telemetry(json(nativeFix({ acc: 150 })), limits))).toEqual(['invalid_accuracy']);
    expect(reasons(telemetry(json(nativeFix({ ts: NOW - 2 * DAY })), limits))).toEqual(['too_old']);
    expect(reasons(telemetry(json(nativeFix({ ts: NOW + 1 })), limits))).toEqual(['future_timestamp']);
  });

  it('reads a payload with a UTF-8 byte-order mark', () => {
    expect(telemetry(`\uFEFF${JSON.stringify(nativeFix())}`).fixes).toHaveLength(1);
  });
});

describe('decodeNativeEvent', () => {
  const event = (overrides: Record<string, unknown> = {}) => ({
    ts: NOW - MINUTE,
    seq: 7,
    type: 'strap_tamper',
    detail: 'strap circuit open',
    ...overrides,
  });

  it('normalises one event', () => {
    expect(decodeNativeEvent(DEVICE, json(event()), NOW).events).toEqual([
      {
        deviceId: DEVICE,
        seq: 7,
        ts: NOW - MINUTE,
        receivedAt: NOW,
        type: 'strap_tamper',
        detail: 'strap circuit open',
        protocol: 'native',
      },
    ]);
  });

  // The detail only informs the officer: a strap-tamper event is never lost over its length.
  it('cuts an overlong detail to the limit (never inside a surrogate pair), keeps the event', () => {
    const long = decodeNativeEvent(DEVICE, json(event({ detail: `strap open; ${'d'.repeat(600)}` })), NOW);
    expect(long.refusals).toEqual([]);
    expect(long.events[0]?.detail).toHaveLength(500);
    expect(long.events[0]?.detail?.startsWith('strap open; ')).toBe(true);
    const emoji = decodeNativeEvent(DEVICE, json(event({ detail: `${'x'.repeat(499)}😀` })), NOW);
    expect(emoji.events[0]?.detail).toBe('x'.repeat(499));
    const notText = decodeNativeEvent(DEVICE, json(event({ detail: { code: 3 } })), NOW);
    expect(notText.events.map((e) => [e.type, e.detail])).toEqual([['strap_tamper', undefined]]);
  });

  it('reports a detail of the wrong type as a dropped reading; a cut one is kept, not dropped', () => {
    const notText = decodeNativeEvent(DEVICE, json(event({ detail: { code: 3 } })), NOW);
    expect(notText.events).toHaveLength(1);
    expect(notText.droppedReadings).toEqual(['detail']);
    const long = decodeNativeEvent(DEVICE, json(event({ detail: 'd'.repeat(600) })), NOW);
    expect(long.droppedReadings).toEqual([]);
    expect(decodeNativeEvent(DEVICE, json(event({ detail: undefined })), NOW).droppedReadings).toEqual([]);
  });

  it('keeps the good events of a store-and-forward batch', () => {
    const events = [event({ seq: 1 }), event({ seq: 2, type: 'explosion' }), event({ seq: 3, type: 'sos' })];
    const out = decodeNativeEvent(DEVICE, json({ events }), NOW);
    expect(out.events.map((e) => e.type)).toEqual(['strap_tamper', 'sos']);
    expect(out.refusals.map((r) => [r.index, r.reason])).toEqual([[1, 'schema_invalid']]);
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['an unknown type', event({ type: 'explosion' }), 'schema_invalid'],
    ['no seq', event({ seq: undefined }), 'schema_invalid'],
    ['a future ts', event({ ts: NOW + DAY }), 'future_timestamp'],
    ['an old ts', event({ ts: NOW - 40 * DAY }), 'too_old'],
    ['a bad ts', event({ ts: 'yesterday' }), 'invalid_timestamp'],
    ['another device', event({ deviceId: 'x' }), 'forged_device_id'],
  ])('refuses %s', (_label, payload, reason) => {
    expect(reasons(decodeNativeEvent(DEVICE, json(payload), NOW))).toEqual([reason]);
  });
});
