// Messages between instances through Redis pub/sub (issue 8): committed incident changes, so a console
// on any instance sees incidents decided on every instance, and "the directory changed", so an admin
// change made through one instance reaches every instance's directory. Pub/sub is not durable, and
// need not be: consoles resume from the database by cursor and the feed polls for lost announcements
// (src/live/incident-feed.ts); a lost directory message is covered by the periodic reload.
import type { Redis } from 'ioredis';
import type { IncidentEventRow } from '../../incidents/apply-alert-changes.js';
import type { Logger } from '../../logger.js';

export interface InstanceBus {
  publishIncidents(rows: readonly IncidentEventRow[]): void;
  announceDirectoryChange(): void;
  close(): Promise<void>;
}

export interface InstanceBusHandlers {
  onIncidents(rows: readonly IncidentEventRow[]): void;
  onDirectoryChanged(): void;
}

interface BusMessage {
  from: string;
  rows?: IncidentEventRow[];
}

export async function startRedisBus(
  redis: Redis,
  prefix: string,
  instanceId: string,
  handlers: InstanceBusHandlers,
  log: Logger,
): Promise<InstanceBus> {
  const incidents = `${prefix}incidents`;
  const directory = `${prefix}directory`;
  // A connection in subscriber mode can do nothing else: its own.
  const subscriber = redis.duplicate();
  subscriber.on('error', (err) => log.warn({ err: err.message }, 'redis subscriber error'));
  subscriber.on('message', (channel: string, text: string) => {
    let message: BusMessage;
    try {
      message = JSON.parse(text) as BusMessage;
    } catch {
      log.warn({ channel }, 'unreadable instance message ignored');
      return;
    }
    if (message.from === instanceId) return; // this instance already handled its own
    if (channel === incidents && Array.isArray(message.rows)) handlers.onIncidents(message.rows);
    else if (channel === directory) handlers.onDirectoryChanged();
  });
  await subscriber.subscribe(incidents, directory);
  const send = (channel: string, message: BusMessage) => {
    redis.publish(channel, JSON.stringify(message)).catch((err: Error) => {
      log.warn({ err: err.message, channel }, 'instance message not sent; other instances catch up by poll');
    });
  };
  return {
    publishIncidents(rows) {
      if (rows.length > 0) send(incidents, { from: instanceId, rows: [...rows] });
    },
    announceDirectoryChange() {
      send(directory, { from: instanceId });
    },
    async close() {
      await subscriber.quit().catch(() => subscriber.disconnect());
    },
  };
}
