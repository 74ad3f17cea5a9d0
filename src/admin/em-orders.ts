// EM orders (Art. 29): refused without one of the five grounds, without an approver, or longer than
// three months; a renewal is a new approved period that names the order it extends.
import { randomUUID } from 'node:crypto';
import { validateEmOrder } from '../domain/rules/em-order.js';
import { type AdminContext, ValidationError } from './admin-context.js';

export interface NewEmOrder {
  superviseeId: string;
  ground: string;
  approver: string;
  approvedByUserId?: string | null;
  startsAt: number;
  endsAt: number;
  renewsOrderId?: string | null;
}

export async function createEmOrder(ctx: AdminContext, input: NewEmOrder): Promise<string> {
  const verdict = validateEmOrder({
    id: 'new',
    ground: input.ground,
    approvedBy: input.approver,
    start: input.startsAt,
    end: input.endsAt,
  });
  if (!verdict.ok) throw new ValidationError(verdict.reasons);
  if (input.renewsOrderId) await assertRenewsOwnOrder(ctx, input.superviseeId, input.renewsOrderId);
  const id = randomUUID();
  await ctx.pool.query(
    `insert into em_orders (id, supervisee_id, ground, approver, approved_by_user_id, approved_at, starts_at, ends_at,
       renews_order_id) values ($1, $2, $3, $4, $5, now(), $6, $7, $8)`,
    [
      id,
      input.superviseeId,
      input.ground,
      input.approver,
      input.approvedByUserId ?? null,
      new Date(input.startsAt),
      new Date(input.endsAt),
      input.renewsOrderId ?? null,
    ],
  );
  await ctx.directoryChanged();
  return id;
}

/**
 * An extension continues one person's EM (Art. 29: each period approved anew): the order it renews
 * must be that person's. Another person's order and an unknown id get the same answer, so the refusal
 * says nothing about orders outside the caller's scope.
 */
async function assertRenewsOwnOrder(ctx: AdminContext, superviseeId: string, orderId: string): Promise<void> {
  const res = await ctx.pool.query('select 1 from em_orders where id = $1 and supervisee_id = $2', [
    orderId,
    superviseeId,
  ]);
  if (res.rowCount === 0) throw new ValidationError(['renewsOrderId: no order of this person has that id']);
}
