// The oversight computations without a database: percentiles, supervised time, handling figures,
// lost-contact milestones, order legality and intake findings, each against hand-computed values.
import { describe, expect, it } from 'vitest';
import { emLegality, intakeFinding, type OrderRow } from '../../src/oversight/em-legality.js';
import { ageBucket, aggregateHandling, type HandlingIncident } from '../../src/oversight/handling.js';
import {
  DEFAULT_MILESTONES,
  lostContactCase,
  lostContactRegister,
} from '../../src/oversight/lost-contact.js';
import { contentHash, drawSample } from '../../src/oversight/sample.js';
import { coveredMs, DAY_MS, percentile } from '../../src/oversight/stats.js';

const H = 3_600_000;

describe('percentile (nearest rank)', () => {
  it('answers null for no values and the value itself for one', () => {
    expect(percentile([], 0.5)).toBeNull();
    expect(percentile([7], 0.5)).toBe(7);
    expect(percentile([7], 0.95)).toBe(7);
  });
  it('takes the ceil(q·n)-th smallest value', () => {
    const v = [10, 1, 9, 2, 8, 3, 7, 4, 6, 5];
    expect(percentile(v, 0.5)).toBe(5);
    expect(percentile(v, 0.95)).toBe(10);
    expect(percentile(v, 0.1)).toBe(1);
    expect(percentile([1, 2, 3, 4], 0.5)).toBe(2);
    expect(percentile([1, 2, 3, 4, 5], 0.5)).toBe(3);
  });
});

describe('coveredMs', () => {
  it('counts overlapping intervals once and clips to the window', () => {
    expect(coveredMs([], 0, 100)).toBe(0);
    expect(
      coveredMs(
        [
          { start: 0, end: 30 },
          { start: 20, end: 50 },
          { start: 70, end: 200 },
        ],
        10,
        100,
      ),
    ).toBe(40 + 30);
    expect(coveredMs([{ start: 0, end: 10 }], 10, 20)).toBe(0);
    expect(
      coveredMs(
        [
          { start: 5, end: 15 },
          { start: 0, end: 20 },
        ],
        0,
        100,
      ),
    ).toBe(20);
  });
});

describe('ageBucket', () => {
  it('puts boundaries in the older bucket', () => {
    expect(ageBucket(H - 1)).toBe('under1h');
    expect(ageBucket(H)).toBe('h1to24');
    expect(ageBucket(DAY_MS)).toBe('d1to7');
    expect(ageBucket(7 * DAY_MS)).toBe('over7d');
  });
});

