// The result every evaluate* function returns: the next state, the alert changes, and when the
// input was not used for decisions, why (the pipeline counts and keeps these; nothing is silent).
import { type AlertChange, NO_CHANGES } from './alert-change.js';
import type { PersonState } from './person-state.js';

export type DropReason =
  /** Art. 29: no active EM period at the input's time; refused and counted, not monitoring data. */
  | 'no_active_order'
  /** Older than the last evaluated fix: kept for storage, never drives a transition. */
  | 'stale'
  | 'duplicate'
  | 'invalid'
  /** Implies a speed above the level's limit from the last good fix. */
  | 'outlier_jump'
  | 'unknown_device';

export interface Evaluation {
  readonly state: PersonState;
  readonly changes: readonly AlertChange[];
  readonly dropped?: DropReason;
}

export function refuse(state: PersonState, dropped: DropReason): Evaluation {
  return { state, changes: NO_CHANGES, dropped };
}
