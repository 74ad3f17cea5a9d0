// EM orders (Art. 29): one of the five legal grounds, an approver, at most three months a period.
// Recording one is a county or city action, since the county agency approves EM use.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { EmGround } from '../../../schemas/enums.js';
import { createEmOrder, revokeEmOrder } from '../../admin/em-orders.js';
import { mayRecordEmOrder } from '../../auth/access.js';
import { ForbiddenError, NotFoundError } from '../../auth/access-errors.js';
import { type ApiDeps, auditedWrite, callerOf, writerOf } from '../api-context.js';
import { IdParams, IsoInstant, StatedReason, secured } from '../schemas.js';
import { personInScope } from '../scope.js';

const NewEmOrder = z.object({
  superviseeId: z.string().min(1),
  ground: EmGround,
  approver: z.string().min(1).max(200).describe('head of the county justice bureau who approved (Art. 29)'),
  startsAt: IsoInstant,
  endsAt: IsoInstant,
  renewsOrderId: z.string().nullable().optional(),
});

const EmRevocation = z.object({
  reason: StatedReason.describe('why EM ends early: the sentence ended, the court revoked EM, custody...'),
  effectiveAt: IsoInstant.optional().describe(
    'when EM ended (default now, or the start of an order not yet begun): not before the order starts, not in the future, before its end',
  ),
});

export function emOrderRoutes(deps: ApiDeps) {
  return async (app: FastifyInstance) => {
    const api = app.withTypeProvider<ZodTypeProvider>();
    const meta = { tags: ['EM orders'], security: secured };
    api.get('/supervisees/:id/em-orders', { schema: { ...meta, params: IdParams } }, async (req) => {
      await personInScope(deps.pool, callerOf(req), req.params.id);
      const res = await deps.pool.query(
        `select id, supervisee_id as "superviseeId", ground, approver, approved_by_user_id as "approvedByUserId",
           approved_at as "approvedAt", starts_at as "startsAt", ends_at as "endsAt", renews_order_id as "renewsOrderId",
           revoked_at as "revokedAt", revoke_reason as "revokeReason", revoked_by_user_id as "revokedByUserId"
           from em_orders where supervisee_id = $1 order by starts_at`,
        [req.params.id],
      );
      return { items: res.rows };
    });
    api.post('/em-orders', { schema: { ...meta, body: NewEmOrder } }, async (req, reply) => {
      const caller = writerOf(req);
      if (!mayRecordEmOrder(caller.role))
        throw new ForbiddenError('EM orders are recorded by the county agency (Art. 29)');
      const input = req.body;
      await personInScope(deps.pool, caller, input.superviseeId);
      const id = await auditedWrite(
        deps,
        caller,
        (ctx) =>
          createEmOrder(ctx, {
            ...input,
            approvedByUserId: caller.userId,
            startsAt: Date.parse(input.startsAt),
            endsAt: Date.parse(input.endsAt),
          }),
        (orderId) => ({
          action: 'em_order.create',
          subjectSuperviseeId: input.superviseeId,
          detail: { orderId, ground: input.ground },
        }),
      );
      return reply.code(201).send({ id });
    });
    // Ending EM early (Art. 29): by whoever may record EM orders, in their jurisdiction. Effective at
    // once: the directory reloads, later fixes are refused (no_active_order), and what is open
    // closes at `effectiveAt` with reason order_ended (src/admin/em-orders.ts revokeEmOrder).
    api.post(
      '/em-orders/:id/revoke',
      { schema: { ...meta, params: IdParams, body: EmRevocation } },
      async (req) => {
        const caller = writerOf(req);
        if (!mayRecordEmOrder(caller.role))
          throw new ForbiddenError('EM orders are revoked by the county agency (Art. 29)');
        const owner = await deps.pool.query<{ supervisee_id: string }>(
          'select supervisee_id from em_orders where id = $1',
          [req.params.id],
        );
        const superviseeId = owner.rows[0]?.supervisee_id;
        if (!superviseeId) throw new NotFoundError('EM order');
        await personInScope(deps.pool, caller, superviseeId).catch(() => {
          throw new NotFoundError('EM order');
        });
        const revoked = await auditedWrite(
          deps,
          caller,
          (ctx) =>
            revokeEmOrder(ctx, {
              orderId: req.params.id,
              reason: req.body.reason,
              ...(req.body.effectiveAt ? { effectiveAt: Date.parse(req.body.effectiveAt) } : {}),
              revokedByUserId: caller.userId,
              now: deps.clock(),
            }),
          (r) => ({
            action: 'em_order.revoke',
            subjectSuperviseeId: r.superviseeId,
            detail: {
              orderId: req.params.id,
              reason: req.body.reason,
              revokedAt: new Date(r.revokedAt).toISOString(),
              alsoRevoked: r.alsoRevoked,
            },
          }),
        );
        return {
          id: req.params.id,
          revokedAt: new Date(revoked.revokedAt).toISOString(),
          alsoRevoked: revoked.alsoRevoked,
        };
      },
    );
  };
}
