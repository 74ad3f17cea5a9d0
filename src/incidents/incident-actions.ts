// Officers work an incident to a close (issue 5): acknowledge, comment, resolve with a disposition
// and a note. Each action is one transaction holding the incident update, its incident_events row
// (actor = the user) and its audit entry; the event is published only after commit.
//
// Cursor order = commit order: every writer of incident_events takes the exclusive lock on it
// (lockIncidentEvents) before its insert and holds it until its commit, so a console resuming from a
// cursor never later sees a smaller one commit.
//
// Lock order differs by writer. An officer's action here (and the escalation runner) locks the
// incident row first, then incident_events, then audit_log (appendAudit). The pipeline's persist
// stage takes incident_events first, then the rows of the incidents it changes (applyAlertChange).
// So an action and a batch on the same incident can each wait for the other; PostgreSQL breaks the
// cycle (40P01) by aborting one: an action is retried here (incidentTransaction), a batch by the
// batcher's retry.
import type pg from 'pg';
import { z } from 'zod';
import type { AlertKind } from '../../schemas/enums.js';
import { DISPOSITIONS, dispositionsFor } from '../../schemas/resolution.js';
import { appendAudit } from '../audit/audit-log.js';
import { type Caller, canWrite, inScope } from '../auth/access.js';
import { ConflictError, ForbiddenError, NotFoundError } from '../auth/access-errors.js';
import { INCIDENT_COLUMNS, type IncidentEventRow, recordIncidentEvent } from './apply-alert-changes.js';

/** How an incident was closed; required to resolve (issue 5). */
export const Disposition = z.enum(DISPOSITIONS);
export type Disposition = z.infer<typeof Disposition>;

export interface IncidentActionContext {
  readonly pool: pg.Pool;
  publish(rows: readonly IncidentEventRow[]): void;
  readonly clock: () => number;
}

type IncidentRow = Record<string, unknown> & {
  id: number;
  org_path: string;
  state: string;
  supervisee_id: string;
  kind: AlertKind;
  condition_active: boolean;
  resolved_by: string | null;
  disposition: string | null;
};

const RETRYABLE = new Set(['40P01', '40001']);
const ATTEMPTS = 4;

/** Runs `work` in a transaction (retrying lock cycles), then publishes what it recorded. */
export async function incidentTransaction(
  ctx: Pick<IncidentActionContext, 'pool' | 'publish'>,
  work: (client: pg.PoolClient) => Promise<IncidentEventRow[]>,
): Promise<IncidentEventRow[]> {
  for (let attempt = 1; ; attempt++) {
    const client = await ctx.pool.connect();
    let rows: IncidentEventRow[];
    try {
      await client.query('begin');
      rows = await work(client);
      await client.query('commit');
    } catch (err) {
      await client.query('rollback').catch(() => {});
      client.release();
      const code = (err as { code?: string }).code;
      if (code && RETRYABLE.has(code) && attempt < ATTEMPTS) continue;
      throw err;
    }
    client.release();
    ctx.publish(rows);
    return rows;
  }
}

export async function lockIncidentEvents(client: Pick<pg.PoolClient, 'query'>): Promise<void> {
  await client.query('lock table incident_events in exclusive mode');
}

async function actOn(
  ctx: IncidentActionContext,
  caller: Caller,
  incidentId: number,
  action: string | ((incident: IncidentRow) => string),
  change: (client: pg.PoolClient, incident: IncidentRow, now: Date) => Promise<Record<string, unknown>>,
  detail: Record<string, unknown>,
): Promise<IncidentEventRow> {
  if (!canWrite(caller.role)) throw new ForbiddenError('read-only role');
  const [row] = await incidentTransaction(ctx, async (client) => {
    const res = await client.query<IncidentRow>(
      `select ${INCIDENT_COLUMNS} from incidents where id = $1 for update`,
      [incidentId],
    );
    const incident = res.rows[0];
    if (!incident || !inScope(caller, incident.org_path)) throw new NotFoundError('incident');
    await lockIncidentEvents(client);
    // The action's time; the incident's updated_at is set to no earlier than it already is (consoles
    // keep it as the version, and another instance's clock may run ahead: apply-alert-changes.ts).
    const now = new Date(ctx.clock());
    const name = typeof action === 'string' ? action : action(incident);
    const updated = await change(client, incident, now);
    const event = await recordIncidentEvent(client, { ...updated, ...detail }, caller.userId, name);
    await appendAudit(
      client,
      {
        actorUserId: caller.userId,
        actorRole: caller.role,
        action: `incident.${name}`,
        subjectSuperviseeId: incident.supervisee_id,
        detail: { incidentId, cursor: event.cursor, ...detail },
      },
      now.getTime(),
    );
    return [event];
  });
  return row!;
}

