// Lease state, before the batch forms: takes the leases of the people the batch's messages concern
// and loads their decision state (src/pipeline/state-store.ts). With several instances this keeps one
// person's decisions serial (issue 8). Leases are claimed, never waited for: a message whose person
// another instance holds right now is deferred to this instance's next batch, while the rest of the
// batch goes ahead. (Waiting with some leases held let three instances' large batches queue behind
// one another until leases lapsed, and throughput fell to nothing.) A clock tick concerns the people
// whose timers are due (everybody when it names nobody); it evaluates those it could claim, and the
// busy few on the next tick (they are still due).
import { type Directory, linkedPeople } from '../../directory/directory.js';
import type { PersonStateStore, StateClaim } from '../state-store.js';
import type { Submission } from '../types.js';

export interface ClaimedSubmissions {
  readonly lease: StateClaim;
  /** Positions (in the submissions given) of messages whose person was busy elsewhere. */
  readonly deferred: ReadonlySet<number>;
}

export function leaseState(directory: Directory, store: PersonStateStore) {
  return async function claimFor(submissions: readonly Submission[]): Promise<ClaimedSubmissions> {
    const people = new Set<string>();
    const owners: Array<Set<string>> = submissions.map((s) => {
      // The supervisee of each item's device (authorize refuses items whose device has none).
      const own = new Set<string>();
      for (const item of [...s.fixes, ...s.events]) {
        const id = directory.device(item.deviceId)?.superviseeId;
        if (id) own.add(id);
      }
      for (const id of own) people.add(id);
      return own;
    });
    for (const s of submissions) {
      if (s.tick === undefined) continue;
      for (const id of s.tickPeople ?? directory.current.persons.keys()) people.add(id);
      // Gatherings are judged at each tick from the linked people's positions (evaluate stage).
      for (const id of linkedPeople(directory.current)) people.add(id);
    }
    const lease = await store.claim(people);
    const deferred = new Set<number>();
    if (lease.busy.size > 0) {
      owners.forEach((own, i) => {
        if (submissions[i]!.tick === undefined && [...own].some((id) => lease.busy.has(id))) deferred.add(i);
      });
    }
    return { lease, deferred };
  };
}
