// Stage 2, order & dedupe: fixes and events of a device in event-time order; a repeated fix (device,
// ts) or a repeated event (device, ts, type) is refused as a duplicate (counted, not dead-lettered: it
// lost nothing) before any rule sees it (issue 3 item 4). A QoS 1 message is redelivered when its
// PUBACK was lost, so without this a resent battery_low would be judged again and reopen an alert its
// charging_start had closed. The database's keys are the final guard against a replay after a
// restart, when this in-memory window is empty.
//
// The window is this instance's memory, empty after a restart and blind to what another instance
// committed; a QoS 1 message is redelivered exactly then (committed, stopped before its PUBACK, or
// its session taken over). For events, which are few, the stored rows decide as well
// (refuseStoredEvents): a battery_low from before a charge that has since stopped, judged again,
// reopened battery low on a full battery. Fixes need no such query: the rules refuse a fix no newer
// than the person's last one (stale, duplicate), and their state outlives a restart.
//
// The identity is the database's (primary keys in 002-timeseries.ts), never the seq: a redelivery
// repeats the time, and a device that reboots counts its seq from the start again, so a seq seen
// before may name a new fix. Refused by seq, every fix of a device in a boot loop after its first
// was dropped as a duplicate and the person looked silent while the monitor reported (R4: bad input
// never drops good data around it).
import type pg from 'pg';
import type { Batch, EventItem, FixItem, Stage } from '../types.js';
import { refuseItem } from './refuse.js';

const RECENT_FIXES_PER_DEVICE = 8;
/** Events are rare (a few a day), so the window reaches further back for the same memory. */
const RECENT_EVENTS_PER_DEVICE = 32;

/** The last few keys committed per device. */
class RecentKeys {
  private readonly byDevice = new Map<string, string[]>();

  constructor(private readonly perDevice: number) {}

  has(deviceId: string, key: string): boolean {
    return this.byDevice.get(deviceId)?.includes(key) ?? false;
  }

  add(deviceId: string, key: string): void {
    let keys = this.byDevice.get(deviceId);
    if (!keys) {
      keys = [];
      this.byDevice.set(deviceId, keys);
    }
    keys.push(key);
    if (keys.length > this.perDevice) keys.shift();
  }
}

/** What identifies an item within its device (the database's key). */
interface Identified {
  readonly deviceId: string;
  readonly key: string;
}

const fixKey = ({ fix }: FixItem): Identified => ({ deviceId: fix.deviceId, key: `${fix.ts}` });

// Time and type: two events of different types may share a time (a power_on and its first heartbeat).
const eventKey = ({ event }: EventItem): Identified => ({
  deviceId: event.deviceId,
  key: `${event.ts}|${event.type}`,
});

/**
 * Refuses the items whose keys were seen in this batch or in the committed window. The window itself
 * advances only after commit: a batch that fails and is retried must not find its own items there
 * and refuse them as duplicates after their devices were acknowledged.
 */
function dedupe<T extends FixItem | EventItem>(
  batch: Batch,
  items: readonly T[],
  recent: RecentKeys,
  identify: (item: T) => Identified,
  what: (item: T) => string,
): void {
  const inBatch = new Set<string>();
  const seen: Identified[] = [];
  for (const item of items) {
    if (item.refusal) continue;
    const id = identify(item);
    const batchKey = `${id.deviceId}|${id.key}`;
    if (inBatch.has(batchKey) || recent.has(id.deviceId, id.key)) {
      refuseItem(batch, item, 'duplicate', `device ${id.deviceId} already sent ${what(item)}`);
      continue;
    }
    inBatch.add(batchKey);
    seen.push(id);
  }
  batch.afterCommit.push(() => {
    for (const id of seen) recent.add(id.deviceId, id.key);
  });
}

/**
 * Refuses the events of the batch already stored (device, ts, type): one query per batch that has
 * events. Outside the batch's transaction: an event another instance is committing at this moment
 * is one the window of neither could catch, and the insert's `on conflict do nothing` still keeps
 * it stored once.
 */
async function refuseStoredEvents(batch: Batch, db: Pick<pg.Pool, 'query'>): Promise<void> {
  const pending = batch.events.filter((item) => !item.refusal);
  if (pending.length === 0) return;
  const res = await db.query<{ device_id: string; ts: Date; type: string }>(
    `select e.device_id, e.ts, e.type from device_events e
     join unnest($1::text[], $2::timestamptz[], $3::text[]) as k(device_id, ts, type)
       on e.device_id = k.device_id and e.ts = k.ts and e.type = k.type`,
    [
      pending.map(({ event }) => event.deviceId),
      pending.map(({ event }) => new Date(event.ts).toISOString()),
      pending.map(({ event }) => event.type),
    ],
  );
  if (res.rows.length === 0) return;
  const stored = new Set(res.rows.map((r) => `${r.device_id}|${r.ts.getTime()}|${r.type}`));
  for (const item of pending) {
    const { event } = item;
    if (stored.has(`${event.deviceId}|${event.ts}|${event.type}`)) {
      refuseItem(
        batch,
        item,
        'duplicate',
        `device ${event.deviceId} already sent ${event.type} at ts ${event.ts} (stored)`,
      );
    }
  }
}

/** `db`: where stored events are looked up (absent in a stage's unit tests: the window only). */
export function orderAndDedupeStage(db?: Pick<pg.Pool, 'query'>): Stage {
  const recentFixes = new RecentKeys(RECENT_FIXES_PER_DEVICE);
  const recentEvents = new RecentKeys(RECENT_EVENTS_PER_DEVICE);
  return {
    name: 'order-and-dedupe',
    async run(batch) {
      batch.fixes.sort((a, b) =>
        a.fix.deviceId === b.fix.deviceId ? a.fix.ts - b.fix.ts : a.fix.deviceId < b.fix.deviceId ? -1 : 1,
      );
      batch.events.sort((a, b) => a.event.ts - b.event.ts);
      dedupe(batch, batch.fixes, recentFixes, fixKey, ({ fix }) => `a fix at ts ${fix.ts}`);
      dedupe(batch, batch.events, recentEvents, eventKey, ({ event }) => `${event.type} at ts ${event.ts}`);
      if (db) await refuseStoredEvents(batch, db);
    },
  };
}
