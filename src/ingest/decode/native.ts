// Native MQTT: em/v1/devices/{deviceId}/telemetry and .../events (ARCHITECTURE.md "Wire contract").
// `deviceId` is the topic's id, authenticated by the broker; a payload naming another device is forged.
import { MAX_EVENT_DETAIL_CHARS, NativeEvent, NativeFix } from '../../../schemas/wire/native.js';
import type { DeviceEvent, Fix } from '../../domain/fix.js';
import { checkFix, checkTime, instantMs } from './checks.js';
import { classifyIssues, type FieldReasons } from './issues.js';
import { isJsonObject, itemText, ownMember, quote, readJson } from './json.js';
import { DEFAULT_DECODE_LIMITS, type DecodeLimits } from './limits.js';
import { droppedReadings } from './readings.js';
import { type Decoded, type Refusal, refusal, refusedMessage } from './result.js';

const FIX_FIELDS: FieldReasons = {
  lat: 'invalid_coordinates',
  lon: 'invalid_coordinates',
  acc: 'invalid_accuracy',
  ts: 'invalid_timestamp',
};
const EVENT_FIELDS: FieldReasons = { ts: 'invalid_timestamp' };

/** Members by which a payload could claim an identity; the contract has none, the topic names the device. */
const IDENTITY_MEMBERS = ['deviceId', 'device_id', 'deviceid', 'device'] as const;

export function decodeNativeTelemetry(
  deviceId: string,
  payload: Buffer | string,
  receivedAt: number,
  limits: DecodeLimits = DEFAULT_DECODE_LIMITS,
): Decoded {
  const fixes: Fix[] = [];
  const dropped: string[] = [];
  const refusals = decodeItems(deviceId, payload, limits, 'fixes', (item, index, raw) => {
    const parsed = NativeFix.safeParse(item);
    if (!parsed.success) {
      const { reason, detail } = classifyIssues(parsed.error, item, FIX_FIELDS);
      return refusal(reason, detail, index, raw());
    }
    const w = parsed.data;
    const fix: Fix = {
      deviceId,
      seq: w.seq,
      ts: instantMs(w.ts),
      receivedAt,
      lat: w.lat,
      lon: w.lon,
      accuracyM: w.acc,
      source: w.src,
      speedMps: w.spd,
      headingDeg: w.hdg,
      altitudeM: w.alt,
      batteryPct: w.batt,
      protocol: 'native',
    };
    const bad = checkFix(fix, receivedAt, limits);
    if (bad) return refusal(bad.reason, bad.detail, index, raw());
    fixes.push(fix);
    dropped.push(...droppedReadings(item, { spd: w.spd, hdg: w.hdg, alt: w.alt, batt: w.batt }));
    return null;
  });
  return { fixes, events: [], refusals, droppedReadings: dropped };
}

export function decodeNativeEvent(
  deviceId: string,
  payload: Buffer | string,
  receivedAt: number,
  limits: DecodeLimits = DEFAULT_DECODE_LIMITS,
): Decoded {
  const events: DeviceEvent[] = [];
  const dropped: string[] = [];
  const refusals = decodeItems(deviceId, payload, limits, 'events', (item, index, raw) => {
    const parsed = NativeEvent.safeParse(withDetailCut(item));
    if (!parsed.success) {
      const { reason, detail } = classifyIssues(parsed.error, item, EVENT_FIELDS);
      return refusal(reason, detail, index, raw());
    }
    const w = parsed.data;
    const ts = instantMs(w.ts);
    const bad = checkTime(ts, receivedAt, limits);
    if (bad) return refusal(bad.reason, bad.detail, index, raw());
    events.push({ deviceId, seq: w.seq, ts, receivedAt, type: w.type, detail: w.detail, protocol: 'native' });
    // A detail cut to the limit is kept, so only one of the wrong type (not text) is reported here.
    dropped.push(...droppedReadings(item, { detail: w.detail }));
    return null;
  });
  return { fixes: [], events, refusals, droppedReadings: dropped };
}

/**
 * An event whose `detail` is longer than the contract's limit, with the detail cut to it (never inside a
 * surrogate pair). The text only informs the officer: a strap-tamper event must not be refused, and its
 * critical alert lost, because the firmware wrote too much about it.
 */
function withDetailCut(item: unknown): unknown {
  if (!isJsonObject(item)) return item;
  const detail = ownMember(item, 'detail');
  if (typeof detail !== 'string' || detail.length <= MAX_EVENT_DETAIL_CHARS) return item;
  let cut = detail.slice(0, MAX_EVENT_DETAIL_CHARS);
  if (/[\uD800-\uDBFF]$/.test(cut)) cut = cut.slice(0, -1);
  return { ...item, detail: cut };
}

type DecodeItem = (item: unknown, index: number | undefined, raw: () => string) => Refusal | null;

/**
 * One object, or `{ "<batchKey>": [...] }` from store-and-forward. Each batch item is decoded on its
 * own, so good items next to bad ones are kept and every bad one is refused with its index.
 */
function decodeItems(
  deviceId: string,
  payload: Buffer | string,
  limits: DecodeLimits,
  batchKey: 'fixes' | 'events',
  decodeItem: DecodeItem,
): Refusal[] {
  const read = readJson(payload, limits);
  if (!read.ok) return read.decoded.refusals;
  const message = read.value;
  const wholeMessage = () => read.text;
  if (!isJsonObject(message)) {
    return refusedMessage('schema_invalid', `expected an object, got ${quote(message)}`, read.text).refusals;
  }
  const forged = forgedIdentity(message, deviceId);
  if (forged) return refusedMessage('forged_device_id', forged, read.text).refusals;
  if (!Object.hasOwn(message, batchKey)) {
    const refused = decodeItem(message, undefined, wholeMessage);
    return refused ? [refused] : [];
  }
  const items = message[batchKey];
  if (!Array.isArray(items) || items.length === 0) {
    return refusedMessage('schema_invalid', `${batchKey} must be a non-empty array`, read.text).refusals;
  }
  if (items.length > limits.maxBatch) {
    const detail = `${items.length} ${batchKey} exceeds the batch limit of ${limits.maxBatch}`;
    return refusedMessage('oversize_batch', detail, read.text.slice(0, 4096)).refusals;
  }
  const refusals: Refusal[] = [];
  items.forEach((item: unknown, index) => {
    const raw = () => itemText(item);
    const forgedItem = isJsonObject(item) ? forgedIdentity(item, deviceId) : null;
    const refused = forgedItem
      ? refusal('forged_device_id', forgedItem, index, raw())
      : decodeItem(item, index, raw);
    if (refused) refusals.push(refused);
  });
  return refusals;
}

function forgedIdentity(message: Record<string, unknown>, deviceId: string): string | null {
  for (const member of IDENTITY_MEMBERS) {
    const claimed = ownMember(message, member);
    if (claimed === undefined || claimed === deviceId) continue;
    if (typeof claimed === 'number' && String(claimed) === deviceId) continue;
    return `payload ${member} ${quote(claimed)} differs from the topic's device ${quote(deviceId)}`;
  }
  return null;
}
