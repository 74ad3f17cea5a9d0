// OwnTracks location messages (https://owntracks.org/booklet/tech/json/). `deviceId` is the
// registered device the adapter mapped owntracks/{user}/{device} to; the payload names no device.
import { OwnTracksEnvelope, OwnTracksLocation, OwnTracksType } from '../../../schemas/wire/owntracks.js';
import type { Fix } from '../../domain/fix.js';
import { checkFix, sourceFromAccuracy } from './checks.js';
import { classifyIssues, type FieldReasons } from './issues.js';
import { isJsonObject, quote, readJson } from './json.js';
import { DEFAULT_DECODE_LIMITS, type DecodeLimits } from './limits.js';
import { droppedReadings } from './readings.js';
import { type Decoded, refusedMessage } from './result.js';

const LOCATION_FIELDS: FieldReasons = {
  lat: 'invalid_coordinates',
  lon: 'invalid_coordinates',
  acc: 'invalid_accuracy',
  tst: 'invalid_timestamp',
};

const KMH_PER_MPS = 3.6;

export function decodeOwnTracks(
  deviceId: string,
  payload: Buffer | string,
  receivedAt: number,
  limits: DecodeLimits = DEFAULT_DECODE_LIMITS,
): Decoded {
  const read = readJson(payload, limits);
  if (!read.ok) return read.decoded;
  const message = read.value;
  const envelope = OwnTracksEnvelope.safeParse(message);
  if (!isJsonObject(message) || !envelope.success) {
    return refusedMessage(
      'schema_invalid',
      `expected an OwnTracks object with a _type, got ${quote(message)}`,
      read.text,
    );
  }
  const type = envelope.data._type;
  if (type !== 'location') return notALocation(type, read.text);

  const parsed = OwnTracksLocation.safeParse(message);
  if (!parsed.success) {
    const { reason, detail } = classifyIssues(parsed.error, message, LOCATION_FIELDS);
    return refusedMessage(reason, detail, read.text);
  }
  const w = parsed.data;
  // Refused rather than given a default: iOS leaves `acc` out exactly when CoreLocation marks the fix
  // invalid (negative accuracy), and any default radius would be a guess a zone decision trusts.
  if (w.acc === undefined) {
    return refusedMessage(
      'invalid_accuracy',
      'acc missing: the app omits it when the fix is invalid',
      read.text,
    );
  }
  const fix: Fix = {
    deviceId,
    seq: null,
    // `tst` is the fix time in epoch seconds. A ping (`t: "p"`) carries the publish time instead (booklet);
    // it is still the phone's latest position, and dropping pings would raise false lost-contact alerts.
    ts: Math.round(w.tst * 1000),
    receivedAt,
    lat: w.lat,
    lon: w.lon,
    accuracyM: w.acc,
    source: sourceFromAccuracy(w.acc),
    speedMps: w.vel === undefined ? undefined : w.vel / KMH_PER_MPS,
    headingDeg: w.cog,
    altitudeM: w.alt,
    batteryPct: w.batt,
    protocol: 'owntracks',
  };
  const bad = checkFix(fix, receivedAt, limits);
  if (bad) return refusedMessage(bad.reason, bad.detail, read.text);
  // The members the fix is made of; a malformed member it never uses (SSID, bs...) loses nothing.
  const dropped = droppedReadings(message, { vel: w.vel, cog: w.cog, alt: w.alt, batt: w.batt });
  return { fixes: [fix], events: [], refusals: [], droppedReadings: dropped };
}

function notALocation(type: string, text: string): Decoded {
  // An encrypted payload may well hold a location the service cannot read: a setup fault to surface,
  // not a message to ignore.
  if (type === 'encrypted') {
    return refusedMessage(
      'schema_invalid',
      'encrypted OwnTracks payloads are not supported: turn encryption off',
      text,
    );
  }
  if (OwnTracksType.safeParse(type).success) {
    return refusedMessage('not_a_location', `OwnTracks _type ${quote(type)} carries no fix`, text);
  }
  return refusedMessage('schema_invalid', `unknown OwnTracks _type ${quote(type)}`, text);
}
