import type { AlertKind } from '../../schemas/enums.js';

// Where an officer must close, and what a device never reports the end of: shared with the console.
export { NEEDS_OFFICER_TO_CLOSE, NO_END_REPORTED } from '../../schemas/resolution.js';

/**
 * What an update made (event time) after an officer resolved the kind's latest incident for the
 * person means, for the kinds where it means something the officer has not seen; any other such
 * update is the resolved episode refreshing its evidence, and is dropped.
 * - `new_fact`: the device reports the fact again (a strap tamper report). A strap cut again within
 *   minutes of the refit is still the rules' same episode (TAMPER_REPEAT_MS) yet must reach an
 *   officer (R1: never silence a true alert): a new incident, starting at the report.
 * - `still_going`: a whole day more off supervision (脱管, Art. 30): the monitor is still silent.
 *   An officer may close it while silent only as a false alarm or a device fault
 *   (incident-actions.ts), yet the person is still not monitored, and the days are counted whatever
 *   was done with the case, since local practice escalates at
 *   fixed points (DOMAIN.md: over 10 days → warning, over a month → revocation proposal): a new
 *   incident, starting where the silence started, so the register counts the episode from there.
 */
export const REPORTED_AGAIN_AFTER_RESOLVE: ReadonlyMap<AlertKind, 'new_fact' | 'still_going'> = new Map<
  AlertKind,
  'new_fact' | 'still_going'
>([
  ['strap_tamper', 'new_fact'],
  ['lost_contact', 'still_going'],
]);

/** At most one 'updated' event per incident per this interval reaches consoles (no storm of repeats). */
export const UPDATE_EVENT_INTERVAL_MS = 60_000;
