// Shared arrival time and payload builders for the decoder tests.
import type { Decoded } from '../../../src/ingest/decode/index.js';

/** Arrival time of every message in these tests: 2024-06-01 08:00 UTC (16:00 in China). */
export const NOW = Date.parse('2024-06-01T08:00:00Z');
export const NOW_S = NOW / 1000;
export const MINUTE = 60_000;
export const DAY = 24 * 60 * MINUTE;

export const json = (value: unknown): Buffer => Buffer.from(JSON.stringify(value));

/** A valid native fix, one minute before arrival, in Chengdu. */
export function nativeFix(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { ts: NOW - MINUTE, lat: 30.6586, lon: 104.0648, acc: 8, src: 'gnss', seq: 41, ...overrides };
}

export function reasons(decoded: Decoded): string[] {
  return decoded.refusals.map((r) => r.reason);
}
