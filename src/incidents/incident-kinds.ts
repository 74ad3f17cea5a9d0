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

/**
 * Kinds the device reports as a moment with no end: no event says a cut strap is whole again, so
 * condition_active stays true for good and whether it has been dealt with (the strap refitted) is the
 * officer's word alone. Resolving such an incident is never refused as "still going on".
 */
export const NO_END_REPORTED: ReadonlySet<AlertKind> = new Set<AlertKind>(['strap_tamper']);

/**
 * Kinds whose update reports the fact again from the device (a strap tamper report), not a timer or a
 * track refreshing its evidence. Such a report made after an officer resolved the incident is a
 * fact the officer has not seen: a strap cut again within minutes of the refit is still the rules'
 * same episode (TAMPER_REPEAT_MS) yet must reach an officer (R1: never silence a true alert).
 */
export const REPORTED_AGAIN_AFTER_RESOLVE: ReadonlySet<AlertKind> = new Set<AlertKind>(['strap_tamper']);

/** At most one 'updated' event per incident per this interval reaches consoles (no storm of repeats). */
export const UPDATE_EVENT_INTERVAL_MS = 60_000;
