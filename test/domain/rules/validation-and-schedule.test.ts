import { describe, expect, it } from 'vitest';
import { compileCurfew, curfewWindowAt } from '../../../src/domain/rules/curfew-schedule.js';
import { addLocalMonths, validateEmOrder } from '../../../src/domain/rules/em-order.js';
import { validateLeavePermit } from '../../../src/domain/rules/leave-permit.js';
import { LEVEL_PARAMETERS } from '../../../src/domain/rules/supervision-levels.js';
import { DAY, HOUR, MIN, MONDAY } from './fixture.js';

describe('validateEmOrder (Art. 29)', () => {
  const ok = {
    id: 'o1',
    ground: 'left_without_approval',
    approvedBy: 'county-head-1',
    start: MONDAY,
    end: MONDAY + 80 * DAY,
  };
  it.each([
    ['a valid order', ok, true, ''],
    ['an unknown ground', { ...ok, ground: 'suspicion' }, false, 'ground'],
    ['no approver', { ...ok, approvedBy: ' ' }, false, 'approvedBy'],
    ['start after end', { ...ok, end: MONDAY - 1 }, false, 'period'],
    ['more than 3 months', { ...ok, end: addLocalMonths(MONDAY, 3) + 1 }, false, '3 months'],
  ])('%s', (_name, order, valid, reason) => {
    const r = validateEmOrder(order);
    expect(r.ok).toBe(valid);
    if (!r.ok) expect(r.reasons.join(' ')).toContain(reason);
  });
  it('exactly 3 calendar months is allowed, clamped at month end in Asia/Shanghai', () => {
    expect(validateEmOrder({ ...ok, end: addLocalMonths(MONDAY, 3) }).ok).toBe(true);
    // 30 Nov 2026 00:00 CST + 3 months = 28 Feb 2027 00:00 CST.
    expect(addLocalMonths(Date.UTC(2026, 10, 29, 16), 3)).toBe(Date.UTC(2027, 1, 27, 16));
  });
});

describe('validateLeavePermit (Art. 27)', () => {
  it.each([
    ['7 days by the judicial office', 7 * DAY, 'office', true, ''],
    ['8 days by the judicial office', 8 * DAY, 'office', false, 'county'],
    ['8 days by the county', 8 * DAY, 'county', true, ''],
    ['30 days by the county', 30 * DAY, 'county', true, ''],
    ['31 days by the city', 31 * DAY, 'city', false, '30 days'],
    ['zero length', 0, 'office', false, 'before end'],
  ] as const)('%s', (_name, length, approverLevel, valid, reason) => {
    const r = validateLeavePermit({
      start: MONDAY,
      end: MONDAY + length,
      approverLevel,
      approvedBy: 'officer-1',
    });
    expect(r.ok).toBe(valid);
    if (!r.ok) expect(r.reasons.join(' ')).toContain(reason);
  });
});

describe('curfew schedule in Asia/Shanghai (fixed UTC+8, no DST)', () => {
  const c = compileCurfew({
    weekly: [
      { weekday: 1, startMin: 22 * 60, endMin: 6 * 60 },
      { weekday: 3, startMin: 12 * 60, endMin: 13 * 60 },
    ],
    exceptions: [{ date: '2026-03-09', windows: [] }],
  });
  it('a window crossing midnight belongs to the day it starts', () => {
    expect(curfewWindowAt(c, MONDAY + 21 * HOUR + 59 * MIN)).toBeNull();
    expect(curfewWindowAt(c, MONDAY + 22 * HOUR)).toEqual({
      start: MONDAY + 22 * HOUR,
      end: MONDAY + 30 * HOUR,
    });
    expect(curfewWindowAt(c, MONDAY + 29 * HOUR)).toEqual({
      start: MONDAY + 22 * HOUR,
      end: MONDAY + 30 * HOUR,
    });
    expect(curfewWindowAt(c, MONDAY + 30 * HOUR)).toBeNull();
    expect(curfewWindowAt(c, MONDAY + 2 * DAY + 12 * HOUR + 30 * MIN)).toEqual({
      start: MONDAY + 2 * DAY + 12 * HOUR,
      end: MONDAY + 2 * DAY + 13 * HOUR,
    });
  });
  it('a dated exception replaces that day’s windows', () => {
    expect(curfewWindowAt(c, MONDAY + 7 * DAY + 23 * HOUR)).toBeNull();
    expect(curfewWindowAt(c, MONDAY + 14 * DAY + 23 * HOUR)).not.toBeNull();
  });
  it('local 22:00 is 14:00 UTC every day of the year (no daylight saving)', () => {
    for (const month of [0, 3, 6, 9]) {
      const mondays = Array.from({ length: 31 }, (_, d) => Date.UTC(2026, month, d + 1, 14)).filter(
        (t) => new Date(t + 8 * HOUR).getUTCDay() === 1,
      );
      for (const t of mondays) expect(curfewWindowAt(c, t)?.start).toBe(t);
    }
  });
});

describe('supervision levels', () => {
  it('lost-contact defaults and prohibition needing less evidence than curfew', () => {
    expect([
      LEVEL_PARAMETERS.strict.lostContactMs,
      LEVEL_PARAMETERS.normal.lostContactMs,
      LEVEL_PARAMETERS.lenient.lostContactMs,
    ]).toEqual([5 * MIN, 15 * MIN, 60 * MIN]);
    for (const level of Object.values(LEVEL_PARAMETERS)) {
      expect(level.prohibitionEvidence.fixes).toBeLessThan(level.zoneEvidence.fixes);
      expect(level.prohibitionEvidence.fixes).toBeGreaterThan(1);
    }
  });
});
