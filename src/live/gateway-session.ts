// One console connection: catch up from the database, then live, with no gap and no duplicate.
//
// The feed is subscribed before the catch-up query, and live rows arriving meanwhile are buffered;
// after the last catch-up page the buffer is flushed, dropping every row with cursor ≤ the last one
// sent. A console that cannot keep up (bufferedAmount over the limit, or more live rows held during
// its catch-up than maxPendingRows) is closed with SLOW_CONSUMER so it resumes from its cursor,
// instead of growing memory here or slowing other consoles.
import type pg from 'pg';
import type { WebSocket } from 'ws';
import { type Caller, inScope, scopePattern } from '../auth/access.js';
import type { IncidentEventRow } from '../incidents/apply-alert-changes.js';

export const CLOSE = {
  /** Server shutting down: reconnect (elsewhere) and resume from the last cursor. */
  GOING_AWAY: 1001,
  /**
   * The console sent a message: the feed is one-way and takes none. Ignored, a malformed
   * subscription went unanswered and a flood was read without end; closed, the client is told why.
   */
  UNEXPECTED_MESSAGE: 1008,
  /** Catch-up failed on our side: reconnect later and resume. */
  INTERNAL_ERROR: 1011,
  /** The console fell behind: reconnect with ?since=<last cursor>. */
  SLOW_CONSUMER: 4008,
  /** The console stopped reading (no answer to a ping): reconnect with ?since=<last cursor>. */
  NOT_READING: 4009,
  /** The token expired, or the account was disabled or removed: log in again (as REST's 401). */
  TOKEN_EXPIRED: 4401,
  /** The account's role or unit changed, so its scope did: log in again to work in the new one. */
  ACCOUNT_CHANGED: 4403,
} as const;

const MAX_PENDING_ROWS = 10_000;

export interface SessionOptions {
  readonly maxBufferedBytes: number;
  readonly catchUpPageSize: number;
  /** Live rows held while catching up; past this the console is closed SLOW_CONSUMER (default 10,000). */
  readonly maxPendingRows?: number | undefined;
}

export interface LiveMessage {
  readonly type: 'incident';
  readonly cursor: number;
  readonly incidentId: number;
  readonly action: string;
  readonly actor: string;
  readonly at: string;
  readonly incident: Record<string, unknown>;
}

/**
 * The incident as pushed, without its evidence: those are the person's fixes, and a location read is
 * recorded with whose it is and why (Art. 29, 54, 61). A push goes to every console in scope with no
 * purpose and no per-person audit row (only live.subscribe), so positions stay behind the audited
 * read, GET /incidents/:id?purpose=, as they do for the incident list.
 */
const toMessage = (row: IncidentEventRow): LiveMessage => {
  const { evidence: _positions, ...incident } = row.data;
  return {
    type: 'incident',
    cursor: row.cursor,
    incidentId: row.incidentId,
    action: row.action,
    actor: row.actor,
    at: row.at,
    incident,
  };
};

export class LiveSession {
  private lastSent: number;
  private pending: IncidentEventRow[] | null = [];
  private closed = false;
  /** The code this side closed with, if it did (SLOW_CONSUMER is counted and logged by the gateway). */
  closeCode: number | null = null;

  constructor(
    private readonly ws: WebSocket,
    readonly caller: Caller,
    since: number,
    private readonly pool: pg.Pool,
    private readonly options: SessionOptions,
  ) {
    this.lastSent = since;
  }

  /** Called for every committed incident event on this instance (IncidentFeed). */
  onLive(row: IncidentEventRow): void {
    if (this.closed || !inScope(this.caller, row.orgPath)) return;
    if (!this.pending) {
      this.deliver(row, true);
      return;
    }
    // Catch-up goes at the console's pace, so a slow reader with a long backlog held every live row
    // of its scope meanwhile, without bound. Past the limit it resumes from its cursor, as live does.
    if (this.pending.length >= (this.options.maxPendingRows ?? MAX_PENDING_ROWS)) {
      this.pending = [];
      this.close(CLOSE.SLOW_CONSUMER, `too slow to catch up; resume with since=${this.lastSent}`);
      return;
    }
    this.pending.push(row);
  }

  async catchUp(): Promise<void> {
    const pattern = scopePattern(this.caller.orgPath);
    for (;;) {
      const page = await this.pool.query<{
        cursor: number;
        incident_id: number;
        org_path: string;
        at: Date;
        actor: string;
        action: string;
        data: Record<string, unknown>;
      }>(
        `select cursor, incident_id, org_path, at, actor, action, data from incident_events
         where cursor > $1 and org_path like $2 order by cursor limit $3`,
        [this.lastSent, pattern, this.options.catchUpPageSize],
      );
      for (const r of page.rows) {
        this.deliver(
          {
            cursor: r.cursor,
            incidentId: r.incident_id,
            orgPath: r.org_path,
            at: r.at.toISOString(),
            actor: r.actor,
            action: r.action,
            data: r.data,
          },
          false,
        );
      }
      if (this.closed || page.rows.length < this.options.catchUpPageSize) break;
      await this.drained();
    }
    const buffered = this.pending ?? [];
    this.pending = null;
    for (const row of buffered) this.deliver(row, false);
    this.send({ type: 'caught_up', cursor: this.lastSent });
  }

  close(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.closeCode = code;
    this.ws.close(code, reason);
    // A peer that does not read will not complete the closing handshake either.
    setTimeout(() => this.ws.terminate(), 5000).unref();
  }

  markClosed(): void {
    this.closed = true;
  }

  get cursor(): number {
    return this.lastSent;
  }

  /** Catch-up paces itself (drained); only live delivery judges the console too slow. */
  private deliver(row: IncidentEventRow, live: boolean): void {
    if (this.closed || row.cursor <= this.lastSent) return;
    if (live && this.ws.bufferedAmount > this.options.maxBufferedBytes) {
      this.close(CLOSE.SLOW_CONSUMER, `too slow; resume with since=${this.lastSent}`);
      return;
    }
    this.send(toMessage(row));
    this.lastSent = row.cursor;
  }

  send(message: object): void {
    if (!this.closed) this.ws.send(JSON.stringify(message));
  }

  /** Resolves once everything queued so far has been handed to the socket (catch-up backpressure). */
  private drained(): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) =>
      this.ws.send(JSON.stringify({ type: 'progress', cursor: this.lastSent }), () => resolve()),
    );
  }
}
