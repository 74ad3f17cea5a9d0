// Leave (请假, Art. 27): requested for a destination and a period, approved by the judicial office up
// to 7 days or by the county agency for longer, never over 30 days (validateLeavePermit), and closed
// when the person is recorded back. Only approved (or returned) permits reach the rules.
import { randomUUID } from 'node:crypto';
import { leaveSpanWith, MAX_LEAVE_MS, validateLeavePermit } from '../domain/rules/leave-permit.js';
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

export async function approveLeavePermit(ctx: AdminContext, input: LeaveApproval): Promise<void> {
  // One approval per person at a time (the caller's transaction holds the lock to its commit), so two
  // permits approved at once cannot each pass the limits alone and together exceed them.
  const owner = await ctx.pool.query<{ supervisee_id: string }>(
    'select supervisee_id from leave_permits where id = $1',
    [input.permitId],
  );
  const superviseeId = owner.rows[0]?.supervisee_id;
  if (!superviseeId) throw new LeaveStateError('no such permit');
  await ctx.pool.query('select 1 from supervisees where id = $1 for update', [superviseeId]);
  const res = await ctx.pool.query<{ status: string; starts_at: Date; ends_at: Date; grace_minutes: number }>(
    'select status, starts_at, ends_at, grace_minutes from leave_permits where id = $1 for update',
    [input.permitId],
  );
  const permit = res.rows[0];
  if (!permit) throw new LeaveStateError('no such permit');
  if (permit.status !== 'requested') throw new LeaveStateError(`permit is ${permit.status}, not requested`);
  // Art. 27 limits the leave, not each permit: an extension (续假) chained to approved permits makes
  // one leave with them (src/domain/rules/leave-permit.ts), and that whole span is what is approved.
  const others = await ctx.pool.query<{
    starts_at: Date;
    ends_at: Date;
    grace_minutes: number;
    returned_at: Date | null;
  }>(
    `select starts_at, ends_at, grace_minutes, returned_at from leave_permits
     where supervisee_id = $1 and id <> $2 and status in ('approved', 'returned')`,
    [superviseeId, input.permitId],
  );
  const span = leaveSpanWith(
    others.rows.map((o) => ({
      start: o.starts_at.getTime(),
      end: o.returned_at ? Math.min(o.ends_at.getTime(), o.returned_at.getTime()) : o.ends_at.getTime(),
      graceMs: o.grace_minutes * 60_000,
    })),
    {
      start: permit.starts_at.getTime(),
      end: permit.ends_at.getTime(),
      graceMs: permit.grace_minutes * 60_000,
    },
  );
  const verdict = validateLeavePermit({
    start: span.start,
    end: span.end,
    approverLevel: input.approverLevel,
    approvedBy: input.approvedByUserId,
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
