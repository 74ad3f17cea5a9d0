// Native device contract (ARCHITECTURE.md "Wire contract"): what an ankle monitor or the supervision
// app publishes under em/v1/devices/{deviceId}/telemetry and .../events, as JSON.
// Unknown fields are stripped, not refused, so firmware may add fields before the contract names them.
import { z } from 'zod';
import { DeviceEventType, FixSource } from '../enums.js';
import { Latitude, Longitude, Sequence, WireTimestamp } from './common.js';

/** Largest batch the JSON Schema advertises; the service's configured limit may be lower. */
export const MAX_BATCH_ADVERTISED = 500;

/** Longest event `detail` accepted, in UTF-16 code units. */
export const MAX_EVENT_DETAIL_CHARS = 500;

/**
 * Largest message the service reads on a device topic, in bytes (UTF-8). A full batch the contract
 * allows must fit, with every optional field at its longest (checked by test/ingest/decode/native.test.ts):
 * 500 fixes with 17-digit numbers and a nanosecond ISO `ts` come to ~134 KB; 500 events whose `detail`
 * is 500 Chinese characters (3 bytes each) to ~800 KB. 1 MiB leaves a quarter again for whitespace.
 * Only a larger message is refused whole, as oversize_payload.
 */
export const MAX_MESSAGE_BYTES = 1024 * 1024;

/**
 * A reading that informs the officer but decides nothing (speed, heading, altitude, battery, an event's
 * text): out of range or of the wrong type, it is dropped and the fix or event kept, as OwnTracks and
 * OsmAnd do. Firmware reports batt 101 while charging; losing the position, or a strap-tamper event,
 * over such a reading would drop good data around bad input.
 */
const informational = <T extends z.ZodType>(schema: T) => schema.optional().catch(undefined);

/** One position fix, device time `ts`. */
export const NativeFix = z
  .object({
    ts: WireTimestamp,
    lat: Latitude,
    lon: Longitude,
    acc: z.number().gt(0).describe('Horizontal accuracy, metres, 68% radius'),
    src: FixSource,
    seq: Sequence,
    spd: informational(z.number().min(0).describe('Speed over ground, m/s')),
    hdg: informational(z.number().min(0).max(360).describe('Heading, degrees clockwise from true north')),
    alt: informational(z.number().describe('Altitude above the WGS-84 ellipsoid or sea level, metres')),
    batt: informational(z.number().min(0).max(100).describe('Battery level, percent')),
  })
  .describe('One fix on em/v1/devices/{deviceId}/telemetry');
export type NativeFix = z.infer<typeof NativeFix>;

/** Store-and-forward: fixes kept while offline, sent together, oldest first. */
export const NativeFixBatch = z
  .object({ fixes: z.array(NativeFix).min(1).max(MAX_BATCH_ADVERTISED) })
  .describe(
    `A batch of fixes on em/v1/devices/{deviceId}/telemetry; the whole message at most ${MAX_MESSAGE_BYTES} bytes`,
  );
export type NativeFixBatch = z.infer<typeof NativeFixBatch>;

/** A telemetry message is one fix or a batch; a batch is recognised by its `fixes` member. */
export const NativeTelemetry = z.union([NativeFix, NativeFixBatch]);
export type NativeTelemetry = z.infer<typeof NativeTelemetry>;

/** A device-side event (strap tamper, battery...). */
export const NativeEvent = z
  .object({
    ts: WireTimestamp,
    seq: Sequence,
    type: DeviceEventType,
    detail: informational(
      z
        .string()
        .max(MAX_EVENT_DETAIL_CHARS)
        .describe('Free text for the officer; a longer one is cut to this length, not refused'),
    ),
  })
  .describe('One event on em/v1/devices/{deviceId}/events');
export type NativeEvent = z.infer<typeof NativeEvent>;

/**
 * Events kept while offline, sent together. A strap cut while out of coverage must still arrive,
 * so events get the same store-and-forward shape as fixes.
 */
export const NativeEventBatch = z
  .object({ events: z.array(NativeEvent).min(1).max(MAX_BATCH_ADVERTISED) })
  .describe(
    `A batch of events on em/v1/devices/{deviceId}/events; the whole message at most ${MAX_MESSAGE_BYTES} bytes`,
  );
export type NativeEventBatch = z.infer<typeof NativeEventBatch>;

export const NativeEvents = z.union([NativeEvent, NativeEventBatch]);
export type NativeEvents = z.infer<typeof NativeEvents>;
