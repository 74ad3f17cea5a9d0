// Alerts that are not zone tracks but open/clear episodes: contact restored (lost contact, power
// off), battery level carried on fixes, and protected-person "proximity unknown".
import type { AlertChange, EvidenceFix } from './alert-change.js';
import { alertChange } from './alert-change.js';
import { type Episodes, withEpisode } from './person-state.js';
import { BATTERY_CLEAR_PCT, BATTERY_LOW_PCT, CHARGING_LIFTS_LOW_MS } from './supervision-levels.js';

/**
 * Any fix means the device is on and reporting: clear lost contact and power off. Not a power off
 * that began after `at` (issue 4: a fix or event from before the device went off, delivered after).
 */
export function contactRestored(
  episodes: Episodes,
  at: number,
  evidence: EvidenceFix,
  late: boolean,
  changes: AlertChange[],
): Episodes {
  let next = episodes;
  const lost = next.lost_contact;
  // Only contact after the silence began ends it: an event from before it (a buffered report, a
  // device clock behind) says nothing about since, and clearing on it reopened the same silence
  // at the next tick as a second incident (issue 4: event time; one incident per fact).
  if (lost !== undefined && at > lost.startedAt) {
    next = withEpisode(next, 'lost_contact', null);
    changes.push(
      alertChange({
        kind: 'lost_contact',
        action: 'clear',
        startedAt: lost.startedAt,
        at,
        confidence: 1,
        evidence: [evidence],
        late,
        detail: { daysOffSupervision: lost.days ?? 0 },
      }),
    );
  }
  const off = next.power_off;
  if (off !== undefined && at >= off.startedAt) {
    next = withEpisode(next, 'power_off', null);
    changes.push(
      alertChange({
        kind: 'power_off',
        action: 'clear',
        startedAt: off.startedAt,
        at,
        confidence: 1,
        evidence: [evidence],
        late,
      }),
    );
  }
  return next;
}

/** Battery reported on fixes, with hysteresis (open below LOW, clear at CLEAR or above). */
export function batteryFromFix(
  episodes: Episodes,
  pct: number,
  at: number,
  evidence: EvidenceFix,
  late: boolean,
  changes: AlertChange[],
): Episodes {
  const open = episodes.battery_low;
  if (open === undefined && pct < BATTERY_LOW_PCT) {
    // While the device reports charging, a low level is being dealt with: no new alert for it. A
    // charger lifts it above LOW well within CHARGING_LIFTS_LOW_MS, so a low reading after that means
    // the charging ended unreported (charging_stop lost) or does not work: the alert opens (R12). The
    // flag stays as the device's last word, so its charging_stop is known to end that session.
    const charging = episodes.charging;
    if (charging !== undefined && at - charging.startedAt <= CHARGING_LIFTS_LOW_MS) return episodes;
    changes.push(
      alertChange({
        kind: 'battery_low',
        action: 'open',
        startedAt: at,
        at,
        confidence: 1,
        evidence: [evidence],
        late,
        detail: { batteryPct: pct },
      }),
    );
    return withEpisode(episodes, 'battery_low', { startedAt: at });
  }
  if (open !== undefined && pct >= BATTERY_CLEAR_PCT) {
    changes.push(
      alertChange({
        kind: 'battery_low',
        action: 'clear',
        startedAt: open.startedAt,
        at,
        confidence: 1,
        evidence: [evidence],
        late,
        detail: { batteryPct: pct },
      }),
    );
    return withEpisode(episodes, 'battery_low', null);
  }
  return episodes;
}

const UNKNOWN_PREFIX = 'proximity_unknown|';

/**
 * A protected person's phone without a fresh fix means proximity cannot be known: that is shown to
 * the officer as its own episode of kind `proximity_unknown` (zone = the protected person), never
 * left silent (issue 4). It is a separate kind from protected_person_proximity so that a true
 * approach later opens its own critical incident instead of folding into this one; it clears once
 * the phone is fresh again. Persons in `undecidedIds` (a late fix that cannot be judged against the
 * phone's newer fix) neither open nor clear an episode.
 */
export function proximityUnknown(
  episodes: Episodes,
  unknownIds: readonly string[],
  at: number,
  late: boolean,
  changes: AlertChange[],
  undecidedIds: readonly string[] = [],
): Episodes {
  let next = episodes;
  for (const id of unknownIds) {
    const key = `${UNKNOWN_PREFIX}${id}`;
    if (next[key] !== undefined) continue;
    next = withEpisode(next, key, { startedAt: at, zoneId: id });
    changes.push(
      alertChange({
        kind: 'proximity_unknown',
        action: 'open',
        startedAt: at,
        at,
        confidence: 0,
        late,
        zoneId: id,
        detail: { proximity: 'unknown' },
      }),
    );
  }
  for (const [key, episode] of Object.entries(next)) {
    if (!key.startsWith(UNKNOWN_PREFIX)) continue;
    const id = episode.zoneId ?? '';
    if (unknownIds.includes(id) || undecidedIds.includes(id)) continue;
    next = withEpisode(next, key, null);
    changes.push(
      alertChange({
        kind: 'proximity_unknown',
        action: 'clear',
        startedAt: episode.startedAt,
        at,
        confidence: 1,
        late,
        zoneId: episode.zoneId ?? null,
        detail: { proximity: 'known' },
      }),
    );
  }
  return next;
}
