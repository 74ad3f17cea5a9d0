// Per-person decision state between batches. The embedded default keeps it in memory; several
// instances share it through Redis (issue 8, src/adapters/redis/redis-state-store.ts).
//
// A batch leases the people it touches before it evaluates (the lease loads their state), checks the
// lease again just before its database commit, and writes the new states after that commit. Every
// state carries a version; a write whose lease has lapsed or whose version moved on is refused
// (StaleStateError), and the pipeline then runs the batch again on the newer state. Leases are taken
// in one global order (sorted person ids), so two batches never wait on each other in a cycle.
import type { PersonState, StateDraft } from '../domain/rules/person-state.js';

export interface StateLease {
  /** Everybody this lease holds (whether or not they have a state yet). */
  readonly personIds: ReadonlySet<string>;
  /** The leased people's committed states; a person never written is absent. */
  readonly states: ReadonlyMap<string, PersonState>;
  /**
   * A state object of this person's that the batch may write the person's next state into
   * (evaluateFix's `into`, decision 0013): the state the last commit replaced, which nothing reads
   * any more. Handed out at most once per commit, never the committed state; null when there is none
   * (a person never written twice, a spare already taken, or a store that keeps no spares: Redis
   * decodes every state it leases anyway).
   */
  spare(personId: string): StateDraft | null;
  /** Right before the database commit: throws StaleStateError if the lease lapsed; extends it. */
  verify(): Promise<void>;
  /**
   * After the database commit: writes the changed states (version-checked) and the new timer due
   * times (src/domain/rules/clock-due.ts) of the people evaluated, in the same step, and releases.
   */
  commit(changed: ReadonlyMap<string, PersonState>, due?: ReadonlyMap<string, number>): Promise<void>;
  /** The batch failed: releases without writing anything. */
  release(): Promise<void>;
}

/** A lease on the people that were free, and the people another holder had at that moment. */
export interface StateClaim extends StateLease {
  readonly busy: ReadonlySet<string>;
}

export interface PersonStateStore {
  readonly kind: 'memory' | 'redis';
  /** Waits for (at most `LeaseOptions.waitMs`) and takes the leases of these people. */
  lease(personIds: Iterable<string>): Promise<StateLease>;
  /**
   * Takes, without waiting, the leases of those of these people nobody else holds. The pipeline
   * uses this (issue 8): a batch never holds some people while it waits for others, so batches of
   * several instances proceed side by side, and a message whose person is busy elsewhere simply
   * waits for the instance's next batch.
   */
  claim(personIds: Iterable<string>): Promise<StateClaim>;
  /**
   * Up to `limit` people whose timers are due at `now`, earliest first. Shared by every instance, so
   * the timer holder sees the due times another instance wrote (issue 8). People never evaluated
   * have no due time: the timer schedule sweeps everybody in the directory at start and on change.
   */
  due(now: number, limit: number): Promise<string[]>;
  /** Drops the due times of people no longer in the directory. */
  forgetDue(personIds: readonly string[]): Promise<void>;
  close(): Promise<void>;
}

export interface LeaseOptions {
  /** A lease not committed within this time lapses, so a dead instance holds no one for long. */
  readonly leaseMs: number;
  /** Longest wait for leases held by others before the batch fails (and is retried). */
  readonly waitMs: number;
}

export const DEFAULT_LEASE_OPTIONS: LeaseOptions = { leaseMs: 5000, waitMs: 10_000 };

/** Another writer got there first: the batch must be evaluated again on the newer state. */
export class StaleStateError extends Error {
  constructor(readonly personIds: readonly string[]) {
    super(`person state changed under this batch (${personIds.slice(0, 5).join(', ')}); re-evaluating`);
  }
}

/** Waited `waitMs` for leases held elsewhere: transient, the batch is retried. */
export class LeaseTimeoutError extends Error {}

export const sortedUnique = (ids: Iterable<string>): string[] => [...new Set(ids)].sort();

let tokens = 0;
/** A lease owner token: unique per lease, so a lapsed lease re-taken by the same instance is told apart. */
export const leaseToken = (instanceId: string): string => `${instanceId}:${++tokens}`;

interface Versioned {
  readonly state: PersonState;
  readonly version: number;
  /** The state the last commit replaced, until a lease takes it (StateLease.spare). */
  spare: StateDraft | null;
}

interface Held {
  token: string;
  expiresAt: number;
}

/**
 * In-process store with the same lease and version rules as Redis, so one contract suite covers both.
 * In a single instance one batch runs at a time and never waits; tests share one store between
 * "instances" to exercise contention.
 */
export class MemoryStateStore implements PersonStateStore {
  readonly kind = 'memory';
  private readonly states: Map<string, Versioned>;
  private readonly leases: Map<string, Held>;
  private readonly dues: Map<string, number>;
  /** People whose committed state changed since the last `drainChanges` (the state file). */
  private readonly changed: Set<string>;

  /** Lease times are real time, never a simulation's accelerated clock. */
  constructor(
    private readonly options: LeaseOptions = DEFAULT_LEASE_OPTIONS,
    shared?: MemoryStateStore,
    private readonly clock: () => number = Date.now,
  ) {
    this.states = shared ? shared.states : new Map();
    this.leases = shared ? shared.leases : new Map();
    this.dues = shared ? shared.dues : new Map();
    this.changed = shared ? shared.changed : new Set();
  }

