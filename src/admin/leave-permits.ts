// Leave (请假, Art. 27): requested for a destination and a period, approved by the judicial office up
// to 7 days or by the county agency for longer, never over 30 days (validateLeavePermit), and closed
// when the person is recorded back, or called off (cancelled, until its cancellation). Only approved,
// returned or cancelled-while-running permits reach the rules.
import { randomUUID } from 'node:crypto';
import { ForbiddenError } from '../auth/access-errors.js';
import {
  leaveSpanWith,
  MAX_LEAVE_MS,
  type PermitPeriod,
  validateLeavePermit,
} from '../domain/rules/leave-permit.js';
import { type AdminContext, ValidationError } from './admin-context.js';

export interface LeaveRequest {
  superviseeId: string;
  destinationZoneId: string | null;
  startsAt: number;
  endsAt: number;
  reason: string;
  graceMinutes?: number;
}

export interface LeaveApproval {
  permitId: string;
  approvedByUserId: string;
  approverLevel: 'office' | 'county';
}

export class LeaveStateError extends Error {}

export async function requestLeavePermit(ctx: AdminContext, input: LeaveRequest): Promise<string> {
  const length = input.endsAt - input.startsAt;
  if (!(length > 0)) throw new ValidationError(['period: start must be before end']);
  if (length > MAX_LEAVE_MS) throw new ValidationError(['period: leave may not exceed 30 days']);
  // Approved leave opens a destination area and a time window (Art. 27); the rules take in only
  // permits with a destination (src/directory/load-directory.ts), so one without it would be
  // approved and still leave the person alerted as gone without leave.
  if (!input.destinationZoneId) throw new ValidationError(['destinationZoneId: leave names its destination']);
  const id = randomUUID();
  await ctx.pool.query(
    `insert into leave_permits (id, supervisee_id, destination_zone_id, starts_at, ends_at, grace_minutes, reason, status)
     values ($1, $2, $3, $4, $5, $6, $7, 'requested')`,
    [
      id,
      input.superviseeId,
      input.destinationZoneId,
      new Date(input.startsAt),
      new Date(input.endsAt),
      input.graceMinutes ?? 60,
      input.reason,
    ],
  );
  return id;
}

interface LockedPermit {
  readonly superviseeId: string;
  readonly permit: { status: string; starts_at: Date; ends_at: Date; grace_minutes: number };
}

/**
 * Locks the permit's person, then the permit, in the caller's transaction (held to its commit): one
 * change to a person's leave at a time, judged on what the others have committed (approval limits
 * over the chain of extensions, cancellation). Person first, as every leave change takes them.
 */
async function lockPermit(ctx: AdminContext, permitId: string): Promise<LockedPermit> {
  const owner = await ctx.pool.query<{ supervisee_id: string }>(
    'select supervisee_id from leave_permits where id = $1',
    [permitId],
  );
  const superviseeId = owner.rows[0]?.supervisee_id;
  if (!superviseeId) throw new LeaveStateError('no such permit');
  await ctx.pool.query('select 1 from supervisees where id = $1 for update', [superviseeId]);
  const res = await ctx.pool.query<LockedPermit['permit']>(
    'select status, starts_at, ends_at, grace_minutes from leave_permits where id = $1 for update',
    [permitId],
  );
  const permit = res.rows[0];
  if (!permit) throw new LeaveStateError('no such permit');
  return { superviseeId, permit };
}

export async function approveLeavePermit(ctx: AdminContext, input: LeaveApproval): Promise<void> {
  // One approval per person at a time, so two permits approved at once cannot each pass the limits
  // alone and together exceed them.
  const { superviseeId, permit } = await lockPermit(ctx, input.permitId);
  if (permit.status !== 'requested') throw new LeaveStateError(`permit is ${permit.status}, not requested`);
  // Art. 27 limits the leave, not each permit: an extension (续假) chained to approved permits makes
  // one leave with them (src/domain/rules/leave-permit.ts), and that whole span is what is approved.
  const verdict = await judgeLeaveSpan(ctx, superviseeId, input.permitId, permit, {
    level: input.approverLevel,
    userId: input.approvedByUserId,
  });
  if (!verdict.ok) throw new ValidationError(verdict.reasons);
  await ctx.pool.query(
    `update leave_permits set status = 'approved', approved_by_user_id = $2, approver_level = $3 where id = $1`,
    [input.permitId, input.approvedByUserId, input.approverLevel],
  );
  await ctx.directoryChanged();
}

