// What every decoder returns: the normalised fixes and events it could take, one refusal for each
// message or batch item it could not, and the informational readings it dropped from what it took.
// Nothing is dropped without being reported (DEVELOPERS.md non-negotiable 4).
import { IGNORED_REASONS, type RefusalReason } from '../../../schemas/wire/refusal.js';
import type { DeviceEvent, Fix } from '../../domain/fix.js';

export interface Refusal {
  readonly reason: RefusalReason;
  /** Short human-readable cause, for the dead-letter table and logs. */
  readonly detail: string;
  /** Position in a batch; absent when the whole message is refused. */
  readonly index?: number;
  /**
   * What was refused, as text for dead_letters.raw: the payload (cut to the payload limit) for a
   * whole message, the item's JSON for a batch item. Text, because a hostile item nested 30,000
   * deep would make a later JSON.stringify throw.
   */
  readonly raw?: string;
}

export interface Decoded {
  readonly fixes: Fix[];
  readonly events: DeviceEvent[];
  readonly refusals: Refusal[];
  /**
   * Wire fields of the readings dropped from kept fixes and events (readings.ts), one entry per
   * reading: a batch of three fixes each with `batt: 255` reports `batt` three times.
   */
  readonly droppedReadings: readonly string[];
}

/** True for a refusal that means "nothing to take" (an OwnTracks waypoint...): count it, do not dead-letter it. */
export function isIgnored(refusal: Refusal): boolean {
  return IGNORED_REASONS.has(refusal.reason);
}

export function refusedMessage(reason: RefusalReason, detail: string, raw?: string): Decoded {
  return { fixes: [], events: [], refusals: [refusal(reason, detail, undefined, raw)], droppedReadings: [] };
}

export function refusal(reason: RefusalReason, detail: string, index?: number, raw?: string): Refusal {
  const r: { reason: RefusalReason; detail: string; index?: number; raw?: string } = { reason, detail };
  if (index !== undefined) r.index = index;
  if (raw !== undefined) r.raw = raw;
  return r;
}
