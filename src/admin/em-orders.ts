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
