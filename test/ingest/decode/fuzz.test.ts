// Random and hostile payloads at every decoder (issue 3 "Done when"): none throws, every input ends
// as fixes/events or refusals, counts add up, and good fixes next to bad ones are kept.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_DECODE_LIMITS,
  type Decoded,
  decodeNativeEvent,
  decodeNativeTelemetry,
  decodeOsmAnd,
  decodeOwnTracks,
  RefusalReason,
} from '../../../src/ingest/decode/index.js';
import { DAY, json, NOW, nativeFix } from './fixtures.js';

const DEVICE = 'dev-1';
const RUNS = { numRuns: 300, seed: 20240601 };

const payloadDecoders: Record<string, (p: Buffer | string) => Decoded> = {
  telemetry: (p) => decodeNativeTelemetry(DEVICE, p, NOW),
  events: (p) => decodeNativeEvent(DEVICE, p, NOW),
  owntracks: (p) => decodeOwnTracks(DEVICE, p, NOW),
  osmandJson: (p) => decodeOsmAnd({ kind: 'json', body: p }, NOW),
};

/** Items the decoder had to account for: a batch's length, or 1 for anything else. */
function itemCount(payload: unknown, batchKey?: string): number {
  if (!batchKey || typeof payload !== 'object' || payload === null || Array.isArray(payload)) return 1;
  const items = Object.hasOwn(payload, batchKey) ? (payload as Record<string, unknown>)[batchKey] : undefined;
  return Array.isArray(items) && items.length > 0 ? items.length : 1;
}

/** Every wire field a decoder may report as a dropped reading: metric labels, never payload text. */
const READING_FIELDS = new Set([
  'spd',
  'hdg',
  'alt',
  'batt',
  'detail',
  'vel',
  'cog',
  'speed',
  'bearing',
  'heading',
  'altitude',
  'location.coords.speed',
  'location.coords.heading',
  'location.coords.altitude',
  'location.battery.level',
]);

function expectAccounted(out: Decoded, items: number): void {
  for (const field of out.droppedReadings) expect(READING_FIELDS).toContain(field);
  const taken = out.fixes.length + out.events.length;
  if (out.refusals.some((r) => r.index === undefined)) {
    expect(out.refusals).toHaveLength(1);
    expect(taken).toBe(0);
  } else {
    expect(taken + out.refusals.length).toBe(items);
  }
  for (const r of out.refusals) {
    expect(RefusalReason.options).toContain(r.reason);
    expect(r.detail.length).toBeLessThanOrEqual(400);
    expect(r.raw === undefined || typeof r.raw === 'string').toBe(true);
  }
  for (const f of out.fixes) {
    expect(Math.abs(f.lat) <= 90 && Math.abs(f.lon) <= 180).toBe(true);
    expect(Math.abs(f.lat) >= 1e-6 || Math.abs(f.lon) >= 1e-6).toBe(true);
    expect(f.accuracyM > 0 && f.accuracyM <= DEFAULT_DECODE_LIMITS.maxAccuracyM).toBe(true);
    expect(f.ts).toBeGreaterThanOrEqual(NOW - DEFAULT_DECODE_LIMITS.maxAgeMs);
    expect(f.ts).toBeLessThanOrEqual(NOW + DEFAULT_DECODE_LIMITS.maxFutureSkewMs);
  }
  expect(() => JSON.stringify(out)).not.toThrow();
}

const hostileKey = fc.constantFrom(
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'valueOf',
  'hasOwnProperty',
);
const fieldKey = fc.constantFrom(
  'ts',
  'lat',
  'lon',
  'acc',
  'src',
  'seq',
  'type',
  'tst',
  '_type',
  'fixes',
  'events',
);
const hostileValue = fc.oneof(
  fc.jsonValue({ maxDepth: 4 }),
  fc.constantFrom(1e308, -1e308, 2 ** 53 + 1, -0, 'NaN', 'Infinity', '', ' 1 ', '0x10', '1e400'),
  fc.string({ maxLength: 20 }),
);
const hostileObject = fc.dictionary(
  fc.oneof(hostileKey, fieldKey, fc.string({ maxLength: 8 })),
  hostileValue,
  {
    maxKeys: 12,
  },
);
/** JSON text that fast-check's objects cannot produce: `__proto__` as own key, absurd depth and numbers. */
const hostileText = fc.oneof(
  fc.integer({ min: 1, max: 30_000 }).map((d) => `${'['.repeat(d)}${']'.repeat(d)}`),
  fc.integer({ min: 1, max: 10_000 }).map((d) => `${'{"lat":'.repeat(d)}1${'}'.repeat(d)}`),
  fc.constantFrom(
    '{"__proto__":{"lat":30,"acc":5,"spd":"x"},"ts":1,"seq":1}',
    '{"fixes":[{"__proto__":{"polluted":true}}],"constructor":{"prototype":{"x":1}}}',
    '{"lat":1e400,"lon":-1e400,"acc":1e400}',
    '{"_type":"location","lat":30,"lon":104,"tst":1e400,"acc":5}',
    '{"fixes":{"length":1e9}}',
    '{"device_id":"1","location":{"timestamp":"2024-06-01T07:59:00Z","coords":{"latitude":"30","longitude":[104]}}}',
    '\u0000\u0001{',
    '',
  ),
);