describe('aggregateHandling', () => {
  const from = 10 * DAY_MS;
  const to = 20 * DAY_MS;
  const now = 22 * DAY_MS;
  const base = {
    orgUnitId: 'a',
    assignedOfficerId: 'u1',
    acknowledgedAt: null,
    resolvedAt: null,
    ackActor: null,
    resolveActor: null,
    disposition: null,
    escalationLevel: 0,
    resolved: false,
  };
  const inc = (id: number, openedAt: number, more: Partial<HandlingIncident> = {}): HandlingIncident => ({
    ...base,
    id,
    openedAt,
    ...more,
  });
  const report = aggregateHandling({
    from,
    to,
    now,
    offices: [
      { id: 'a', name: 'A' },
      { id: 'b', name: 'B' },
    ],
    officers: [
      { id: 'u1', name: 'one', orgUnitId: 'a' },
      { id: 'u2', name: 'two', orgUnitId: 'a' },
    ],
    incidents: [
      inc(1, from, {
        acknowledgedAt: from + 10_000,
        resolvedAt: from + 100_000,
        ackActor: 'u1',
        resolveActor: 'u2',
        disposition: 'warned',
        escalationLevel: 1,
        resolved: true,
      }),
      inc(2, from + DAY_MS, { acknowledgedAt: from + DAY_MS + 30_000, ackActor: 'u1' }),
      // Opened before the period: only in the open backlog.
      inc(3, from - DAY_MS, { escalationLevel: 2 }),
      // Opened at `to`: outside the half-open period.
      inc(4, to, { resolved: true, resolvedAt: to + 1000, disposition: 'false_alarm', resolveActor: 'u1' }),
    ],
    periods: [
      { superviseeId: 'p1', orgUnitId: 'a', officerId: 'u1', start: 0, end: 15 * DAY_MS },
      { superviseeId: 'p1', orgUnitId: 'a', officerId: 'u1', start: 14 * DAY_MS, end: 30 * DAY_MS },
      { superviseeId: 'p2', orgUnitId: 'a', officerId: 'u2', start: 18 * DAY_MS, end: 19 * DAY_MS },
    ],
  });
  it('counts the cohort opened in [from, to) against supervised person-days', () => {
    const a = report.offices[0]!;
    expect(a.incidentsOpened).toBe(2);
    expect(a.supervisedPersonDays).toBe(11);
    expect(a.incidentsPerPersonDay).toBe(Math.round((2 / 11) * 1e6) / 1e6);
    expect(a.acknowledge).toEqual({ count: 2, p50S: 10, p95S: 30 });
    expect(a.resolve).toEqual({ count: 1, p50S: 100, p95S: 100 });
    expect(a.escalated).toEqual({ toCounty: 1, toCity: 0 });
    expect(a.dispositions).toEqual({ warned: 1 });
    // #2 is 11 days old at now, #3 13 days.
    expect(a.openByAge).toEqual({ under1h: 0, h1to24: 0, d1to7: 0, over7d: 2 });
    const b = report.offices[1]!;
    expect(b.incidentsOpened).toBe(0);
    expect(b.supervisedPersonDays).toBe(0);
    expect(b.incidentsPerPersonDay).toBeNull();
    expect(b.acknowledge).toEqual({ count: 0, p50S: null, p95S: null });
  });
  it('credits officers with what they did and with the people assigned to them', () => {
    const [u1, u2] = report.officers;
    expect(u1!.handled).toBe(2);
    expect(u1!.acknowledge).toEqual({ count: 2, p50S: 10, p95S: 30 });
    expect(u1!.resolve.count).toBe(0);
    expect(u1!.escalated).toEqual({ toCounty: 1, toCity: 0 });
    expect(u1!.assigned.supervisedPersonDays).toBe(10);
    expect(u1!.assigned.incidentsOpened).toBe(2);
    expect(u2!.handled).toBe(1);
    expect(u2!.resolve).toEqual({ count: 1, p50S: 100, p95S: 100 });
    expect(u2!.dispositions).toEqual({ warned: 1 });
    expect(u2!.assigned).toEqual({
      incidentsOpened: 0,
      supervisedPersonDays: 1,
      incidentsPerPersonDay: 0,
      openByAge: { under1h: 0, h1to24: 0, d1to7: 0, over7d: 0 },
    });
  });
  it('does not count supervised time after now', () => {
    const r = aggregateHandling({
      from: 0,
      to: 10 * DAY_MS,
      now: 4 * DAY_MS,
      offices: [{ id: 'a', name: 'A' }],
      officers: [],
      incidents: [],
      periods: [{ superviseeId: 'p', orgUnitId: 'a', officerId: null, start: DAY_MS, end: 30 * DAY_MS }],
    });
    expect(r.offices[0]!.supervisedPersonDays).toBe(3);
  });
});

describe('lost contact', () => {
  const row = {
    incidentId: 1,
    superviseeId: 'p',
    superviseeName: 'P',
    orgUnitId: 'a',
    state: 'open',
    startedAt: 0,
    openedAt: 60_000,
    resolvedAt: null,
    disposition: null,
  };
  it('counts days to now while unresolved and reaches a milestone at exactly N days', () => {
    const c = lostContactCase(row, 10 * DAY_MS, DEFAULT_MILESTONES);
    expect(c.daysOff).toBe(10);
    expect(c.ongoing).toBe(true);
    expect(c.milestones).toEqual([
      { name: 'warning', days: 10, reached: true, reachedAt: new Date(10 * DAY_MS).toISOString() },
      { name: 'revocation_proposal', days: 30, reached: false, reachedAt: null },
    ]);
    expect(lostContactCase(row, 10 * DAY_MS - 1, DEFAULT_MILESTONES).milestones[0]!.reached).toBe(false);
  });
  it('counts a silence raised again after a resolution as one case, from its start', () => {
    // Resolved on day 0 with police notified, raised again on day 1 (same start), resolved on day 12.
    const first = { ...row, state: 'resolved', resolvedAt: 3_600_000, disposition: 'police_notified' };
    const again = {
      ...row,
      incidentId: 7,
      state: 'resolved',
      openedAt: DAY_MS,
      resolvedAt: 12 * DAY_MS,
      disposition: 'returned',
    };
    const other = { ...row, incidentId: 3, superviseeId: 'q', startedAt: 5 * DAY_MS };
    const reg = lostContactRegister([again, other, first], 40 * DAY_MS, DEFAULT_MILESTONES);
    expect(reg.summary).toEqual({
      cases: 2,
      ongoing: 1,
      policeNotified: 1,
      milestonesReached: { warning: 2, revocation_proposal: 1 },
    });
    expect(reg.cases[0]).toMatchObject({
      incidentId: 7,
      incidentIds: [1, 7],
      daysOff: 12,
      ongoing: false,
      disposition: 'returned',
      policeNotified: true,
    });
    // One of them still open: the case is ongoing, counted to now.
    const open = lostContactRegister(
      [{ ...again, state: 'open', resolvedAt: null }, first],
      40 * DAY_MS,
      DEFAULT_MILESTONES,
    );
    expect(open.cases).toHaveLength(1);
    expect(open.cases[0]).toMatchObject({ ongoing: true, daysOff: 40 });
  });
  it('stops counting at resolution and reports police notification', () => {
    const c = lostContactCase(
      { ...row, state: 'resolved', resolvedAt: 31 * DAY_MS, disposition: 'police_notified' },
      100 * DAY_MS,
      DEFAULT_MILESTONES,
    );
    expect(c.daysOff).toBe(31);
    expect(c.milestones.map((m) => m.reached)).toEqual([true, true]);
    expect(c.policeNotified).toBe(true);
    const reg = lostContactRegister(
      [row, { ...row, incidentId: 2, superviseeId: 'p2', resolvedAt: DAY_MS }],
      12 * DAY_MS,
      DEFAULT_MILESTONES,
    );
    expect(reg.summary).toEqual({
      cases: 2,
      ongoing: 1,
      policeNotified: 0,
      milestonesReached: { warning: 1, revocation_proposal: 0 },
    });
  });
});

