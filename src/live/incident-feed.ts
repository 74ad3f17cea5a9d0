// Fan-out of committed incident changes to the live consoles on this instance.
//
// One instance: rows are emitted as they are committed. Several instances (issue 8): rows come from
// this instance's commits and, through Redis, from the others', in no particular order; the feed
// then emits in cursor order without gaps. Every writer of incident_events holds one table lock
// from its insert to its commit (lockIncidentEvents), so once cursor n is committed every lower
// cursor is committed or rolled back for good. So a row arriving past the next expected cursor means
// rows in between are in the database (or never will be): they are read from there first. A poll
// (`catchUp`) covers rows whose announcement was lost (an instance killed between commit and publish,
// a Redis outage). Consoles that miss a message still resume from the database by cursor.
import { EventEmitter } from 'node:events';
import type pg from 'pg';
import type { IncidentEventRow } from '../incidents/apply-alert-changes.js';

const FILL_PAGE = 1000;

interface EventRecord {
  cursor: string | number;
  incident_id: string | number;
  org_path: string;
  at: Date;
  actor: string;
  action: string;
  data: Record<string, unknown>;
}

export const incidentEventRow = (r: EventRecord): IncidentEventRow => ({
  cursor: Number(r.cursor),
  incidentId: Number(r.incident_id),
  orgPath: r.org_path,
  at: r.at.toISOString(),
  actor: r.actor,
  action: r.action,
  data: r.data,
});

export class IncidentFeed {
  private readonly emitter = new EventEmitter();
  /** Cross-instance mode: the last cursor emitted, and the serial queue that keeps emits in order. */
  private head: number | null = null;
  private pool: pg.Pool | null = null;
  private queue: Promise<void> = Promise.resolve();

  constructor() {
    this.emitter.setMaxListeners(0);
  }

  /** Switches to cursor-ordered delivery from the newest committed cursor (several instances). */
  async ordered(pool: pg.Pool): Promise<void> {
    const res = await pool.query<{ head: string }>(
      'select coalesce(max(cursor), 0)::bigint as head from incident_events',
    );
    this.pool = pool;
    this.head = Number(res.rows[0]?.head ?? 0);
  }

  publish(rows: readonly IncidentEventRow[]): void {
    if (this.head === null) {
      for (const row of rows) this.emitter.emit('incident', row);
      return;
    }
    const sorted = [...rows].sort((a, b) => a.cursor - b.cursor);
    this.enqueue(async () => {
      for (const row of sorted) {
        if (row.cursor <= this.head!) continue;
        if (row.cursor > this.head! + 1) await this.fill(row.cursor - 1);
        if (row.cursor <= this.head!) continue;
        this.emit(row);
      }
    });
  }

  /** Emits whatever was committed past the last emitted cursor (the lost-announcement poll). */
  catchUp(): Promise<void> {
    return this.enqueue(() => this.fill(Number.MAX_SAFE_INTEGER));
  }

  subscribe(listener: (row: IncidentEventRow) => void): () => void {
    this.emitter.on('incident', listener);
    return () => this.emitter.off('incident', listener);
  }

  private emit(row: IncidentEventRow): void {
    this.head = row.cursor;
    this.emitter.emit('incident', row);
  }

  private enqueue(work: () => Promise<void>): Promise<void> {
    // A failed read leaves the head where it is; the next row or poll tries again.
    this.queue = this.queue.then(work).catch(() => {});
    return this.queue;
  }

  /** Emits committed rows after the head up to `upTo`, from the database. */
  private async fill(upTo: number): Promise<void> {
    for (;;) {
      const page = await this.pool!.query<EventRecord>(
        `select cursor, incident_id, org_path, at, actor, action, data from incident_events
         where cursor > $1 and cursor <= $2 order by cursor limit $3`,
        [this.head, upTo, FILL_PAGE],
      );
      for (const r of page.rows) this.emit(incidentEventRow(r));
      if (page.rows.length < FILL_PAGE) return;
    }
  }
}
