// The OsmAnd protocol as Traccar Client sends it (https://www.traccar.org/osmand/): query or form
// parameters, or the Traccar Client 9 JSON body. The device id is only claimed here; the adapter
// authenticates it (per-device key) before any fix is used.
import { DeviceId } from '../../../schemas/wire/common.js';
import { OsmAndJson, OsmAndParams } from '../../../schemas/wire/osmand.js';
import type { Fix } from '../../domain/fix.js';
import { checkFix, sourceFromAccuracy } from './checks.js';
import { type Classified, classifyIssues, type FieldReasons } from './issues.js';
import { isJsonObject, ownMember, quote, readJson } from './json.js';
import { DEFAULT_DECODE_LIMITS, type DecodeLimits } from './limits.js';
import { droppedReadings, noReading } from './readings.js';
import { type Decoded, refusedMessage } from './result.js';

export type OsmAndRequest =
  /** Query string of a GET, or the urlencoded body of a POST (see parseOsmAndForm). */
  | { readonly kind: 'params'; readonly params: Readonly<Record<string, unknown>> }
  /** Body of a POST with Content-Type application/json (Traccar Client 9). */
  | { readonly kind: 'json'; readonly body: Buffer | string };

export interface OsmAndDecoded extends Decoded {
  /** The id the request names (`id`, `deviceid` or `device_id`), not yet authenticated; null if absent. */
  readonly claimedDeviceId: string | null;
}

const PARAM_FIELDS: FieldReasons = {
  lat: 'invalid_coordinates',
  lon: 'invalid_coordinates',
  accuracy: 'invalid_accuracy',
  timestamp: 'invalid_timestamp',
};
const JSON_FIELDS: FieldReasons = {
  latitude: 'invalid_coordinates',
  longitude: 'invalid_coordinates',
  accuracy: 'invalid_accuracy',
  timestamp: 'invalid_timestamp',
};

const MPS_PER_KNOT = 1852 / 3600;
/** Below this an integer timestamp is epoch seconds (until year 5138), above it epoch ms (after 1973). */
const SECONDS_MS_BOUNDARY = 1e11;
const MAX_EPOCH_MS = 1e14;

export function decodeOsmAnd(
  request: OsmAndRequest,
  receivedAt: number,
  limits: DecodeLimits = DEFAULT_DECODE_LIMITS,
): OsmAndDecoded {
  return request.kind === 'params'
    ? decodeParams(request.params, receivedAt, limits)
    : decodeJson(request.body, receivedAt, limits);
}

/** Parses a query string or urlencoded body into a record without a prototype; repeated keys become arrays. */
export function parseOsmAndForm(text: string): Record<string, string | string[]> {
  const params: Record<string, string | string[]> = Object.create(null);
  for (const [key, value] of new URLSearchParams(text)) {
    const seen = params[key];
    params[key] = seen === undefined ? value : Array.isArray(seen) ? [...seen, value] : [seen, value];
  }
  return params;
}

function decodeParams(
  params: Readonly<Record<string, unknown>>,
  receivedAt: number,
  limits: DecodeLimits,
): OsmAndDecoded {
  const raw = paramsText(params);
  const refuse = (c: Classified, claimedDeviceId: string | null = null): OsmAndDecoded => ({
    ...refusedMessage(c.reason, c.detail, raw.slice(0, 4096)),
    claimedDeviceId,
  });
  if (Buffer.byteLength(raw) > limits.maxPayloadBytes) {
    return refuse({
      reason: 'oversize_payload',
      detail: `parameters exceed ${limits.maxPayloadBytes} bytes`,
    });
  }
  const id = ownMember(params, 'id');
  const deviceid = ownMember(params, 'deviceid');
  if (id !== undefined && deviceid !== undefined && id !== deviceid) {
    return refuse({
      reason: 'forged_device_id',
      detail: `id ${quote(id)} and deviceid ${quote(deviceid)} differ`,
    });
  }
  const claimed = DeviceId.safeParse(id ?? deviceid);
  if (!claimed.success) {
    return refuse({ reason: 'schema_invalid', detail: `id: ${quote(id ?? deviceid)} is not a device id` });
  }
  const claimedDeviceId = claimed.data;
  const parsed = OsmAndParams.safeParse(params);
  if (!parsed.success) return refuse(classifyIssues(parsed.error, params, PARAM_FIELDS), claimedDeviceId);
  const w = parsed.data;
  // traccar: valid = Boolean.parseBoolean(value) || "1".equals(value); a fix the phone calls invalid is not used.
  if (w.valid !== undefined && !isTrue(w.valid)) {
    return refuse(
      { reason: 'invalid_coordinates', detail: `valid=${quote(w.valid)}: the device marked the fix invalid` },
      claimedDeviceId,
    );
  }
  // Traccar Client sends mock=true for a mock-location provider's position, the tool of spoofing
  // apps: refused as the JSON form's location.mock is, never stored as where the person was.
  if (w.mock !== undefined && isTrue(w.mock)) {
    return refuse(
      {
        reason: 'mock_location',
        detail: `mock=${quote(w.mock)}: the fix came from a mock-location provider`,
      },
      claimedDeviceId,
    );
  }
  const accuracyM = Number(w.accuracy);
  // Each reading on its own, so an out-of-range `bearing` neither hides a good `heading` nor goes
  // unreported. OsmAnd `speed` is in knots (traccar: convertSpeed(value, "kn")).
  const readings = {
    speed: inRange(w.speed, 0, Number.MAX_VALUE, MPS_PER_KNOT),
    bearing: inRange(w.bearing, 0, 360),
    heading: inRange(w.heading, 0, 360),
    altitude: inRange(w.altitude, -Number.MAX_VALUE, Number.MAX_VALUE),
    batt: inRange(w.batt, 0, 100),
  };
  const fix: Fix = {
    deviceId: claimedDeviceId,
    seq: null,
    ts: osmAndTimestampMs(w.timestamp),
    receivedAt,
    lat: Number(w.lat),
    lon: Number(w.lon),
    accuracyM,
    source: sourceFromAccuracy(accuracyM),
    speedMps: readings.speed,
    headingDeg: readings.bearing ?? readings.heading,
    altitudeM: readings.altitude,
    batteryPct: readings.batt,
    protocol: 'osmand',
  };
  const bad = checkFix(fix, receivedAt, limits);
  if (bad) return refuse(bad, claimedDeviceId);
  const dropped = droppedReadings(params, readings);
  return { fixes: [fix], events: [], refusals: [], droppedReadings: dropped, claimedDeviceId };
}

