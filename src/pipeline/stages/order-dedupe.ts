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
  return {
    name: 'order-and-dedupe',
    run(batch) {
      batch.fixes.sort((a, b) =>
        a.fix.deviceId === b.fix.deviceId ? a.fix.ts - b.fix.ts : a.fix.deviceId < b.fix.deviceId ? -1 : 1,
      );
      for (const item of batch.fixes) {
        if (item.refusal) continue;
        const { deviceId, ts, seq } = item.fix;
        let r = recent.get(deviceId);
        if (!r) {
          r = { ts: [], seq: [] };
          recent.set(deviceId, r);
        }
        if (r.ts.includes(ts) || (seq !== null && r.seq.includes(seq))) {
          refuseItem(batch, item, 'duplicate', `device ${deviceId} already sent seq ${seq} / ts ${ts}`);
          continue;
        }
        r.ts.push(ts);
        if (r.ts.length > RECENT_PER_DEVICE) r.ts.shift();
        if (seq !== null) {
          r.seq.push(seq);
          if (r.seq.length > RECENT_PER_DEVICE) r.seq.shift();
        }
      }
      batch.events.sort((a, b) => a.event.ts - b.event.ts);
    },
  };
}
