// Field types shared by the device-facing wire formats. The public contract: imports nothing from src/.
import { z } from 'zod';

/**
 * A registered device id. It is one MQTT topic level, so it never holds `/`, `+` or `#`
 * ([MQTT-4.7.1-1], [MQTT-4.7.1-2]); it also fits IMEIs and the numeric ids Traccar Client generates.
 */
export const DeviceId = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/)
  .describe('Registered device id: 1-64 of A-Z a-z 0-9 _ . : - (one MQTT topic level)');
export type DeviceId = z.infer<typeof DeviceId>;

/** WGS-84 latitude in decimal degrees. */
export const Latitude = z.number().min(-90).max(90).describe('WGS-84 latitude, degrees');

/** WGS-84 longitude in decimal degrees. */
export const Longitude = z.number().min(-180).max(180).describe('WGS-84 longitude, degrees');

/**
 * An ISO-8601 instant that names its offset (`Z` or `+08:00`). A local time without an offset is
 * refused: read in the server's zone it would shift a fix by hours (UTC+8 in China) across a curfew.
 */
export const IsoInstant = z.iso.datetime({ offset: true }).describe('ISO-8601 date-time with Z or offset');

/** Device time of a fix or event: ISO-8601 with offset, or epoch milliseconds. */
export const WireTimestamp = z
  .union([IsoInstant, z.int().min(0).describe('epoch milliseconds')])
  .describe('Device time: ISO-8601 with offset, or epoch milliseconds');
export type WireTimestamp = z.infer<typeof WireTimestamp>;

/** Per-device message counter; it lets the service drop a redelivered message idempotently. */
export const Sequence = z.int().min(0).describe('Per-device counter, non-negative integer');

/**
 * A decimal number as it arrives in a query string or form body (Traccar Client writes `12.0`).
 * `NaN`, `Infinity` and hexadecimal are not decimals.
 */
export const DecimalString = z
  .string()
  .regex(/^\s*[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?\s*$/)
  .describe('Decimal number as text');
