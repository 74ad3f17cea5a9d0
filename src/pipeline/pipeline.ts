// The pipeline, as one list (ARCHITECTURE.md). A fix passes these stages in this order; a stage that
// refuses a fix marks it with a reason, which is counted and kept as a dead letter, never silent.
//
//   lease state (a message whose person another instance holds waits for the next batch)
//   → authorize → order & dedupe → protected positions (victims' phones, shared between instances)
//   → evaluate (filter, zones, decide) → persist
//   then, after commit: write state → acknowledge devices → publish incident changes
import type pg from 'pg';
import type { Directory } from '../directory/directory.js';
import { NO_PEERS } from '../domain/rules/person-context.js';
import type { PersonState } from '../domain/rules/person-state.js';
import type { IncidentEventRow } from '../incidents/apply-alert-changes.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../observability/metrics.js';
import type { BatchRunner } from './batcher.js';
import { MemoryProtectedPositions, type ProtectedPositionStore } from './protected-positions.js';
import { authorizeStage } from './stages/authorize.js';
import { evaluateStage } from './stages/evaluate.js';
import { leaseState } from './stages/lease-state.js';
import { orderAndDedupeStage } from './stages/order-dedupe.js';
import { persistStage } from './stages/persist.js';
import { protectedPositionsStage } from './stages/protected-positions.js';
import { type PersonStateStore, StaleStateError } from './state-store.js';
import type { Batch, PersonAlertChange, Stage, Submission, SubmissionOutcome } from './types.js';

export interface PipelineDeps {
  pool: pg.Pool;
  directory: Directory;
  store: PersonStateStore;
  /** Protected persons' phone fixes; this instance's memory by default, Redis with several instances. */
  protectedPositions?: ProtectedPositionStore;
  metrics: Metrics;
  log: Logger;
  /** Called after commit with the incident changes to announce (live gateway, fan-out). */
  publish(events: readonly IncidentEventRow[]): void;
  /** Called after commit with the batch's alert changes and the person states it committed (adaptive reporting). */
  afterCommit?(changes: readonly PersonAlertChange[], states: ReadonlyMap<string, PersonState>): void;
  clock?: () => number;
}

export function buildStages(deps: PipelineDeps): readonly Stage[] {
  return [
    authorizeStage(deps.directory),
    orderAndDedupeStage(deps.pool),
    protectedPositionsStage(
      deps.directory,
      // Collected from this start on: a phone not heard yet is not "unknown" before one was due.
      deps.protectedPositions ?? new MemoryProtectedPositions((deps.clock ?? Date.now)()),
    ),
    evaluateStage(deps.directory, deps.log),
    persistStage(deps.pool, deps.directory),
  ];
}

/** A batch with nothing in it yet: what every stage starts from (and a stage's tests). */
export function emptyBatch(now: number, submissions: readonly Submission[] = []): Batch {
  return {
    submissions,
    fixes: [],
    events: [],
    deadLetters: [],
    alertChanges: [],
    lease: null,
    stagedState: new Map(),
    dueAt: new Map(),
    afterCommit: [],
    committed: [],
    refusalCounts: new Map(),
    flagCounts: new Map(),
    peers: NO_PEERS,
    now,
  };
}

function newBatch(submissions: readonly Submission[], now: number): Batch {
  const batch = emptyBatch(now, submissions);
  submissions.forEach((s, i) => {
    for (const fix of s.fixes) {
      batch.fixes.push({
        fix,
        submission: i,
        superviseeId: null,
        late: false,
        refusal: null,
        evaluated: true,
      });
    }
    for (const event of s.events)
      batch.events.push({ event, submission: i, superviseeId: null, refusal: null });
    for (const r of s.refusals) {
      batch.refusalCounts.set(r.reason, (batch.refusalCounts.get(r.reason) ?? 0) + 1);
      if (r.reason === 'not_a_location') continue; // counted, nothing to inspect
      batch.deadLetters.push({
        protocol: s.protocol,
        deviceId: s.deviceId,
        topic: s.topic ?? null,
        reason: r.reason,
        detail: r.index === undefined ? r.detail : `item ${r.index}: ${r.detail}`,
        raw: r.raw ?? s.raw,
      });
    }
  });
  return batch;
}