function decodeJson(body: Buffer | string, receivedAt: number, limits: DecodeLimits): OsmAndDecoded {
  const read = readJson(body, limits);
  if (!read.ok) return { ...read.decoded, claimedDeviceId: null };
  const message = read.value;
  const claimed = DeviceId.safeParse(isJsonObject(message) ? ownMember(message, 'device_id') : undefined);
  const claimedDeviceId = claimed.success ? claimed.data : null;
  const refuse = (c: Classified): OsmAndDecoded => ({
    ...refusedMessage(c.reason, c.detail, read.text),
    claimedDeviceId,
  });
  const parsed = OsmAndJson.safeParse(message);
  if (!parsed.success) return refuse(classifyIssues(parsed.error, message, JSON_FIELDS));
  const { location } = parsed.data;
  if (location.mock === true) {
    return refuse({
      reason: 'mock_location',
      detail: 'location.mock: the fix came from a mock-location provider',
    });
  }
  const { coords } = location;
  const level = location.battery?.level;
  const fix: Fix = {
    deviceId: parsed.data.device_id,
    seq: null,
    ts: Date.parse(location.timestamp),
    receivedAt,
    lat: coords.latitude,
    lon: coords.longitude,
    accuracyM: coords.accuracy,
    source: sourceFromAccuracy(coords.accuracy),
    speedMps: coords.speed, // m/s in the JSON form, unlike the knots of the query form
    headingDeg: coords.heading,
    altitudeM: coords.altitude,
    batteryPct: level === undefined ? undefined : level * 100,
    protocol: 'osmand',
  };
  const bad = checkFix(fix, receivedAt, limits);
  if (bad) return refuse(bad);
  const dropped = droppedReadings(
    message,
    {
      'location.coords.speed': coords.speed,
      'location.coords.heading': coords.heading,
      'location.coords.altitude': coords.altitude,
      'location.battery.level': level,
    },
    // The SDK writes -1 for a speed, heading or battery it does not know: no reading, nothing lost.
    (value) => noReading(value) || value === -1,
  );
  return { fixes: [fix], events: [], refusals: [], droppedReadings: dropped, claimedDeviceId };
}

/** Epoch seconds, epoch ms (told apart by magnitude, as traccar does) or ISO-8601 with offset. */
export function osmAndTimestampMs(timestamp: string): number {
  const text = timestamp.trim();
  if (!/^\d/.test(text) || text.includes('-')) return Date.parse(text);
  const n = Number(text);
  if (n < SECONDS_MS_BOUNDARY) return Math.round(n * 1000);
  return n < MAX_EPOCH_MS ? Math.round(n) : Number.NaN;
}

/** A boolean parameter as traccar reads it: Boolean.parseBoolean(value) || "1".equals(value). */
function isTrue(text: string): boolean {
  return text.toLowerCase() === 'true' || text === '1';
}

/** An informational value, dropped (not refused) when outside its range: it never costs the fix. */
function inRange(text: string | undefined, min: number, max: number, scale = 1): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  return Number.isFinite(n) && n >= min && n <= max ? n * scale : undefined;
}

function paramsText(params: Readonly<Record<string, unknown>>): string {
  const pairs: string[] = [];
  for (const key of Object.keys(params)) {
    const value = params[key];
    const values = Array.isArray(value) ? value : [value];
    for (const v of values)
      pairs.push(`${encodeURIComponent(key)}=${encodeURIComponent(typeof v === 'string' ? v : quote(v))}`);
  }
  return pairs.join('&');
}
