// What flows through the pipeline. A Submission is one device message (an MQTT publish or an HTTP
// request) after decoding; its `settle` is called once the batch holding it is committed, and only
// then does the adapter acknowledge the device (ARCHITECTURE.md: acknowledge after you persist).

import type { RefusalReason } from '../../schemas/wire/refusal.js';
import type { DeviceEvent, Fix, IngestProtocol } from '../domain/fix.js';
import type { AlertChange } from '../domain/rules/alert-change.js';
import type { PeerPositions } from '../domain/rules/person-context.js';
import type { PersonState } from '../domain/rules/person-state.js';
import type { IncidentEventRow } from '../incidents/apply-alert-changes.js';
import type { Refusal } from '../ingest/decode/result.js';
import type { StateLease } from './state-store.js';

export type { Refusal };

export interface Submission {
  readonly protocol: IngestProtocol;
  /** The authenticated device (broker login, HTTP key); null when authentication itself failed. */
  readonly deviceId: string | null;
  readonly topic?: string | undefined;
  /** Raw payload kept (bounded) with dead letters for inspection. */
  readonly raw: string;
  readonly receivedAt: number;
  readonly fixes: readonly Fix[];
  readonly events: readonly DeviceEvent[];
  readonly refusals: readonly Refusal[];
  /**
   * Wire fields of informational readings the decoder dropped from the fixes and events it kept
   * (src/ingest/decode/readings.ts); counted after commit in em_readings_dropped_total.
   */
  readonly droppedReadings?: readonly string[] | undefined;
  /** A clock tick: timers (lost contact, leave overdue, curfew start) are evaluated at this time. */
  readonly tick?: number | undefined;
  /**
   * With a tick: the people whose timers are due (src/pipeline/timer-schedule.ts); absent, everybody.
   * A tick costs what is due, not the caseload (issue 8).
   */
  readonly tickPeople?: readonly string[] | undefined;
}

export interface SubmissionOutcome {
  readonly accepted: number;
  readonly refused: number;
  readonly duplicates: number;
}

/** One fix on its way through the stages; a stage that refuses it sets `refusal` and it stops there. */
export interface FixItem {
  readonly fix: Fix;
  readonly submission: number;
  superviseeId: string | null;
  late: boolean;
  refusal: Refusal | null;
  /** Kept and stored, but not used for zone decisions (outlier, stale). */
  evaluated: boolean;
}

export interface EventItem {
  readonly event: DeviceEvent;
  readonly submission: number;
  superviseeId: string | null;
  refusal: Refusal | null;
}

export interface DeadLetter {
  readonly protocol: IngestProtocol;
  readonly deviceId: string | null;
  readonly topic: string | null;
  readonly reason: RefusalReason | 'rules_error';
  readonly detail: string;
  readonly raw: string;
}

/** An alert change with the person it concerns, as decided inside one batch. */
export interface PersonAlertChange {
  readonly superviseeId: string;
  readonly change: AlertChange;
}

export interface Batch {
  readonly submissions: readonly Submission[];
  readonly fixes: FixItem[];
  readonly events: EventItem[];
  readonly deadLetters: DeadLetter[];
  readonly alertChanges: PersonAlertChange[];
  /** The people this batch holds (lease-state stage), with their committed states. */
  lease: StateLease | null;
  /** Staged per-person decision state, applied to the state store only after commit. */
  readonly stagedState: Map<string, PersonState>;
  /** When each person evaluated in this batch next needs a clock evaluation; written with the state. */
  readonly dueAt: Map<string, number>;
  /** Run after the batch commits, in order: in-memory bookkeeping that must not run ahead of the database. */
  readonly afterCommit: Array<() => void>;
  /** Filled by the persist stage: committed incident changes to announce. */
  readonly committed: IncidentEventRow[];
  /** Counts by refusal reason, filled as stages refuse; reported to metrics after commit. */
  readonly refusalCounts: Map<string, number>;
  /** Fixes stored but not used for decisions (stale, outlier_jump), by reason. */
  readonly flagCounts: Map<string, number>;
  /**
   * The latest fix of each protected person's phone the batch's supervisees are judged against, by
   * device id, and since when they have been collected (protected-positions stage); NO_PEERS when
   * the batch concerns none.
   */
  peers: PeerPositions;
  readonly now: number;
}

/** Every stage has this one contract (ARCHITECTURE.md: the pipeline reads as one list). */
export interface Stage {
  readonly name: string;
  run(batch: Batch): Promise<void> | void;
}