export function createPipeline(deps: PipelineDeps): BatchRunner {
  const claimFor = leaseState(deps.directory, deps.store);
  const stages = buildStages(deps);
  const persist = stages[stages.length - 1]!;
  const before = stages.slice(0, -1);
  const clock = deps.clock ?? Date.now;
  const m = deps.metrics;

  return {
    async quarantine(submission, err) {
      const batch = newBatch([{ ...submission, fixes: [], events: [], refusals: [] }], clock());
      const items = submission.fixes.length + submission.events.length;
      batch.deadLetters.push({
        protocol: submission.protocol,
        deviceId: submission.deviceId,
        topic: submission.topic ?? null,
        reason: 'storage_rejected',
        detail: `database refused ${items} item(s): ${err.message}`,
        raw: submission.raw,
      });
      await persist.run(batch);
      m.refusals.inc({ reason: 'storage_rejected', protocol: submission.protocol }, Math.max(1, items));
      return { accepted: 0, refused: Math.max(1, items), duplicates: 0 };
    },
    async runBatch(offered) {
      const started = performance.now();
      const { lease, deferred } = await claimFor(offered);
      const submissions = deferred.size === 0 ? offered : offered.filter((_, i) => !deferred.has(i));
      if (deferred.size > 0) m.stateDeferrals.inc(deferred.size);
      if (submissions.length === 0) {
        await lease.release();
        return offered.map(() => null);
      }
      const batch = newBatch(submissions, clock());
      batch.lease = lease;
      try {
        for (const stage of before) await stage.run(batch);
        await persist.run(batch);
      } catch (err) {
        await batch.lease?.release().catch((e) => deps.log.warn({ err: e }, 'state lease release failed'));
        if (err instanceof StaleStateError) m.stateConflicts.inc();
        throw err;
      }
      // Committed: now the state may advance, devices may be acknowledged, consoles told.
      try {
        await batch.lease?.commit(batch.stagedState, batch.dueAt);
      } catch (err) {
        // The lease lapsed during the commit itself (another instance took these people over). What
        // was committed is announced; the batch then runs again on the newer state (the Batcher
        // retries; fixes are stored idempotently, incident opens are guarded by the database).
        if (batch.committed.length > 0) deps.publish(batch.committed);
        if (err instanceof StaleStateError) m.stateConflicts.inc();
        throw err;
      }
      for (const apply of batch.afterCommit) apply();
      const commitTime = Date.now();
      let maxLagMs = -1;
      const outcomes: SubmissionOutcome[] = submissions.map((s) => ({
        accepted: 0,
        refused: s.refusals.length,
        duplicates: 0,
      }));
      for (const item of batch.fixes) {
        const o = outcomes[item.submission] as { accepted: number; refused: number; duplicates: number };
        const protocol = submissions[item.submission]!.protocol;
        m.fixesReceived.inc({ protocol });
        if (!item.refusal) {
          o.accepted++;
          m.fixesAccepted.inc({ protocol });
          const lagMs = Math.max(0, commitTime - item.fix.ts);
          m.ingestLagSeconds.observe(lagMs / 1000);
          if (lagMs > maxLagMs) maxLagMs = lagMs;
        } else if (item.refusal.reason === 'duplicate') o.duplicates++;
        else o.refused++;
      }
      for (const item of batch.events) {
        const o = outcomes[item.submission] as { accepted: number; refused: number; duplicates: number };
        if (!item.refusal) {
          o.accepted++;
          m.eventsAccepted.inc({ type: item.event.type });
        } else if (item.refusal.reason === 'duplicate') o.duplicates++;
        else o.refused++;
      }
      for (const [reason, n] of batch.refusalCounts) m.refusals.inc({ reason, protocol: 'any' }, n);
      // DEVELOPERS.md non-negotiable 4: a reading dropped while its fix is kept is counted, not silent.
      for (const s of submissions) {
        for (const field of s.droppedReadings ?? []) m.readingsDropped.inc({ protocol: s.protocol, field });
      }
      for (const [flag, n] of batch.flagCounts) m.fixFlags.inc({ flag }, n);
      for (const row of batch.committed) {
        m.incidentChanges.inc({ kind: String(row.data.kind), action: row.action });
      }
      if (maxLagMs >= 0) m.ingestLagMaxSeconds.set(maxLagMs / 1000);
      m.batchCommitSeconds.observe((performance.now() - started) / 1000);
      if (batch.committed.length > 0) deps.publish(batch.committed);
      if (batch.alertChanges.length > 0 || batch.stagedState.size > 0) {
        deps.afterCommit?.(batch.alertChanges, batch.stagedState);
      }
      if (deferred.size === 0) return outcomes;
      let next = 0;
      return offered.map((_, i) => (deferred.has(i) ? null : outcomes[next++]!));
    },
  };
}
