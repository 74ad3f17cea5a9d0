// Between order & dedupe and evaluate, lease state: takes the leases of the people this batch concerns and loads their decision
// state (src/pipeline/state-store.ts). With several instances this is what keeps one person's
// decisions serial: another instance's batch for the same person waits until this one commits.
// A clock tick concerns everybody (timers, gatherings of linked people).
import type { Directory } from '../../directory/directory.js';
import type { PersonStateStore } from '../state-store.js';
import type { Stage } from '../types.js';

export function leaseStateStage(directory: Directory, store: PersonStateStore): Stage {
  return {
    name: 'lease-state',
    async run(batch) {
      const people = new Set<string>();
      for (const item of [...batch.fixes, ...batch.events]) {
        if (!item.refusal && item.superviseeId !== null) people.add(item.superviseeId);
      }
      if (batch.submissions.some((s) => s.tick !== undefined)) {
        for (const id of directory.current.persons.keys()) people.add(id);
      }
      batch.lease = await store.lease(people);
    },
  };
}