describe('fuzz: every decoder', () => {
  for (const [name, decode] of Object.entries(payloadDecoders)) {
    it(`${name}: random bytes never throw and are accounted for`, () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 512 }), (bytes) =>
          expectAccounted(decode(Buffer.from(bytes)), 1),
        ),
        RUNS,
      );
    });

    it(`${name}: hostile JSON values never throw and are accounted for`, () => {
      const batchKey = name === 'telemetry' ? 'fixes' : name === 'events' ? 'events' : undefined;
      const value = fc.oneof(
        fc.jsonValue({ maxDepth: 6 }),
        hostileObject,
        fc.record({ fixes: fc.array(hostileObject, { maxLength: 20 }) }),
        fc.record({ events: fc.array(hostileObject, { maxLength: 20 }) }),
      );
      fc.assert(
        fc.property(value, (v) => expectAccounted(decode(json(v)), itemCount(v, batchKey))),
        RUNS,
      );
    });

    it(`${name}: hostile JSON text never throws`, () => {
      fc.assert(
        fc.property(hostileText, (text) => expectAccounted(decode(text), 1)),
        { ...RUNS, numRuns: 60 },
      );
    });
  }

  it('osmand params: arbitrary and hostile parameter records never throw', () => {
    const value = fc.oneof(
      fc.string({ maxLength: 30 }),
      fc.array(fc.string({ maxLength: 5 }), { maxLength: 3 }),
      hostileValue,
    );
    const known = fc.constantFrom(
      'id',
      'deviceid',
      'lat',
      'lon',
      'timestamp',
      'accuracy',
      'speed',
      'valid',
      'batt',
    );
    const params = fc.dictionary(fc.oneof(known, hostileKey, fc.string({ maxLength: 6 })), value, {
      maxKeys: 14,
    });
    fc.assert(
      fc.property(params, (p) => {
        const out = decodeOsmAnd({ kind: 'params', params: p }, NOW);
        expectAccounted(out, 1);
        expect(out.fixes.every((f) => f.deviceId === out.claimedDeviceId)).toBe(true);
      }),
      RUNS,
    );
  });

  it('a batch over the limit is refused once, whatever it holds', () => {
    const out = decodeNativeTelemetry(DEVICE, json({ fixes: new Array(5000).fill(0) }), NOW);
    expect(out.refusals.map((r) => r.reason)).toEqual(['oversize_batch']);
  });
});

describe('fuzz: good fixes around bad ones are kept', () => {
  const goodFix = fc.record({
    ts: fc.integer({ min: NOW - 29 * DAY, max: NOW + 60_000 }),
    lat: fc.double({ min: 1, max: 60, noNaN: true }),
    lon: fc.double({ min: -179, max: 179, noNaN: true }),
    acc: fc.double({ min: 0.5, max: 5000, noNaN: true }),
    src: fc.constantFrom('gnss', 'wifi', 'cell'),
    seq: fc.nat(),
  });
  const breakers: Record<string, (f: Record<string, unknown>) => unknown> = {
    invalid_coordinates: (f) => ({ ...f, lat: 123 }),
    null_island: (f) => ({ ...f, lat: 0, lon: 0 }),
    invalid_accuracy: (f) => ({ ...f, acc: -3 }),
    future_timestamp: (f) => ({ ...f, ts: NOW + DAY }),
    too_old: (f) => ({ ...f, ts: NOW - 60 * DAY }),
    invalid_timestamp: (f) => ({ ...f, ts: 'soon' }),
    forged_device_id: (f) => ({ ...f, deviceId: 'someone-else' }),
    schema_invalid: (f) => ({ ...f, src: 'astrology' }),
  };
  const item = fc.oneof(
    goodFix.map((f) => ({ payload: f as unknown, expect: null as string | null })),
    fc
      .tuple(goodFix, fc.constantFrom(...Object.keys(breakers)))
      .map(([f, reason]) => ({ payload: breakers[reason]?.(f), expect: reason as string | null })),
  );

  it('each item is a fix or a refusal with its own index and reason', () => {
    fc.assert(
      fc.property(fc.array(item, { minLength: 1, maxLength: 60 }), (items) => {
        const out = decodeNativeTelemetry(DEVICE, json({ fixes: items.map((i) => i.payload) }), NOW);
        const expected = items.flatMap((i, index) => (i.expect ? [[index, i.expect]] : []));
        expect(out.refusals.map((r) => [r.index, r.reason])).toEqual(expected);
        expect(out.fixes.map((f) => f.seq)).toEqual(
          items.filter((i) => !i.expect).map((i) => (i.payload as { seq: number }).seq),
        );
      }),
      RUNS,
    );
  });

  it('the sample fix survives any extra member', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 12 }), fc.jsonValue({ maxDepth: 3 }), (key, value) => {
        fc.pre(
          !['ts', 'lat', 'lon', 'acc', 'src', 'seq', 'spd', 'hdg', 'alt', 'batt', 'fixes'].includes(key),
        );
        fc.pre(!['deviceId', 'device_id', 'deviceid', 'device'].includes(key));
        const out = decodeNativeTelemetry(DEVICE, json({ ...nativeFix(), [key]: value }), NOW);
        expect(out.fixes).toHaveLength(1);
      }),
      RUNS,
    );
  });
});
