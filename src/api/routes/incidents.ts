// Incidents: list (filtered, newest first, keyset pages by id), one with its history from
// incident_events, and the officer's actions on it. An incident's evidence (and the incident rows its
// history keeps) holds positions, so reading one needs a stated purpose, audited before anything is
// read like a track read (tracks.ts; Art. 54); lists carry no evidence.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AlertKind, Severity } from '../../../schemas/enums.js';
import { appendAuditNow } from '../../audit/audit-log.js';
import { inScope, scopePattern } from '../../auth/access.js';
import { NotFoundError } from '../../auth/access-errors.js';
import {
  acknowledgeIncident,
  commentOnIncident,
  Disposition,
  type IncidentActionContext,
  resolveIncident,
} from '../../incidents/incident-actions.js';
import { type ApiDeps, callerOf, writerOf } from '../api-context.js';
import { ReadPurpose, secured } from '../schemas.js';

const IncidentState = z.enum(['open', 'acknowledged', 'resolved']);

const ListQuery = z.object({
  state: IncidentState.optional(),
  kind: AlertKind.optional(),
  severity: Severity.optional(),
  superviseeId: z.string().optional(),
  orgUnitId: z.string().optional(),
  minEscalationLevel: z.coerce.number().int().min(0).max(2).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  before: z.coerce.number().int().positive().optional().describe('cursor: the `next` of the previous page'),
});

const IncidentParams = z.object({ id: z.coerce.number().int().positive() });
const ReadQuery = z.object({ purpose: ReadPurpose });

const SUMMARY = `i.id, i.supervisee_id as "superviseeId", i.org_unit_id as "orgUnitId", i.kind, i.zone_id as "zoneId",
  i.severity, i.state, i.condition_active as "conditionActive", i.started_at as "startedAt", i.opened_at as "openedAt",
  i.updated_at as "updatedAt", i.acknowledged_at as "acknowledgedAt", i.acknowledged_by as "acknowledgedBy",
  i.resolved_at as "resolvedAt", i.resolved_by as "resolvedBy", i.disposition, i.note,
  i.escalation_level as "escalationLevel", i.confidence, i.late`;

export function incidentRoutes(deps: ApiDeps) {
  const ctx: IncidentActionContext = {
    pool: deps.pool,
    publish: (rows) => deps.publish(rows),
    clock: deps.clock,
  };
  return async (app: FastifyInstance) => {
    const api = app.withTypeProvider<ZodTypeProvider>();
    const meta = { tags: ['incidents'], security: secured };
    api.get('/incidents', { schema: { ...meta, querystring: ListQuery } }, async (req) => {
      const q = req.query;
      const res = await deps.pool.query<{ id: number }>(
        `select ${SUMMARY} from incidents i
         where i.org_path like $1 and ($2::text is null or i.state = $2) and ($3::text is null or i.kind = $3)
           and ($4::text is null or i.severity = $4) and ($5::text is null or i.supervisee_id = $5)
           and ($6::text is null or i.org_unit_id = $6) and ($7::int is null or i.escalation_level >= $7)
           and ($8::bigint is null or i.id < $8)
         order by i.id desc limit $9`,
        [
          scopePattern(callerOf(req).orgPath),
          q.state ?? null,
          q.kind ?? null,
          q.severity ?? null,
          q.superviseeId ?? null,
          q.orgUnitId ?? null,
          q.minEscalationLevel ?? null,
          q.before ?? null,
          q.limit,
        ],
      );
      const items = res.rows;
      return { items, next: items.length === q.limit ? items[items.length - 1]!.id : null };
    });
    api.get(
      '/incidents/:id',
      { schema: { ...meta, params: IncidentParams, querystring: ReadQuery } },
      async (req) => {
        const caller = callerOf(req);
        // Scope first (out of scope answers 404 like a missing one); its positions are read after the audit.
        // The incident keeps the unit it was opened in, but its evidence is the person's fixes, refreshed
        // while it is open: like a track (personInScope), it is read only where the person is supervised
        // now, so an office a person has left stops reading their positions (Art. 29, 54).
        const scope = await deps.pool.query<{ superviseeId: string; org_path: string; person_path: string }>(
          `select i.supervisee_id as "superviseeId", i.org_path, o.path as person_path
           from incidents i join supervisees s on s.id = i.supervisee_id join org_units o on o.id = s.org_unit_id
           where i.id = $1`,
          [req.params.id],
        );
        const found = scope.rows[0];
        if (!found || !inScope(caller, found.org_path) || !inScope(caller, found.person_path)) {
          throw new NotFoundError('incident');
        }
        await appendAuditNow(
          deps.pool,
          {
            actorUserId: caller.userId,
            actorRole: caller.role,
            action: 'incident.read',
            subjectSuperviseeId: found.superviseeId,
            purpose: req.query.purpose,
            detail: { incidentId: req.params.id },
          },
          deps.clock(),
        );
        const incident = await deps.pool.query(
          `select ${SUMMARY}, i.evidence from incidents i where i.id = $1`,
          [req.params.id],
        );
        const history = await deps.pool.query(
          'select cursor, at, actor, action, data from incident_events where incident_id = $1 order by cursor',
          [req.params.id],
        );
        return { ...incident.rows[0], history: history.rows };
      },
    );
    api.post('/incidents/:id/acknowledge', { schema: { ...meta, params: IncidentParams } }, async (req) => {
      const event = await acknowledgeIncident(ctx, writerOf(req), req.params.id);
      return { cursor: event.cursor, state: 'acknowledged' };
    });
    api.post(
      '/incidents/:id/resolve',
      {
        schema: {
          ...meta,
          params: IncidentParams,
          body: z.object({ disposition: Disposition, note: z.string().trim().min(1).max(2000) }),
        },
      },
      async (req) => {
        const event = await resolveIncident(ctx, writerOf(req), req.params.id, req.body);
        return { cursor: event.cursor, state: 'resolved' };
      },
    );
    api.post(
      '/incidents/:id/comments',
      {
        schema: {
          ...meta,
          params: IncidentParams,
          body: z.object({ comment: z.string().trim().min(1).max(2000) }),
        },
      },
      async (req, reply) => {
        const event = await commentOnIncident(ctx, writerOf(req), req.params.id, req.body.comment);
        return reply.code(201).send({ cursor: event.cursor });
      },
    );
  };
}
