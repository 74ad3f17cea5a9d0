// EM orders (Art. 29): refused without one of the five grounds, without an approver, or longer than
// three months; a renewal is a new approved period that names the order it extends.
import { randomUUID } from 'node:crypto';
import { ConflictError, NotFoundError } from '../auth/access-errors.js';
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
 * stretch EM past 3 months of one approval. A revoked order counts only up to its revocation (it
 * ran until then; one revoked from its start never ran), so a new period may start at the revocation.
 */
async function assertNoOverlap(ctx: AdminContext, input: NewEmOrder): Promise<void> {
  const res = await ctx.pool.query(
    `select 1 from em_orders where supervisee_id = $1 and starts_at < $3
       and least(ends_at, revoked_at) > greatest(starts_at, $2)`,
    [input.superviseeId, new Date(input.startsAt), new Date(input.endsAt)],
  );
  if ((res.rowCount ?? 0) > 0) {
    throw new ValidationError([
      'period: overlaps another EM order of this person; extend with a renewal starting when it ends (Art. 29)',
    ]);
  }
}

export interface EmRevocation {
  orderId: string;
  reason: string;
  /**
   * When EM ends (event time): never before the order's start, never after `now`. Unset: now, or the
   * order's start for an order that has not begun (it never runs).
   */
  effectiveAt?: number;
  revokedByUserId: string;
  now: number;
}

export interface RevokedEmOrder {
  superviseeId: string;
  revokedAt: number;
  /** Later periods of the person (renewals already recorded) that the revocation ends with it. */
  alsoRevoked: string[];
}

/**
 * Ends EM early (Art. 29): the sentence ends, the court revokes EM, the person is taken into custody.
 * From `effectiveAt` no period of the person covers anything: location is no longer collected or
 * judged (fixes are refused as no_active_order) and the rules close what is open at that instant
 * with reason order_ended (src/domain/rules/order-end.ts). The order keeps its approved period and
 * gets `revoked_at`; the directory ends it there (src/directory/load-directory.ts), as oversight
 * does (src/oversight/em-legality.ts). Periods of the person recorded to follow it (renewals) end
 * with it: EM has lost its ground, and a renewal starting later would restart monitoring nobody
 * ordered any more (Art. 34). Revoking twice is a conflict: the first revocation stands.
 */
export async function revokeEmOrder(ctx: AdminContext, input: EmRevocation): Promise<RevokedEmOrder> {
  const owner = await ctx.pool.query<{ supervisee_id: string }>(
    'select supervisee_id from em_orders where id = $1',
    [input.orderId],
  );
  const superviseeId = owner.rows[0]?.supervisee_id;
  if (!superviseeId) throw new NotFoundError('EM order');
  // The same per-person lock as recording an order, so a renewal cannot slip in beside the revocation.
  await ctx.pool.query('select 1 from supervisees where id = $1 for update', [superviseeId]);
  const res = await ctx.pool.query<{ starts_at: Date; ends_at: Date; revoked_at: Date | null }>(
    'select starts_at, ends_at, revoked_at from em_orders where id = $1 for update',
    [input.orderId],
  );
  const order = res.rows[0]!;
  if (order.revoked_at) {
    throw new ConflictError(
      `the order was already revoked at ${order.revoked_at.toISOString()}`,
      'already_revoked',
    );
  }
  const effectiveAt = input.effectiveAt ?? Math.max(input.now, order.starts_at.getTime());
  const reasons: string[] = [];
  if (effectiveAt < order.starts_at.getTime())
    reasons.push('effectiveAt: before the order starts; an order that never ran is revoked from its start');
  if (input.effectiveAt !== undefined && effectiveAt > input.now)
    reasons.push('effectiveAt: in the future; record a revocation once it is in force');
  if (effectiveAt >= order.ends_at.getTime())
    reasons.push('effectiveAt: at or after the order ends; there is nothing left to revoke');
  if (reasons.length > 0) throw new ValidationError(reasons);
  await ctx.pool.query(
    'update em_orders set revoked_at = $2, revoke_reason = $3, revoked_by_user_id = $4 where id = $1',
    [input.orderId, new Date(effectiveAt), input.reason, input.revokedByUserId],
  );
  // Later periods: revoked from their own start (they never run).
  const later = await ctx.pool.query<{ id: string }>(
    `update em_orders set revoked_at = starts_at, revoke_reason = $3, revoked_by_user_id = $4
     where supervisee_id = $1 and id <> $2 and revoked_at is null and starts_at >= $5 returning id`,
    [superviseeId, input.orderId, input.reason, input.revokedByUserId, new Date(effectiveAt)],
  );
  await ctx.directoryChanged();
  return { superviseeId, revokedAt: effectiveAt, alsoRevoked: later.rows.map((r) => r.id) };
}
