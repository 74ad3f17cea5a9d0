// Leave permits (Art. 27): request, approve (office up to 7 days, county longer, never over 30),
// record the return, and call it off (cancel). The approver's level is the caller's unit level, never a
// request field.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  approveLeavePermit,
  cancelLeavePermit,
  recordLeaveReturn,
  requestLeavePermit,
} from '../../admin/leave-permits.js';
import type { Caller } from '../../auth/access.js';
import { approverLevelOf, inScope, scopePattern } from '../../auth/access.js';
import { NotFoundError } from '../../auth/access-errors.js';
import { type ApiDeps, auditedWrite, callerOf, writerOf } from '../api-context.js';
import { IdParams, IsoInstant, OffsetPage, offsetPage, StatedReason, secured } from '../schemas.js';
import { personInScope, zoneInScope } from '../scope.js';

const LeaveStatus = z.enum(['requested', 'approved', 'rejected', 'returned', 'cancelled']);

const NewLeave = z.object({
  superviseeId: z.string().min(1),
  destinationZoneId: z.string().nullable().default(null),
  startsAt: IsoInstant,
  endsAt: IsoInstant,
  reason: z.string().min(1).max(1000),
  graceMinutes: z
    .int()
    .min(0)
    .max(24 * 60)
    .optional(),
});

const COLUMNS = `p.id, p.supervisee_id as "superviseeId", p.destination_zone_id as "destinationZoneId",
  p.starts_at as "startsAt", p.ends_at as "endsAt", p.grace_minutes as "graceMinutes", p.reason, p.status,
  p.approved_by_user_id as "approvedByUserId", p.approver_level as "approverLevel", p.returned_at as "returnedAt",
  p.cancelled_at as "cancelledAt", p.cancel_reason as "cancelReason", p.cancelled_by_user_id as "cancelledByUserId"`;

async function permitInScope(deps: ApiDeps, caller: Caller, id: string) {
  const res = await deps.pool.query<{ supervisee_id: string; path: string }>(
    `select p.supervisee_id, o.path from leave_permits p join supervisees s on s.id = p.supervisee_id
     join org_units o on o.id = s.org_unit_id where p.id = $1`,
    [id],
  );
  const permit = res.rows[0];
  if (!permit || !inScope(caller, permit.path)) throw new NotFoundError('leave permit');
  return permit;
}

export function leavePermitRoutes(deps: ApiDeps) {
  return async (app: FastifyInstance) => {
    const api = app.withTypeProvider<ZodTypeProvider>();
    const meta = { tags: ['leave permits'], security: secured };
    const ListQuery = OffsetPage.extend({
      superviseeId: z.string().optional(),
      status: LeaveStatus.optional(),
    });
    api.get('/leave-permits', { schema: { ...meta, querystring: ListQuery } }, async (req) => {
      const q = req.query;
      const res = await deps.pool.query(
        `select ${COLUMNS} from leave_permits p join supervisees s on s.id = p.supervisee_id
         join org_units o on o.id = s.org_unit_id
         where o.path like $1 and ($2::text is null or p.supervisee_id = $2) and ($3::text is null or p.status = $3)
         order by p.starts_at desc, p.id limit $4 offset $5`,
        [scopePattern(callerOf(req).orgPath), q.superviseeId ?? null, q.status ?? null, q.limit, q.offset],
      );
      return offsetPage(res.rows, q);
    });
    api.post('/leave-permits', { schema: { ...meta, body: NewLeave } }, async (req, reply) => {
      const caller = writerOf(req);
      const input = req.body;
      await personInScope(deps.pool, caller, input.superviseeId);
      if (input.destinationZoneId) await zoneInScope(deps.pool, caller, input.destinationZoneId);
      const id = await auditedWrite(
        deps,
        caller,
        (ctx) =>
          requestLeavePermit(ctx, {
            ...input,
            startsAt: Date.parse(input.startsAt),
            endsAt: Date.parse(input.endsAt),
          }),
        (permitId) => ({
          action: 'leave.request',
          subjectSuperviseeId: input.superviseeId,
          detail: { permitId },
        }),
      );
      return reply.code(201).send({ id, status: 'requested' });
    });
    api.post('/leave-permits/:id/approve', { schema: { ...meta, params: IdParams } }, async (req) => {
      const caller = writerOf(req);
      const permit = await permitInScope(deps, caller, req.params.id);
      const approverLevel = approverLevelOf(caller);
      await auditedWrite(
        deps,
        caller,
        (ctx) =>
          approveLeavePermit(ctx, {
            permitId: req.params.id,
            approvedByUserId: caller.userId,
            approverLevel,
          }),
        () => ({
          action: 'leave.approve',
          subjectSuperviseeId: permit.supervisee_id,
          detail: { permitId: req.params.id, approverLevel },
        }),
      );
      return { id: req.params.id, status: 'approved', approverLevel };
    });
    api.post(
      '/leave-permits/:id/return',
      {
        schema: {
          ...meta,
          params: IdParams,
          body: z.object({ returnedAt: IsoInstant.optional() }).optional(),
        },
      },
      async (req) => {
        const caller = writerOf(req);
        const permit = await permitInScope(deps, caller, req.params.id);
        const returnedAt = req.body?.returnedAt ? Date.parse(req.body.returnedAt) : deps.clock();
        await auditedWrite(
          deps,
          caller,
          (ctx) => recordLeaveReturn(ctx, req.params.id, returnedAt),
          () => ({
            action: 'leave.return',
            subjectSuperviseeId: permit.supervisee_id,
            detail: { permitId: req.params.id },
          }),
        );
        return { id: req.params.id, status: 'returned', returnedAt: new Date(returnedAt).toISOString() };
      },
    );
    // Calling leave off, before or during it (Art. 27), by whoever may approve it. Effective now, never
    // back-dated: an earlier cancellation would turn time the person spent away on approved leave into
    // a violation after the fact (Art. 34). The rules end the permit at the cancellation, its grace
    // running from there (src/admin/leave-permits.ts cancelLeavePermit).
    api.post(
      '/leave-permits/:id/cancel',
      { schema: { ...meta, params: IdParams, body: z.object({ reason: StatedReason }) } },
      async (req) => {
        const caller = writerOf(req);
        const permit = await permitInScope(deps, caller, req.params.id);
        const cancelledAt = deps.clock();
        const cancellerLevel = approverLevelOf(caller);
        await auditedWrite(
          deps,
          caller,
          (ctx) =>
            cancelLeavePermit(ctx, {
              permitId: req.params.id,
              reason: req.body.reason,
              cancelledByUserId: caller.userId,
              cancellerLevel,
              cancelledAt,
            }),
          () => ({
            action: 'leave.cancel',
            subjectSuperviseeId: permit.supervisee_id,
            detail: { permitId: req.params.id, reason: req.body.reason, cancellerLevel },
          }),
        );
        return { id: req.params.id, status: 'cancelled', cancelledAt: new Date(cancelledAt).toISOString() };
      },
    );
  };
}
