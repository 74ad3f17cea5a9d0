// Bytes → JSON value, bounded. Size is checked before decoding so an oversize flood costs no parse.
import type { DecodeLimits } from './limits.js';
import { type Decoded, refusedMessage } from './result.js';

/** How much of an oversize payload is kept for inspection; the rest is what made it oversize. */
const OVERSIZE_RAW_CHARS = 4096;

export type JsonRead =
  | { readonly ok: true; readonly value: unknown; readonly text: string }
  | { readonly ok: false; readonly decoded: Decoded };

export function readJson(payload: Buffer | string, limits: DecodeLimits): JsonRead {
  const bytes = typeof payload === 'string' ? Buffer.byteLength(payload) : payload.length;
  if (bytes > limits.maxPayloadBytes) {
    const head = (
      typeof payload === 'string' ? payload : payload.subarray(0, OVERSIZE_RAW_CHARS).toString()
    ).slice(0, OVERSIZE_RAW_CHARS);
    const detail = `${bytes} bytes exceeds the ${limits.maxPayloadBytes}-byte limit`;
    return { ok: false, decoded: refusedMessage('oversize_payload', detail, head) };
  }
  let text = typeof payload === 'string' ? payload : payload.toString('utf8');
  // Some HTTP clients prefix a UTF-8 byte-order mark, which JSON.parse rejects (RFC 8259 §8.1 allows ignoring it).
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  try {
    return { ok: true, value: JSON.parse(text), text };
  } catch (error) {
    const detail = error instanceof Error ? error.message.slice(0, 200) : 'not JSON';
    return { ok: false, decoded: refusedMessage('malformed_json', detail, text) };
  }
}

/** A plain JSON object (not an array, not null). */
export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Own member only: a payload's `__proto__` key is data, and inherited members are never read. */
export function ownMember(value: Record<string, unknown>, key: string): unknown {
  return Object.hasOwn(value, key) ? value[key] : undefined;
}

/** The JSON text of a batch item for a dead letter; never throws, even for absurdly deep values. */
export function itemText(item: unknown): string {
  try {
    return JSON.stringify(item) ?? String(item);
  } catch {
    return '[not serialisable: nested too deep]';
  }
}

/** A value quoted in a refusal detail: primitives only, bounded, so a detail never grows with the payload. */
export function quote(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 64 ? `${value.slice(0, 64)}…` : value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  return Array.isArray(value) ? 'an array' : typeof value === 'object' ? 'an object' : typeof value;
}