describe('EM legality', () => {
  const now = 100 * DAY_MS;
  const order = (id: string, start: number, end: number, more: Partial<OrderRow> = {}): OrderRow => ({
    id,
    superviseeId: 'p',
    orgUnitId: 'a',
    startsAt: start * DAY_MS,
    endsAt: end * DAY_MS,
    revokedAt: null,
    renewsOrderId: null,
    ...more,
  });
  it('finds orders ending soon, expired ones and renewal chains', () => {
    const r = emLegality(
      [
        order('o1', 10, 50),
        order('o2', 50, 90, { renewsOrderId: 'o1' }),
        order('o3', 90, 105, { renewsOrderId: 'o2' }),
        order('q1', 80, 110, { superviseeId: 'q', revokedAt: 95 * DAY_MS }),
        order('r1', 95, 108, { superviseeId: 'r' }),
      ],
      now,
    );
    expect(r.endingSoon.map((o) => [o.orderId, o.daysLeft, o.renewed])).toEqual([['o3', 5, false]]);
    expect(r.expired.map((o) => [o.orderId, o.renewed])).toEqual([
      ['o2', true],
      ['o1', true],
    ]);
    expect(r.extensionsPerPerson).toEqual([
      { superviseeId: 'p', orgUnitId: 'a', orders: 3, extensions: 2, longestChain: 3 },
      { superviseeId: 'q', orgUnitId: 'a', orders: 1, extensions: 0, longestChain: 1 },
      { superviseeId: 'r', orgUnitId: 'a', orders: 1, extensions: 0, longestChain: 1 },
    ]);
  });
  it('judges intake against a one-day grace', () => {
    const o = order('o', 10, 50);
    expect(intakeFinding(o, null, 10 * DAY_MS + H)).toBeNull();
    expect(intakeFinding(o, null, 11 * DAY_MS)).toBe('never_reported');
    expect(intakeFinding(o, 11 * DAY_MS, 20 * DAY_MS)).toBeNull();
    expect(intakeFinding(o, 11 * DAY_MS + 1, 20 * DAY_MS)).toBe('late_first_fix');
  });
});

describe('sampled review', () => {
  const frame = [
    ...Array.from({ length: 20 }, (_, i) => ({ id: `a${String(i).padStart(2, '0')}`, orgUnitId: 'a' })),
    ...Array.from({ length: 3 }, (_, i) => ({ id: `b${i}`, orgUnitId: 'b' })),
  ];
  it('draws the same people from the same seed, N per office or all when fewer', () => {
    const one = drawSample(frame, ['a', 'b', 'c'], 5, 'seed-1');
    expect(drawSample([...frame].reverse(), ['a', 'b', 'c'], 5, 'seed-1')).toEqual(one);
    expect(one.map((o) => [o.orgUnitId, o.population, o.people.length])).toEqual([
      ['a', 20, 5],
      ['b', 3, 3],
      ['c', 0, 0],
    ]);
    expect(new Set(one[0]!.people).size).toBe(5);
    expect(one[1]!.people).toEqual(['b0', 'b1', 'b2']);
    // An office's draw does not depend on the other offices in the frame.
    expect(drawSample(frame, ['a'], 5, 'seed-1')).toEqual([one[0]]);
  });
  it('spreads draws over the whole office across seeds', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 50; i++)
      for (const id of drawSample(frame, ['a'], 5, `s${i}`)[0]!.people) seen.add(id);
    expect(seen.size).toBe(20);
  });
  it('hashes content independently of key order', () => {
    expect(contentHash({ a: 1, b: { c: [1, 2], d: 'x' } })).toBe(
      contentHash({ b: { d: 'x', c: [1, 2] }, a: 1 }),
    );
    expect(contentHash({ a: 1 })).not.toBe(contentHash({ a: 2 }));
  });
});
