// Protected positions, between order & dedupe and evaluate: the batch's fixes from protected persons'
// phones are recorded, and the latest fix of every phone a supervisee of the batch is judged against
// is fetched (src/pipeline/protected-positions.ts). With several instances these come from Redis, so
// a victim's phone read by one instance counts for a supervisee judged by another (issue 8).
import type { Directory } from '../../directory/directory.js';
import type { ProtectedPhoneFix, ProtectedPositionStore } from '../protected-positions.js';
import type { Stage } from '../types.js';

export function protectedPositionsStage(directory: Directory, store: ProtectedPositionStore): Stage {
  return {
    name: 'protected positions',
    async run(batch) {
      const fixes: ProtectedPhoneFix[] = [];
      const wanted = new Set<string>();
      for (const item of batch.fixes) {
        if (item.refusal) continue;
        // Authorize let through without a supervisee only the phones of protected persons.
        if (item.superviseeId === null) {
          const f = item.fix;
          fixes.push({ deviceId: f.deviceId, ts: f.ts, lat: f.lat, lon: f.lon, acc: f.accuracyM });
          continue;
        }
        const context = directory.person(item.superviseeId)?.context;
        if (context?.hasProtectedPersons) for (const p of context.protectedPersons) wanted.add(p.id);
      }
      // Most batches concern nobody with a protected person: no round trip.
      if (fixes.length === 0 && wanted.size === 0) return;
      batch.peers = await store.exchange(fixes, wanted);
    },
  };
}
