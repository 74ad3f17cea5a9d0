// Stages 3-5, filter → evaluate zones → decide: the pure rules engine (src/domain/rules) runs per
// person, serially in event-time order, on state staged for this batch. Membership and transitions
// live in the domain; this stage only feeds it and records what it says.
import { type Directory, linkedPeople, type PersonRecord } from '../../directory/directory.js';
import { nextClockDue } from '../../domain/rules/clock-due.js';
import { evaluateBackfill, fillsGap } from '../../domain/rules/evaluate-backfill.js';
import { evaluateClock } from '../../domain/rules/evaluate-clock.js';
import { evaluateEvent } from '../../domain/rules/evaluate-event.js';
import { evaluateFix } from '../../domain/rules/evaluate-fix.js';
import type { DropReason, Evaluation } from '../../domain/rules/evaluation.js';
import {
  DEFAULT_GATHERING,
  evaluateGathering,
  type GatheringState,
  type LinkedPosition,
  NO_GATHERING,
} from '../../domain/rules/gathering.js';
import { coverageEndedAt } from '../../domain/rules/order-end.js';
import { NO_PEERS, orderActiveAt, type PeerPositions } from '../../domain/rules/person-context.js';
import {
  initialPersonState,
  type PairRun,
  type PersonState,
  patchState,
} from '../../domain/rules/person-state.js';
import { LATE_AFTER_MS } from '../../domain/rules/supervision-levels.js';
import type { Batch, EventItem, FixItem, Stage } from '../types.js';
import { refuseItem } from './refuse.js';

const count = (m: Map<string, number>, k: string, n = 1) => m.set(k, (m.get(k) ?? 0) + n);

