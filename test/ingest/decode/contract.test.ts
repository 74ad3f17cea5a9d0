// The refusal list is complete and reachable, and the public contract (topics, config, JSON Schema)
// holds together.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  DeviceConfig,
  NativeEvents,
  NativeTelemetry,
  nativeTopic,
  nativeTopicFilter,
  OsmAndJson,
  OsmAndParams,
  OwnTracksLocation,
  parseNativeTopic,
  parseOwnTracksTopic,
  RefusalReason,
} from '../../../schemas/index.js';
import {
  DEFAULT_DECODE_LIMITS,
  type Decoded,
  decodeNativeTelemetry,
  decodeOsmAnd,
  decodeOwnTracks,
} from '../../../src/ingest/decode/index.js';
import { json, NOW, NOW_S, nativeFix } from './fixtures.js';

const tel = (payload: unknown, limits = DEFAULT_DECODE_LIMITS) =>
  decodeNativeTelemetry('d1', typeof payload === 'string' ? payload : json(payload), NOW, limits);

/** One message per reason a decoder gives; the rest belong to adapters and the pipeline. */
const byDecoder: Record<string, () => Decoded> = {
  malformed_json: () => tel('{'),
  oversize_payload: () => tel(nativeFix(), { ...DEFAULT_DECODE_LIMITS, maxPayloadBytes: 10 }),
  oversize_batch: () => tel({ fixes: new Array(501).fill(nativeFix()) }),
  schema_invalid: () => tel({ ...nativeFix(), src: 'gps' }),
  invalid_coordinates: () => tel({ ...nativeFix(), lat: -90.1 }),
  null_island: () => tel({ ...nativeFix(), lat: 0, lon: 0 }),
  invalid_accuracy: () => tel({ ...nativeFix(), acc: 0 }),
  invalid_timestamp: () => tel({ ...nativeFix(), ts: '2024-06-01' }),
  future_timestamp: () => tel({ ...nativeFix(), ts: NOW + 600_000 }),
  too_old: () => tel({ ...nativeFix(), ts: 0 }),
  forged_device_id: () => tel({ ...nativeFix(), deviceId: 'd2' }),
  mock_location: () =>
    decodeOsmAnd(
      {
        kind: 'json',
        body: json({
          device_id: '1',
          location: {
            timestamp: new Date(NOW).toISOString(),
            coords: { latitude: 30, longitude: 104, accuracy: 5 },
            mock: true,
          },
        }),
      },
      NOW,
    ),
  not_a_location: () => decodeOwnTracks('d1', json({ _type: 'lwt', tst: NOW_S }), NOW),
};
const byAdapters = [
  'unknown_device',
  'unauthenticated',
  'unknown_topic',
  'no_active_order',
  'duplicate',
  'rate_limited',
  'storage_rejected',
];

describe('RefusalReason', () => {
  it('is split between decoders and adapters with nothing left over', () => {
    expect([...Object.keys(byDecoder), ...byAdapters].sort()).toEqual([...RefusalReason.options].sort());
  });

  it.each(Object.entries(byDecoder))('%s is produced by a decoder', (reason, decode) => {
    expect(decode().refusals.map((r) => r.reason)).toEqual([reason]);
  });
});

describe('topics', () => {
  it('round-trips native topics and refuses anything else', () => {
    expect(parseNativeTopic(nativeTopic('ankle-7', 'telemetry'))).toEqual({
      deviceId: 'ankle-7',
      channel: 'telemetry',
    });
    expect(nativeTopicFilter('events')).toBe('em/v1/devices/+/events');
    for (const bad of [
      'em/v1/devices/a/b/telemetry',
      'em/v2/devices/a/telemetry',
      'em/v1/devices//events',
      'em/v1/devices/a/cmd',
    ]) {
      expect(parseNativeTopic(bad)).toBeNull();
    }
  });

  it('reads owntracks/{user}/{device} and not its sub-topics', () => {
    expect(parseOwnTracksTopic('owntracks/zhang/iphone')).toEqual({ user: 'zhang', device: 'iphone' });
    expect(parseOwnTracksTopic('owntracks/zhang/iphone/event')).toBeNull();
  });
});

describe('device config', () => {
  it('accepts a retained fast-mode config and refuses a zero interval', () => {
    expect(
      DeviceConfig.safeParse({ interval: 15, mode: 'fast', until: '2024-06-01T09:00:00Z', version: 3 })
        .success,
    ).toBe(true);
    expect(DeviceConfig.safeParse({ interval: 0, mode: 'normal', version: 1 }).success).toBe(false);
  });
});

describe('JSON Schema export', () => {
  it.each(
    Object.entries({
      NativeTelemetry,
      NativeEvents,
      DeviceConfig,
      OwnTracksLocation,
      OsmAndParams,
      OsmAndJson,
    }),
  )('%s converts with z.toJSONSchema', (_name, schema) => {
    const out = z.toJSONSchema(schema, { io: 'input' });
    expect(out.$schema).toContain('2020-12');
  });
});
