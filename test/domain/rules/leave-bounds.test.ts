// The context's time bounds let evaluateFix skip reading the permits for a fix no permit can cover,
// and answer "inside the EM period?" from the first period's bounds (issue 4: each permit and order
// is a cache miss for 100,000 people). Neither may ever change an answer: whenever a permit covers a
// time (onLeave, permitCovers), the bounds say it may; and the period covers exactly the fixes from
// its start to its end, to the millisecond.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type LeavePermit, onLeave, permitCovers } from '../../../src/domain/rules/leave-permit.js';
import { mayBeOnLeave, orderActiveAt } from '../../../src/domain/rules/person-context.js';
import { at, chengdu, context, DAY, HOUR, MONDAY } from './fixture.js';

const permit = fc
  .record({
    start: fc.integer({ min: -20, max: 40 }),
    days: fc.integer({ min: 0, max: 30 }),
    graceH: fc.integer({ min: 0, max: 24 }),
    standing: fc.boolean(),
  })
  .map(
    (p): LeavePermit => ({
      id: `leave-${p.start}-${p.days}`,
      destination: chengdu,
      start: MONDAY + p.start * DAY,
      end: MONDAY + (p.start + p.days) * DAY,
      graceMs: p.graceH * HOUR,
      standing: p.standing,
    }),
  );

describe('time bounds on the context', () => {
  it('never rule out a time a permit covers, at home, in the destination or on the way', () => {
    const chengduCentre = at(-80_000, 60_000);
    fc.assert(
      fc.property(
        fc.array(permit, { maxLength: 4 }),
        fc.integer({ min: -25 * 24, max: 80 * 24 }),
        fc.constantFrom(at(0, 0), chengduCentre, at(-40_000, 30_000)),
        (permits, hour, where) => {
          const ctx = context({ permits });
          // Times on and around every permit's edges as well as the random one.
          const times = [MONDAY + hour * HOUR];
          for (const p of permits) times.push(p.start, p.start - 1, p.end + p.graceMs, p.end + p.graceMs + 1);
          for (const ts of times) {
            const covered = onLeave(permits, ts) || permitCovers(permits, ts, where.lat, where.lon, 8);
            if (covered) expect(mayBeOnLeave(ctx, ts)).toBe(true);
          }
          if (permits.length === 0) expect(mayBeOnLeave(ctx, MONDAY)).toBe(false);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('answer whether the EM period covers a fix to the millisecond, from whole minutes or not', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -3 * DAY, max: 3 * DAY }),
        fc.integer({ min: 1, max: 5 * DAY }),
        fc.integer({ min: -4 * DAY, max: 9 * DAY }),
        (startOffset, length, tsOffset) => {
          const start = MONDAY + startOffset;
          const end = start + length;
          const ctx = context({ orders: [{ start, end }] });
          for (const ts of [MONDAY + tsOffset, start, start - 1, end, end - 1]) {
            expect(orderActiveAt(ctx, ts)).toBe(ts >= start && ts < end);
          }
        },
      ),
      { numRuns: 1000 },
    );
  });
});
