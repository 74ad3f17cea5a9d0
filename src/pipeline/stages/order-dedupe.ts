// Stage 2, order & dedupe: fixes and events of a device in event-time order; a repeated fix (device,
// seq) or (device, ts), or a repeated event (device, seq) or (device, ts, type), is refused as a
// duplicate (counted, not dead-lettered: it lost nothing) before any rule sees it (issue 3 item 4). A
// QoS 1 message is redelivered when its PUBACK was lost, so without this a resent battery_low would be
// judged again and reopen an alert its charging_start had closed. The database's keys are the final
// guard against a replay after a restart, when this in-memory window is empty.
import type { Batch, EventItem, FixItem, Stage } from '../types.js';
import { refuseItem } from './refuse.js';

const RECENT_FIXES_PER_DEVICE = 8;
/** Events are rare (a few a day), so the window reaches further back for the same memory. */
const RECENT_EVENTS_PER_DEVICE = 32;

/**
 * The last few keys committed per device, one list per kind of key (its first letter: `t` time, `s`
 * seq), so a device that sends no seq does not shorten its window of times.
 */
class RecentKeys {
  private readonly byDevice = new Map<string, string[]>();

  constructor(private readonly perDevice: number) {}

  has(deviceId: string, key: string): boolean {
    return this.byDevice.get(`${deviceId}|${key[0]}`)?.includes(key) ?? false;
  }

  add(deviceId: string, key: string): void {
    const list = `${deviceId}|${key[0]}`;
    let keys = this.byDevice.get(list);
    if (!keys) {
      keys = [];
      this.byDevice.set(list, keys);
    }
    keys.push(key);
    if (keys.length > this.perDevice) keys.shift();
  }
}

/** What identifies an item: any one key already seen makes it a duplicate. */
interface Identified {
  readonly deviceId: string;
  readonly keys: readonly string[];
}

const fixKeys = ({ fix }: FixItem): Identified => ({
  deviceId: fix.deviceId,
  keys: fix.seq === null ? [`t${fix.ts}`] : [`t${fix.ts}`, `s${fix.seq}`],
});

const eventKeys = ({ event }: EventItem): Identified => ({
  deviceId: event.deviceId,
  // Without a seq (DeviceEvent allows none) only the time and type identify it, as for fixes: a
  // key of "snull" would make every later event of the device a duplicate of the first.
  keys: event.seq === null ? [`t${event.ts}|${event.type}`] : [`t${event.ts}|${event.type}`, `s${event.seq}`],
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
    const repeated = id.keys.some((k) => inBatch.has(`${id.deviceId}|${k}`) || recent.has(id.deviceId, k));
    if (repeated) {
      refuseItem(batch, item, 'duplicate', `device ${id.deviceId} already sent ${what(item)}`);
      continue;
    }
    for (const k of id.keys) inBatch.add(`${id.deviceId}|${k}`);
    seen.push(id);
  }
  batch.afterCommit.push(() => {
    for (const id of seen) for (const k of id.keys) recent.add(id.deviceId, k);
  });
}

export function orderAndDedupeStage(): Stage {
  const recentFixes = new RecentKeys(RECENT_FIXES_PER_DEVICE);
  const recentEvents = new RecentKeys(RECENT_EVENTS_PER_DEVICE);
  return {
    name: 'order-and-dedupe',
    run(batch) {
      batch.fixes.sort((a, b) =>
        a.fix.deviceId === b.fix.deviceId ? a.fix.ts - b.fix.ts : a.fix.deviceId < b.fix.deviceId ? -1 : 1,
      );
      batch.events.sort((a, b) => a.event.ts - b.event.ts);
      dedupe(batch, batch.fixes, recentFixes, fixKeys, ({ fix }) => `seq ${fix.seq} / ts ${fix.ts}`);
      dedupe(
        batch,
        batch.events,
        recentEvents,
        eventKeys,
        ({ event }) => `event seq ${event.seq} / ${event.type} at ts ${event.ts}`,
      );
    },
  };
}
