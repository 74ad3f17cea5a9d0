import type { AlertKind } from '../../schemas/enums.js';

/**
 * Kinds that stay open until an officer resolves them, even when the condition clears (issue 5):
 * a cut strap, a prohibition-zone entry (Art. 31), lost contact (Art. 30) and a protected person
 * approached need a person to look, not a sensor to say "fine now".
 */
export const NEEDS_OFFICER_TO_CLOSE: ReadonlySet<AlertKind> = new Set<AlertKind>([
  'strap_tamper',
  'prohibition_entry',
  'lost_contact',
  'protected_person_proximity',
]);

/** At most one 'updated' event per incident per this interval reaches consoles (no storm of repeats). */
export const UPDATE_EVENT_INTERVAL_MS = 60_000;
