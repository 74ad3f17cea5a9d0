// Bounds every decoder enforces. The lead maps config (MAX_FIX_AGE_DAYS, MAX_CLOCK_SKEW_S) onto these.
import { MAX_BATCH_ADVERTISED, MAX_MESSAGE_BYTES } from '../../../schemas/wire/native.js';

export interface DecodeLimits {
  /** Largest message accepted, bytes; checked before parsing so a flood cannot cost CPU. */
  readonly maxPayloadBytes: number;
  /** Most fixes or events in one store-and-forward batch. */
  readonly maxBatch: number;
  /** How far a device clock may run ahead of arrival before a fix is refused as future_timestamp. */
  readonly maxFutureSkewMs: number;
  /** Oldest fix accepted (arrival minus fix time); older is refused as too_old. */
  readonly maxAgeMs: number;
  /** Largest horizontal accuracy accepted, metres: a 50 km circle says nothing about any zone. */
  readonly maxAccuracyM: number;
}

const DAY_MS = 24 * 3600 * 1000;

export const DEFAULT_DECODE_LIMITS: DecodeLimits = Object.freeze({
  // The contract's own bounds (schemas/wire/native.ts): a batch it allows is never refused for its size.
  maxPayloadBytes: MAX_MESSAGE_BYTES,
  maxBatch: MAX_BATCH_ADVERTISED,
  maxFutureSkewMs: 5 * 60 * 1000,
  maxAgeMs: 30 * DAY_MS,
  maxAccuracyM: 50_000,
});
