// How an incident may be closed (issue 5), shared by the service, which enforces it
// (src/incidents/incident-actions.ts), and the console, which offers an officer only what the service
// will take (web/src/views/incident-dialogs.ts), so the two cannot drift apart.
import type { AlertKind } from './enums.js';

/** An officer's dispositions (the rules engine's own, condition_cleared, is not one of them). */
export const DISPOSITIONS = [
  'false_alarm',
  'device_fault',
  'contacted',
  'warned',
  'police_notified',
  'returned',
  'other',
] as const;
export type Disposition = (typeof DISPOSITIONS)[number];

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
 * Dispositions that may close an incident whose violation is still going on: they say the alert
 * itself is wrong (a false alarm such as GPS drift at a zone's edge, a faulty device), so nothing is
 * left for the officer to wait for. Any other (warned, contacted, police_notified, returned, other)
 * describes dealing with a violation that is still happening: DOMAIN.md asks for an immediate search
 * on lost contact (Art. 30) and that a prohibition-zone entry be stopped (Art. 31), and a closed
 * incident stops telling consoles about it. The officer acknowledges (escalation stops), comments
 * what was done (police notified), and resolves once the condition has ended.
 */
export const CLOSES_WHILE_ONGOING: readonly Disposition[] = ['false_alarm', 'device_fault'];

/**
 * The dispositions an incident of `kind` may be resolved with now: all of them, unless it needs an
 * officer to close (NEEDS_OFFICER_TO_CLOSE), has an end the device reports (not NO_END_REPORTED) and
 * its condition is still on: then only CLOSES_WHILE_ONGOING.
 */
export function dispositionsFor(kind: AlertKind, conditionActive: boolean): readonly Disposition[] {
  const ongoing = conditionActive && NEEDS_OFFICER_TO_CLOSE.has(kind) && !NO_END_REPORTED.has(kind);
  return ongoing ? CLOSES_WHILE_ONGOING : DISPOSITIONS;
}
