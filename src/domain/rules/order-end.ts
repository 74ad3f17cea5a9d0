// The end of EM coverage (Art. 29: location is collected, and rules apply, only inside an approved
// period). What is still open when the coverage ends can no longer be observed, so it is closed at
// the end, with reason `order_ended`: an open county exit or lost contact is not shown as going on
// for ever after monitoring stopped, and a renewal after a gap starts afresh (its days off
// supervision count from its own start, not on top of the old episode's; em-order.ts coverageStart).
// Kinds an officer must close (strap tamper...) keep their incident open for the officer: the
// clear only says the condition is no longer observed (src/incidents/incident-kinds.ts).
import type { AlertKind } from '../../../schemas/enums.js';
import { type AlertChange, alertChange } from './alert-change.js';
import { type ActivePeriod, lastCoverageEnd } from './em-order.js';
import type { Evaluation } from './evaluation.js';
import {
  type Episodes,
  IDLE_TRACK,
  NO_EPISODES,
  type PersonState,
  patchState,
  TrackPhase,
  type TrackState,
  zoneTrackActive,
} from './person-state.js';
import { trackChange } from './zone-track.js';

const REASON = { reason: 'order_ended' } as const;

const TRACKS: ReadonlyArray<
  readonly [
    keyof Pick<PersonState, 'curfew' | 'jurisdiction' | 'prohibition' | 'proximity' | 'separation'>,
    AlertKind,
  ]
> = [
  ['curfew', 'curfew_breach'],
  ['jurisdiction', 'jurisdiction_exit'],
  ['prohibition', 'prohibition_entry'],
  ['proximity', 'protected_person_proximity'],
  ['separation', 'person_device_separation'],
];

/** Episode keys are an alert kind, or `kind|zone`; `charging` is bookkeeping, not an alert. */
function kindOfEpisode(key: string): AlertKind | null {
  const kind = key.split('|', 1)[0]!;
  return kind === 'charging' ? null : (kind as AlertKind);
}

/**
 * When the coverage that no longer covers `now` ended: the latest period end; `now` when none is
 * known, or when that end is before the last contact (an older period's: this coverage ended by
 * revocation, the order gone from the directory, which is known only now).
 */
export function coverageEndedAt(orders: readonly ActivePeriod[], lastContactTs: number, now: number): number {
  const ended = lastCoverageEnd(orders, now);
  return Number.isNaN(ended) || ended < lastContactTs ? now : ended;
}

/** Whether anything is open or pending that the end of coverage has to close. */
export function hasOpenAlerts(state: PersonState): boolean {
  return state.episodes !== NO_EPISODES || state.ankleStill !== null || zoneTrackActive(state);
}

function closeEpisodes(episodes: Episodes, at: number, changes: AlertChange[]): void {
  for (const [key, episode] of Object.entries(episodes)) {
    const kind = kindOfEpisode(key);
    if (kind === null) continue;
    changes.push(
      alertChange({
        kind,
        action: 'clear',
        startedAt: episode.startedAt,
        at,
        confidence: 1,
        evidence: [],
        ...(episode.zoneId !== undefined ? { zoneId: episode.zoneId } : {}),
        detail: kind === 'lost_contact' ? { ...REASON, daysOffSupervision: episode.days ?? 0 } : REASON,
      }),
    );
  }
}

/**
 * Closes every open track and episode at `endedAt` (the end of the coverage, event time); pending
 * evidence is dropped, the stored-fix gap forgotten (no backfill across the end).
 */
export function closeAtCoverageEnd(state: PersonState, endedAt: number): Evaluation {
  const changes: AlertChange[] = [];
  for (const [field, kind] of TRACKS) {
    const track: TrackState = state[field];
    if (track.phase !== TrackPhase.open) continue;
    const change = trackChange(kind, track, IDLE_TRACK, endedAt, null, false, REASON);
    if (change !== null) changes.push(change);
  }
  closeEpisodes(state.episodes, endedAt, changes);
  return {
    state: patchState(state, {
      curfew: IDLE_TRACK,
      jurisdiction: IDLE_TRACK,
      prohibition: IDLE_TRACK,
      proximity: IDLE_TRACK,
      separation: IDLE_TRACK,
      episodes: NO_EPISODES,
      ankleStill: null,
      gap: null,
    }),
    changes,
  };
}
