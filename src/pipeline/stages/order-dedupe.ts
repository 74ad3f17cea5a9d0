// Stage 2, order & dedupe: fixes of a device in event-time order; a repeated (device, seq) or
// (device, ts) is dropped idempotently (issue 3 item 4). The database's (device_id, ts) key is the
// final guard against a replay after a restart, when this in-memory window is empty.
import type { Stage } from '../types.js';
import { refuseItem } from './refuse.js';

const RECENT_PER_DEVICE = 8;

interface Recent {
  ts: number[];
  seq: number[];
}

export function orderAndDedupeStage(): Stage {
  const recent = new Map<string, Recent>();
  const remember = (deviceId: string, ts: number, seq: number | null) => {
    let r = recent.get(deviceId);
    if (!r) {
      r = { ts: [], seq: [] };
      recent.set(deviceId, r);
    }
    r.ts.push(ts);
    if (r.ts.length > RECENT_PER_DEVICE) r.ts.shift();
    if (seq !== null) {
      r.seq.push(seq);
      if (r.seq.length > RECENT_PER_DEVICE) r.seq.shift();
    }
  };
  return {
    name: 'order-and-dedupe',
    run(batch) {
      batch.fixes.sort((a, b) =>
        a.fix.deviceId === b.fix.deviceId ? a.fix.ts - b.fix.ts : a.fix.deviceId < b.fix.deviceId ? -1 : 1,
      );
      // Seen within this batch, checked against the window of committed batches. The window itself
      // advances only after commit: a batch that fails and is retried must not find its own fixes
      // there and refuse them as duplicates after their devices were acknowledged.
      const inBatch = new Set<string>();
      const seen: Array<[string, number, number | null]> = [];
      for (const item of batch.fixes) {
        if (item.refusal) continue;
        const { deviceId, ts, seq } = item.fix;
        const r = recent.get(deviceId);
        const tsKey = `${deviceId}|t${ts}`;
        const seqKey = seq === null ? null : `${deviceId}|s${seq}`;
        if (
          inBatch.has(tsKey) ||
          (seqKey !== null && inBatch.has(seqKey)) ||
          r?.ts.includes(ts) ||
          (seq !== null && r?.seq.includes(seq))
        ) {
          refuseItem(batch, item, 'duplicate', `device ${deviceId} already sent seq ${seq} / ts ${ts}`);
          continue;
        }
        inBatch.add(tsKey);
        if (seqKey !== null) inBatch.add(seqKey);
        seen.push([deviceId, ts, seq]);
      }
      batch.afterCommit.push(() => {
        for (const [deviceId, ts, seq] of seen) remember(deviceId, ts, seq);
      });
      batch.events.sort((a, b) => a.event.ts - b.event.ts);
    },
  };
}
