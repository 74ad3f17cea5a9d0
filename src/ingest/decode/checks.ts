// Checks every decoded fix passes, whatever protocol it came in: small named predicates, each
// answering with the reason it refuses (traccar's FilterHandler: invalid, zero, future, accuracy).
import type { FixSource } from '../../../schemas/enums.js';
import type { Classified } from './issues.js';
import type { DecodeLimits } from './limits.js';

/** Within ~0.1 m of (0,0): what receivers emit for "no fix"; no supervisee lives in the Gulf of Guinea. */
const NULL_ISLAND_DEG = 1e-6;

export interface FixPosition {
  readonly lat: number;
  readonly lon: number;
  readonly accuracyM: number;
  readonly ts: number;
}

export function checkFix(fix: FixPosition, receivedAt: number, limits: DecodeLimits): Classified | null {
  return (
    checkCoordinates(fix.lat, fix.lon) ??
    checkAccuracy(fix.accuracyM, limits) ??
    checkTime(fix.ts, receivedAt, limits)
  );
}

export function checkCoordinates(lat: number, lon: number): Classified | null {
  if (!Number.isFinite(lat) || !Number.isFinite(lon) || Math.abs(lat) > 90 || Math.abs(lon) > 180) {
    return { reason: 'invalid_coordinates', detail: `(${lat}, ${lon}) is not a WGS-84 position` };
  }
  if (Math.abs(lat) < NULL_ISLAND_DEG && Math.abs(lon) < NULL_ISLAND_DEG) {
    return { reason: 'null_island', detail: `(${lat}, ${lon}) is the (0,0) no-fix placeholder` };
  }
  return null;
}

export function checkAccuracy(accuracyM: number, limits: DecodeLimits): Classified | null {
  if (!Number.isFinite(accuracyM) || accuracyM <= 0) {
    return { reason: 'invalid_accuracy', detail: `accuracy ${accuracyM} m is not a positive number` };
  }
  if (accuracyM > limits.maxAccuracyM) {
    return { reason: 'invalid_accuracy', detail: `accuracy ${accuracyM} m exceeds ${limits.maxAccuracyM} m` };
  }
  return null;
}

/** Event time against arrival time: the device clock may lead by the skew, and lag by the max age. */
export function checkTime(ts: number, receivedAt: number, limits: DecodeLimits): Classified | null {
  if (!Number.isFinite(ts))
    return { reason: 'invalid_timestamp', detail: 'timestamp is not a valid instant' };
  if (ts - receivedAt > limits.maxFutureSkewMs) {
    return { reason: 'future_timestamp', detail: `${iso(ts)} is ${ts - receivedAt} ms ahead of arrival` };
  }
  if (receivedAt - ts > limits.maxAgeMs) {
    return { reason: 'too_old', detail: `${iso(ts)} is older than ${limits.maxAgeMs} ms before arrival` };
  }
  return null;
}

/** Epoch ms of a native wire timestamp (ISO-8601 with offset, already validated, or epoch ms). */
export function instantMs(ts: string | number): number {
  return typeof ts === 'number' ? ts : Date.parse(ts);
}

// Phone apps (OwnTracks, Traccar Client) do not say how a fix was obtained; the accuracy does.
// Zandbergen (2009, "Accuracy of iPhone locations") measured median errors of 8 m for A-GPS,
// 74 m for Wi-Fi and 600 m for cell positioning; the cut-offs sit between those medians.
const GNSS_MAX_ACCURACY_M = 50;
const WIFI_MAX_ACCURACY_M = 300;

export function sourceFromAccuracy(accuracyM: number): FixSource {
  if (accuracyM <= GNSS_MAX_ACCURACY_M) return 'gnss';
  return accuracyM <= WIFI_MAX_ACCURACY_M ? 'wifi' : 'cell';
}

function iso(ts: number): string {
  return Math.abs(ts) <= 8.64e15 ? new Date(ts).toISOString() : String(ts);
}
