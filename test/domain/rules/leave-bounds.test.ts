// The context's leave bounds (PersonRulesContext.leaveFrom / leaveUntil) let evaluateFix skip reading
// the permits for a fix no permit can cover (issue 4: each permit is a cache miss for 100,000
// people). Skipping must never change an answer: whenever a permit covers a time (onLeave,
// permitCovers), the bounds say it may.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type LeavePermit, onLeave, permitCovers } from '../../../src/domain/rules/leave-permit.js';
import { mayBeOnLeave } from '../../../src/domain/rules/person-context.js';
import { at, chengdu, context, DAY, HOUR, MONDAY } from './fixture.js';

const permit = fc
  .record({
    start: fc.integer({ min: -20, max: 40 }),
    days: fc.integer({ min: 0, max: 30 }),
    graceH: fc.integer({ min: 0, max: 24 }),
    standing: fc.boolean(),
  })
  .map(
    (p, i): LeavePermit => ({
      id: `leave-${i}`,
      destination: chengdu,
      start: MONDAY + p.start * DAY,
      end: MONDAY + (p.start + p.days) * DAY,
      graceMs: p.graceH * HOUR,
      standing: p.standing,
    }),
  );

describe('leave bounds on the context', () => {
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
});