export function evaluateStage(directory: Directory, log: { error(o: object, m: string): void }): Stage {
  // The batch's protected-person phone fixes (protected-positions stage), set as each batch starts.
  let peers: PeerPositions = NO_PEERS;

  // States created here for people with none stored: kept (staged) even when an evaluation leaves
  // them unchanged, so the silence of a person never heard from counts from this first look on and
  // lost contact opens for them too (Art. 30; a fresh state on every look would reset it forever).
  const fresh = new WeakSet<PersonState>();

  function stateOf(batch: Batch, person: PersonRecord): PersonState {
    const known = batch.stagedState.get(person.id) ?? batch.lease?.states.get(person.id);
    if (known !== undefined) return known;
    const created = initialPersonState(batch.now);
    fresh.add(created);
    return created;
  }

  function record(
    batch: Batch,
    person: PersonRecord,
    result: Evaluation,
    before: PersonState,
    at = batch.now,
  ): void {
    // Who was evaluated, and when last; turned into due times at the end of the stage.
    batch.dueAt.set(person.id, Math.max(at, batch.dueAt.get(person.id) ?? at));
    if (result.state !== before || fresh.delete(before)) batch.stagedState.set(person.id, result.state);
    for (const change of result.changes) batch.alertChanges.push({ superviseeId: person.id, change });
  }

  function onFix(batch: Batch, person: PersonRecord, item: FixItem, backfill: Map<string, FixItem[]>): void {
    const before = stateOf(batch, person);
    // The person's first fix in the batch is written into the state the last commit replaced, when
    // the store keeps one (decision 0013); a later one into a new object (the staged state is read).
    const into = batch.stagedState.has(person.id) ? null : (batch.lease?.spare(person.id) ?? null);
    const result = evaluateFix(person.context, before, item.fix, peers, into);
    item.late = item.fix.receivedAt - item.fix.ts > LATE_AFTER_MS;
    if (result.dropped === 'stale' && fillsGap(before, item.fix.ts)) {
      // From inside a gap the live fixes already passed: judged once the batch's live fixes are in.
      const list = backfill.get(person.id);
      if (list) list.push(item);
      else backfill.set(person.id, [item]);
      return;
    }
    applyDrop(batch, item, result.dropped);
    record(batch, person, result, before);
  }

  /** Stored fixes filling a person's gap, in event-time order (evaluate-backfill.ts). */
  function onBackfill(batch: Batch, person: PersonRecord, items: FixItem[]): void {
    const before = stateOf(batch, person);
    items.sort((a, b) => a.fix.ts - b.fix.ts);
    const inGap: FixItem[] = [];
    for (const item of items) {
      if (fillsGap(before, item.fix.ts)) inGap.push(item);
      else applyDrop(batch, item, 'stale');
    }
    if (inGap.length === 0) return;
    const result = evaluateBackfill(
      person.context,
      before,
      inGap.map((i) => i.fix),
      peers,
    );
    inGap.forEach((item, k) => {
      item.late = true;
      applyDrop(batch, item, result.results[k]?.dropped);
    });
    count(batch.flagCounts, 'backfilled', inGap.length);
    record(batch, person, { state: result.state, changes: result.changes }, before);
  }

  function applyDrop(batch: Batch, item: FixItem, dropped: DropReason | undefined): void {
    switch (dropped) {
      case undefined:
        break;
      case 'no_active_order':
        refuseItem(batch, item, 'no_active_order', 'no approved EM period covers this fix (Art. 29)');
        break;
      case 'unknown_device':
        refuseItem(batch, item, 'unknown_device', 'device is not this person’s monitor or phone');
        break;
      case 'invalid':
        refuseItem(batch, item, 'invalid_coordinates', 'fix failed the rules engine’s validity check');
        break;
      case 'duplicate':
        refuseItem(batch, item, 'duplicate', 'same fix time as the last evaluated fix');
        break;
      default:
        // stale or outlier_jump: stored as data, never a decision (issue 4: out-of-order never flaps).
        item.evaluated = false;
        if (dropped === 'stale') item.late = true;
        count(batch.flagCounts, dropped);
    }
  }

  function onEvent(batch: Batch, person: PersonRecord, item: EventItem): void {
    const before = stateOf(batch, person);
    record(batch, person, evaluateEvent(person.context, before, item.event), before);
  }

  function guarded(batch: Batch, item: FixItem | EventItem, person: PersonRecord, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      // A rules bug must not take the batch down or silently pass: the fix is kept, the failure counted.
      log.error({ err, person: person.id }, 'rules evaluation failed');
      count(batch.flagCounts, 'rules_error');
      if ('fix' in item) item.evaluated = false;
    }
  }

  // Gathering of linked supervisees (同案犯聚集): judged at each tick from their latest positions.
  // A group's runs are person state of its keeper, the first of its ids still in the directory
  // (PersonState.gatherings): committed with the batch, and carried on by whichever instance fires
  // the next tick.
  function evaluateGatherings(batch: Batch, now: number): void {
    const done = new Set<string>();
    const judged = new Set<string>();
    const watching = new Set<string>();
    /** Each keeper's groups as they are now, with the runs judged at this tick. */
    const kept = new Map<string, Map<string, GatheringState | undefined>>();
    for (const personId of linkedPeople(directory.current)) {
      const person = directory.person(personId);
      const linked = person?.context.linkedPersonIds ?? [];
      if (!person || linked.length === 0) continue;
      const ids = [person.id, ...linked].sort();
      const key = ids.join('+');
      if (done.has(key)) continue;
      done.add(key);
      // The keeper: the first of the group still in the directory (a person no longer supervised
      // keeps nothing, and the others' runs must not start afresh at every tick).
      const keeper = ids.find((id) => directory.person(id) !== undefined) ?? person.id;
      const groups = kept.get(keeper) ?? new Map<string, GatheringState | undefined>();
      kept.set(keeper, groups);
      groups.set(key, undefined);
      // A linked person busy on another instance is judged with the others on the next tick, never
      // from a missing position (which would read as apart).
      if (batch.lease && ids.some((id) => !batch.lease!.personIds.has(id))) continue;
      const keeperRecord = directory.person(keeper);
      const runs = keeperRecord ? stateOf(batch, keeperRecord).gatherings?.[key] : undefined;
      const positions: LinkedPosition[] = [];
      // Art. 29: a member outside EM coverage (or no longer in the directory) is not judged, and a
      // gathering open with them closes at the end of their coverage (gathering.ts).
      const ended = new Map<string, number>();
      for (const id of ids) {
        const p = directory.person(id);
        if (!p) {
          ended.set(id, now);
          continue;
        }
        const s = stateOf(batch, p);
        if (!orderActiveAt(p.context, now)) {
          ended.set(id, coverageEndedAt(p.context.orders, s.lastContactTs, now));
          continue;
        }
        if (s.lastTs === 0) continue;
        // The steady position (gathering.ts): the best recent fix the later ones agree with.
        const steady = s.steady;
        positions.push(
          steady
            ? {
                personId: id,
                ts: steady.ts,
                seen: steady.seen,
                lat: steady.lat,
                lon: steady.lon,
                acc: steady.acc,
                moved: steady.moved ?? null,
              }
            : { personId: id, ts: s.lastTs, lat: s.lastLat, lon: s.lastLon, acc: s.lastAcc },
        );
      }
      const result = evaluateGathering(
        DEFAULT_GATHERING,
        runs ? new Map(runs) : NO_GATHERING,
        positions,
        now,
        ended,
      );
      groups.set(key, result.state);
      for (const id of ids) judged.add(id);
      for (const id of result.watching) watching.add(id);
      for (const change of result.changes) {
        for (const id of String(change.detail?.persons ?? '').split('+')) {
          if (directory.person(id)) batch.alertChanges.push({ superviseeId: id, change });
        }
      }
    }
    // The runs go into each keeper's state, committed with the changes they imply. A group judged
    // now gets its new runs, one skipped (a member busy) keeps its old ones, and a group the keeper
    // no longer keeps is forgotten.
    for (const [keeper, groups] of kept) {
      const p = directory.person(keeper);
      if (!p || (batch.lease && !batch.lease.personIds.has(keeper))) continue;
      const s = stateOf(batch, p);
      const next: Record<string, ReadonlyArray<readonly [string, PairRun]>> = {};
      for (const [key, judgedNow] of groups) {
        const runs = judgedNow === undefined ? s.gatherings?.[key] : [...judgedNow];
        if (runs && runs.length > 0) next[key] = runs;
      }
      const gatherings = Object.keys(next).length === 0 ? null : next;
      if (JSON.stringify(gatherings) !== JSON.stringify(s.gatherings)) {
        batch.stagedState.set(keeper, patchState(s, { gatherings }));
      }
    }
    // Fast reporting while a pair may be together (PersonState.nearLinked, reporting only); a person
    // in several groups watches if any group says so.
    for (const id of judged) {
      const p = directory.person(id);
      if (!p) continue;
      const s = stateOf(batch, p);
      const watch = watching.has(id);
      if (s.nearLinked !== watch) batch.stagedState.set(id, patchState(s, { nearLinked: watch }));
    }
  }

  return {
    name: 'evaluate',
    run(batch) {
      peers = batch.peers;
      const backfill = new Map<string, FixItem[]>();
      for (const item of batch.fixes) {
        // A protected person's phone (no supervisee) was recorded by the protected-positions stage.
        if (item.refusal || item.superviseeId === null) continue;
        const person = directory.person(item.superviseeId);
        if (!person) {
          refuseItem(batch, item, 'unknown_device', `supervisee ${item.superviseeId} not found`);
          continue;
        }
        guarded(batch, item, person, () => onFix(batch, person, item, backfill));
      }
      for (const [personId, items] of backfill) {
        const person = directory.person(personId);
        if (!person) continue;
        try {
          onBackfill(batch, person, items);
        } catch (err) {
          log.error({ err, person: person.id }, 'backfill evaluation failed');
          count(batch.flagCounts, 'rules_error');
          for (const item of items) item.evaluated = false;
        }
      }
      for (const item of batch.events) {
        if (item.refusal || item.superviseeId === null) continue;
        const person = directory.person(item.superviseeId);
        if (person) guarded(batch, item, person, () => onEvent(batch, person, item));
      }
      for (const submission of batch.submissions) {
        if (submission.tick === undefined) continue;
        evaluateGatherings(batch, submission.tick);
        for (const person of peopleOf(submission.tickPeople)) {
          // Somebody added since the lease was taken, or busy elsewhere, is evaluated on the next tick.
          if (batch.lease && !batch.lease.personIds.has(person.id)) continue;
          try {
            const before = stateOf(batch, person);
            record(
              batch,
              person,
              evaluateClock(person.context, before, submission.tick),
              before,
              submission.tick,
            );
          } catch (err) {
            log.error({ err, person: person.id }, 'clock evaluation failed');
            count(batch.flagCounts, 'rules_error');
          }
        }
      }
      // Each evaluated person's next timer due time, written with their state (the timer schedule).
      for (const [id, at] of batch.dueAt) {
        const person = directory.person(id);
        if (!person || (batch.lease && !batch.lease.personIds.has(id))) {
          batch.dueAt.delete(id);
          continue;
        }
        try {
          batch.dueAt.set(id, nextClockDue(person.context, stateOf(batch, person), at));
        } catch (err) {
          log.error({ err, person: id }, 'timer due time failed; the person is looked at on the next tick');
          batch.dueAt.set(id, at);
        }
      }
    },
  };

  function* peopleOf(ids: readonly string[] | undefined): Iterable<PersonRecord> {
    if (!ids) {
      yield* directory.current.persons.values();
      return;
    }
    for (const id of ids) {
      const person = directory.person(id);
      if (person) yield person;
    }
  }
}