/** The person is back: the permit stops covering positions from `returnedAt` on. */
export async function recordLeaveReturn(
  ctx: AdminContext,
  permitId: string,
  returnedAt: number,
): Promise<void> {
  const res = await ctx.pool.query<{ status: string }>(
    'select status from leave_permits where id = $1 for update',
    [permitId],
  );
  const status = res.rows[0]?.status;
  if (!status) throw new LeaveStateError('no such permit');
  if (status !== 'approved') throw new LeaveStateError(`permit is ${status}, not approved`);
  await ctx.pool.query(`update leave_permits set status = 'returned', returned_at = $2 where id = $1`, [
    permitId,
    new Date(returnedAt),
  ]);
  await ctx.directoryChanged();
}

export interface LeaveCancellation {
  permitId: string;
  reason: string;
  cancelledByUserId: string;
  /** The caller's unit level: whoever may approve the permit may call it off (Art. 27). */
  cancellerLevel: 'office' | 'county';
  cancelledAt: number;
}

/**
 * Calls off approved leave, before or during it (Art. 27). The permit keeps its approved period and
 * gets `cancelled_at`; the rules end it there (src/directory/load-directory.ts): from the
 * cancellation the person is bound by curfew and county again. Someone away at that moment is not
 * alerted at once as gone without leave, which would punish being where they were allowed to be a
 * moment ago (Art. 34): the permit's grace runs from the cancellation as from any end, and then
 * leave-overdue applies as for a leave that ran out. Cancelled before it began, it never covers them.
 * Only an approved permit is cancelled, by whoever may approve it: the office up to 7 days, the
 * county longer (the same span approval judges: the chain of extensions it makes one leave with).
 */
export async function cancelLeavePermit(
  ctx: AdminContext,
  input: LeaveCancellation,
): Promise<{ superviseeId: string }> {
  const { superviseeId, permit } = await lockPermit(ctx, input.permitId);
  if (permit.status !== 'approved') throw new LeaveStateError(`permit is ${permit.status}, not approved`);
  if (input.cancelledAt >= permit.ends_at.getTime()) {
    throw new LeaveStateError('the leave has already ended; record the return instead');
  }
  const verdict = await judgeLeaveSpan(ctx, superviseeId, input.permitId, permit, {
    level: input.cancellerLevel,
    userId: input.cancelledByUserId,
  });
  if (!verdict.ok) throw new ForbiddenError('leave over 7 days is called off by the county agency (Art. 27)');
  await ctx.pool.query(
    `update leave_permits set status = 'cancelled', cancelled_at = $2, cancel_reason = $3, cancelled_by_user_id = $4
     where id = $1`,
    [input.permitId, new Date(input.cancelledAt), input.reason, input.cancelledByUserId],
  );
  await ctx.directoryChanged();
  return { superviseeId };
}

/**
 * The approval limits (Art. 27) applied to the whole leave the permit belongs to: with the approved
 * permits chained to it (extensions), judged for a decision by `by` at their level. Approving and
 * calling off leave both need the level the whole span needs.
 */
async function judgeLeaveSpan(
  ctx: AdminContext,
  superviseeId: string,
  permitId: string,
  permit: LockedPermit['permit'],
  by: { level: 'office' | 'county'; userId: string },
): Promise<ReturnType<typeof validateLeavePermit>> {
  const span = leaveSpanWith(await approvedPeriodsBeside(ctx, superviseeId, permitId), periodOf(permit));
  return validateLeavePermit({
    start: span.start,
    end: span.end,
    approverLevel: by.level,
    approvedBy: by.userId,
  });
}

function periodOf(p: { starts_at: Date; ends_at: Date; grace_minutes: number }): PermitPeriod {
  return { start: p.starts_at.getTime(), end: p.ends_at.getTime(), graceMs: p.grace_minutes * 60_000 };
}

/**
 * The person's other permits as the rules see them (load-directory.ts): approved or returned, and
 * cancelled ones up to their cancellation, each ending at its return or cancellation if earlier.
 */
async function approvedPeriodsBeside(
  ctx: AdminContext,
  superviseeId: string,
  permitId: string,
): Promise<PermitPeriod[]> {
  const others = await ctx.pool.query<{
    starts_at: Date;
    ends_at: Date;
    grace_minutes: number;
    returned_at: Date | null;
    cancelled_at: Date | null;
  }>(
    `select starts_at, ends_at, grace_minutes, returned_at, cancelled_at from leave_permits
     where supervisee_id = $1 and id <> $2
       and (status in ('approved', 'returned') or (status = 'cancelled' and cancelled_at > starts_at))`,
    [superviseeId, permitId],
  );
  return others.rows.map((o) => ({
    start: o.starts_at.getTime(),
    end: Math.min(
      o.ends_at.getTime(),
      o.returned_at?.getTime() ?? Number.POSITIVE_INFINITY,
      o.cancelled_at?.getTime() ?? Number.POSITIVE_INFINITY,
    ),
    graceMs: o.grace_minutes * 60_000,
  }));
}
