// When a person's timers next need a look: the earliest time at which evaluateClock
// (src/domain/rules/evaluate-clock.ts) could say something it would not say now. The pipeline keeps
// this due time per person and each clock tick evaluates only the people whose time has come, so a
// tick costs what is due, not the whole caseload (issue 8: a tick that leased all 100,000 people
// every second held everyone away from the other instances; issue 4: timers to the second).
//
// Every condition evaluateClock tests against `now` is listed here; a due time may be early (the
// evaluation then changes nothing), never late: test/domain/rules/clock-due.test.ts checks that
// between `now` and the due time the clock evaluation stays silent. A due time is also never more than
// MAX_CLOCK_GAP_MS away, so a person is looked at now and then whatever the schedule says.
import { curfewStretchEnd, curfewWindowsAround } from './curfew-schedule.js';
import { coverageEnd, coverageStart } from './em-order.js';
import { hasOpenAlerts } from './order-end.js';
import type { PersonRulesContext } from './person-context.js';
import { orderActiveAt } from './person-context.js';
import { IDLE_TRACK, type PersonState } from './person-state.js';
import { FIX_OVERDUE_INTERVALS } from './supervision-levels.js';

const DAY_MS = 86_400_000;
/** Longest time between two clock evaluations of one person (a safety net, not a schedule). */
export const MAX_CLOCK_GAP_MS = 10 * 60_000;
/** Curfew windows are looked up this many days ahead; beyond that the safety net applies. */
const CURFEW_HORIZON_DAYS = 8;

export function nextClockDue(
  ctx: PersonRulesContext,
  state: PersonState,
  now: number,
  maxGapMs = MAX_CLOCK_GAP_MS,
): number {
  let due = now + maxGapMs;
  const consider = (t: number) => {
    if (t > now && t < due) due = t;
  };

  // Outside every EM period nothing is evaluated (Art. 29): the next period's start is what matters,
  // unless something is still open, which the next evaluation closes (order-end.ts).
  if (!orderActiveAt(ctx, now)) {
    if (hasOpenAlerts(state)) return now + 1;
    for (const p of ctx.orders) consider(p.start);
    return due;
  }

  // The end of coverage closes whatever is open (order-end.ts, Art. 29).
  if (hasOpenAlerts(state)) consider(coverageEnd(ctx.orders, now));

  // Lost contact opens once silence exceeds the level's timeout, then reports each whole day (Art. 30).
  const lost = state.episodes.lost_contact;
  const since = silenceSince(ctx, state, now);
  const opensAt = since + ctx.params.lostContactMs + 1;
  if (lost === undefined) consider(opensAt);
  else consider(Math.max(opensAt, since + ((lost.days ?? 0) + 1) * DAY_MS));

  // Leave overdue: a permit covers up to and including its deadline (end + grace), so the first
  // instant it can be overdue, or stop covering another permit's overdue person, is just after.
  if (ctx.permits.length > 0 && state.episodes.leave_overdue === undefined) {
    for (const p of ctx.permits) consider(p.end + p.graceMs + 1);
  }

  // Curfew: an open breach closes at the end of its stretch of windows; the presence check of a window not yet
  // ended and with no fix in it runs at presenceCheckAt (a fix in it is judged by evaluateFix), or
  // just after a leave suspending it ends (a permit covers up to and including its deadline).
  if (ctx.curfew !== null && ctx.residence !== null) {
    if (state.curfew !== IDLE_TRACK) consider(curfewStretchEnd(ctx.curfew, state.curfew.windowEnd, now));
    for (const w of curfewWindowsAround(ctx.curfew, now, CURFEW_HORIZON_DAYS)) {
      if (w.end > now && state.lastTs < w.start) consider(presenceCheckAt(ctx, state.lastTs, w.start));
    }
    for (const p of ctx.permits) if (!p.standing) consider(p.end + p.graceMs + 1);
  }
  return due;
}

/**
 * The first instant the curfew presence check of a window starting at `windowStart` may judge a
 * last fix taken at `lastTs` (evaluate-clock.ts): the evidence time after the start, and the next
 * regular fix overdue (FIX_OVERDUE_INTERVALS), whichever is later.
 */
export function presenceCheckAt(ctx: PersonRulesContext, lastTs: number, windowStart: number): number {
  const p = ctx.params;
  return Math.max(
    windowStart + p.zoneEvidence.seconds * 1000,
    lastTs + FIX_OVERDUE_INTERVALS * p.reportIntervalMs + 1,
  );
}

/**
 * Where the silence that lost contact measures began (Art. 30): the last contact, but never before
 * the start of the EM coverage running at `now` (before it the rules did not apply, Art. 29). A person
 * never heard from counts from their first state (the pipeline keeps it from the first look on).
 */
export function silenceSince(ctx: PersonRulesContext, state: PersonState, now: number): number {
  const start = coverageStart(ctx.orders, now);
  return Number.isNaN(start) ? state.lastContactTs : Math.max(state.lastContactTs, start);
}

const keys = new WeakMap<PersonRulesContext, string>();

/**
 * Everything of a person's context that nextClockDue reads, as a string: two contexts with the same
 * key give the same due times. A directory reload recompiles every context; comparing keys tells
 * which people's timers actually changed (src/pipeline/timer-schedule.ts).
 */
export function clockInputsKey(ctx: PersonRulesContext): string {
  let key = keys.get(ctx);
  if (key === undefined) {
    const p = ctx.params;
    key = JSON.stringify([
      p.lostContactMs,
      p.zoneEvidence.seconds,
      p.reportIntervalMs,
      ctx.orders.map((o) => [o.start, o.end]),
      ctx.permits.map((q) => [q.id, q.start, q.end, q.graceMs, q.standing]),
      ctx.residence?.id ?? null,
      ctx.curfew ? [ctx.curfew.byWeekday, [...ctx.curfew.byLocalDay]] : null,
    ]);
    keys.set(ctx, key);
  }
  return key;
}