export function acknowledgeIncident(
  ctx: IncidentActionContext,
  caller: Caller,
  incidentId: number,
): Promise<IncidentEventRow> {
  return actOn(
    ctx,
    caller,
    incidentId,
    'acknowledged',
    async (client, incident, now) => {
      if (incident.state !== 'open') throw new ConflictError(`incident is ${incident.state}, not open`);
      const res = await client.query(
        `update incidents set state = 'acknowledged', acknowledged_at = $2, acknowledged_by = $3,
           updated_at = greatest(updated_at, $2) where id = $1 returning ${INCIDENT_COLUMNS}`,
        [incident.id, now, caller.userId],
      );
      return res.rows[0];
    },
    {},
  );
}

/**
 * An incident that needs an officer to close (NEEDS_OFFICER_TO_CLOSE) whose condition is still on is
 * resolved only with a disposition in CLOSES_WHILE_ONGOING (409, reason condition_ongoing). Kinds
 * with no reported end (NO_END_REPORTED: a strap cut) are always the officer's call.
 */
function refuseWhileOngoing(incident: IncidentRow, disposition: Disposition): void {
  const allowed = dispositionsFor(incident.kind, incident.condition_active);
  if (allowed.includes(disposition)) return;
  throw new ConflictError(
    `the ${incident.kind} is still going on: resolve it once it has ended, or now only as ${allowed.join(' or ')}`,
    'condition_ongoing',
    { allowedDispositions: allowed },
  );
}

/**
 * Closed by the rules when its condition cleared (disposition condition_cleared, no resolver) and no
 * officer has yet recorded what they did about it: the one record an officer may add to a resolved
 * incident.
 */
const awaitsOfficerDisposition = (incident: IncidentRow): boolean =>
  incident.state === 'resolved' &&
  incident.resolved_by === null &&
  incident.disposition === 'condition_cleared';

/**
 * The officer's disposition and note on an incident the rules auto-resolved: it stays resolved at the
 * time the condition cleared (resolved_at is when it ended, not when the paperwork was done) and is
 * not reopened; resolved_by becomes the officer, so the record is made once.
 */
async function recordDisposition(
  client: pg.PoolClient,
  incident: IncidentRow,
  caller: Caller,
  input: { disposition: Disposition; note: string },
  now: Date,
): Promise<Record<string, unknown>> {
  const res = await client.query(
    `update incidents set resolved_by = $3, disposition = $4, note = $5, updated_at = greatest(updated_at, $2)
     where id = $1 returning ${INCIDENT_COLUMNS}`,
    [incident.id, now, caller.userId, input.disposition, input.note],
  );
  return res.rows[0];
}

/**
 * Resolves an open or acknowledged incident, or records the officer's disposition on one the rules
 * auto-resolved (event and audit action 'disposition_recorded'). An incident an officer resolved is
 * a conflict.
 */
export function resolveIncident(
  ctx: IncidentActionContext,
  caller: Caller,
  incidentId: number,
  input: { disposition: Disposition; note: string },
): Promise<IncidentEventRow> {
  return actOn(
    ctx,
    caller,
    incidentId,
    (incident) => (awaitsOfficerDisposition(incident) ? 'disposition_recorded' : 'resolved'),
    async (client, incident, now) => {
      if (awaitsOfficerDisposition(incident)) return recordDisposition(client, incident, caller, input, now);
      if (incident.state === 'resolved') throw new ConflictError('incident is already resolved');
      refuseWhileOngoing(incident, input.disposition);
      const res = await client.query(
        `update incidents set state = 'resolved', resolved_at = $2, resolved_by = $3, disposition = $4, note = $5,
           updated_at = greatest(updated_at, $2), acknowledged_at = coalesce(acknowledged_at, $2),
           acknowledged_by = coalesce(acknowledged_by, $3)
         where id = $1 returning ${INCIDENT_COLUMNS}`,
        [incident.id, now, caller.userId, input.disposition, input.note],
      );
      return res.rows[0];
    },
    { disposition: input.disposition, note: input.note },
  );
}

export function commentOnIncident(
  ctx: IncidentActionContext,
  caller: Caller,
  incidentId: number,
  comment: string,
): Promise<IncidentEventRow> {
  return actOn(
    ctx,
    caller,
    incidentId,
    'commented',
    async (client, incident, now) => {
      const res = await client.query(
        `update incidents set updated_at = greatest(updated_at, $2) where id = $1 returning ${INCIDENT_COLUMNS}`,
        [incident.id, now],
      );
      return res.rows[0];
    },
    { comment },
  );
}
