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
  // One order at a time per person (the caller's transaction holds the lock to its commit), so two
  // overlapping orders recorded at once cannot both pass the check below.
  await ctx.pool.query('select 1 from supervisees where id = $1 for update', [input.superviseeId]);
  if (input.renewsOrderId) await assertRenewsOwnOrder(ctx, input.superviseeId, input.renewsOrderId);
  await assertNoOverlap(ctx, input);
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

/**
 * Each EM period is at most 3 months and is extended only by a new approved period (Art. 29): an
 * order overlapping a running one, or a renewal starting before the period it renews ends, would
 * stretch EM past 3 months of one approval. Revoked orders do not count.
 */
async function assertNoOverlap(ctx: AdminContext, input: NewEmOrder): Promise<void> {
  const res = await ctx.pool.query(
    `select 1 from em_orders where supervisee_id = $1 and revoked_at is null and starts_at < $3 and ends_at > $2`,
    [input.superviseeId, new Date(input.startsAt), new Date(input.endsAt)],
  );
  if ((res.rowCount ?? 0) > 0) {
    throw new ValidationError([
      'period: overlaps another EM order of this person; extend with a renewal starting when it ends (Art. 29)',
    ]);
  }
}