  /**
   * States from an earlier run (the state file), before any lease: each at version 1, without a spare.
   * Due times are not kept: the first tick after a start looks at everybody (TimerSchedule.sweepAll).
   */
  seed(states: Iterable<readonly [string, PersonState]>): void {
    for (const [id, state] of states) this.states.set(id, { state, version: 1, spare: null });
  }

  /**
   * Up to `limit` of the committed states changed since they were last drained, encoded now: a
   * committed state object may be written over once it has been replaced and handed out as a spare
   * (decision 0013), so it is never held for later. In parts, a caller lets batches run in between.
   */
  drainChanges<T>(encode: (state: PersonState) => T, limit = Number.POSITIVE_INFINITY): Map<string, T> {
    const out = new Map<string, T>();
    for (const id of this.changed) {
      if (out.size >= limit) break;
      const v = this.states.get(id);
      if (v) out.set(id, encode(v.state));
      this.changed.delete(id);
    }
    return out;
  }

  /** Another handle over the same state, as a second instance would hold it (contract tests). */
  sibling(options: LeaseOptions): MemoryStateStore {
    return new MemoryStateStore(options, this, this.clock);
  }

  get size(): number {
    return this.states.size;
  }

  async lease(personIds: Iterable<string>): Promise<StateLease> {
    const ids = sortedUnique(personIds);
    const token = leaseToken('memory');
    const deadline = this.clock() + this.options.waitMs;
    let taken = 0;
    while (taken < ids.length) {
      if (this.heldElsewhere(ids[taken]!, token)) {
        if (this.clock() > deadline) {
          this.releaseAll(ids.slice(0, taken), token);
          throw new LeaseTimeoutError(
            `person ${ids[taken]} leased elsewhere for over ${this.options.waitMs} ms`,
          );
        }
        await new Promise((r) => setTimeout(r, 5));
        continue;
      }
      this.leases.set(ids[taken]!, { token, expiresAt: this.clock() + this.options.leaseMs });
      taken++;
    }
    return this.open(ids, token);
  }

  async claim(personIds: Iterable<string>): Promise<StateClaim> {
    const token = leaseToken('memory');
    const taken: string[] = [];
    const busy = new Set<string>();
    for (const id of sortedUnique(personIds)) {
      if (this.heldElsewhere(id, token)) busy.add(id);
      else {
        this.leases.set(id, { token, expiresAt: this.clock() + this.options.leaseMs });
        taken.push(id);
      }
    }
    return { ...this.open(taken, token), busy };
  }

  private heldElsewhere(id: string, token: string): boolean {
    const held = this.leases.get(id);
    return held !== undefined && held.token !== token && held.expiresAt > this.clock();
  }

  /** Whether the lease `token` still holds this person (taken by it and not lapsed). */
  private holds(id: string, token: string): boolean {
    const held = this.leases.get(id);
    return held !== undefined && held.token === token && held.expiresAt > this.clock();
  }

  /** The lease over `ids`, whose leases `token` has just taken. */
  private open(ids: readonly string[], token: string): StateLease {
    const versions = new Map<string, number>();
    const states = new Map<string, PersonState>();
    for (const id of ids) {
      const v = this.states.get(id);
      versions.set(id, v?.version ?? 0);
      if (v) states.set(id, v.state);
    }
    const stale = () =>
      ids.filter((id) => {
        return !this.holds(id, token) || (this.states.get(id)?.version ?? 0) !== versions.get(id);
      });
    return {
      personIds: new Set(ids),
      states,
      spare: (id) => {
        const v = this.states.get(id);
        if (v === undefined || v.spare === null || !this.holds(id, token)) return null;
        const spare = v.spare;
        v.spare = null;
        return spare;
      },
      verify: async () => {
        const lost = stale();
        if (lost.length > 0) throw new StaleStateError(lost);
        for (const id of ids) this.leases.set(id, { token, expiresAt: this.clock() + this.options.leaseMs });
      },
      commit: async (changed, due) => {
        const lost = stale();
        if (lost.length > 0) throw new StaleStateError(lost);
        for (const id of [...changed.keys(), ...(due?.keys() ?? [])]) {
          if (!versions.has(id)) throw new Error(`person ${id} was not leased by this batch`);
        }
        for (const [id, state] of changed) {
          // The replaced state becomes the person's spare: a batch reads committed states only while
          // it holds their lease, and a state is never kept beyond its batch (decision 0013).
          const old = this.states.get(id)?.state;
          const spare = old !== undefined && old !== state ? old : null;
          this.states.set(id, { state, version: versions.get(id)! + 1, spare });
          this.changed.add(id);
        }
        for (const [id, t] of due ?? []) this.dues.set(id, t);
        this.releaseAll(ids, token);
      },
      release: async () => this.releaseAll(ids, token),
    };
  }

  async due(now: number, limit: number): Promise<string[]> {
    // A scan: 100,000 numbers take well under a millisecond, once per tick.
    const due: Array<[string, number]> = [];
    for (const [id, t] of this.dues) if (t <= now) due.push([id, t]);
    due.sort((a, b) => a[1] - b[1]);
    return due.slice(0, limit).map(([id]) => id);
  }

  async forgetDue(personIds: readonly string[]): Promise<void> {
    for (const id of personIds) this.dues.delete(id);
  }

  async close(): Promise<void> {}

  private releaseAll(ids: readonly string[], token: string): void {
    for (const id of ids) if (this.leases.get(id)?.token === token) this.leases.delete(id);
  }
}
