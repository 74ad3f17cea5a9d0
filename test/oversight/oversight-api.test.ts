// Oversight figures on the real database (issue 9): a month of activity for two offices (lianhua = A,
// baotai = B) is seeded with SQL at chosen moments relative to a fixed clock, and every figure the API
// reports is checked against a value worked out by hand from that seed (the comments show the sums).
// Scope: an officer of A sees only A; the county auditor sees both, and its reads are audited.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contentHash } from '../../src/oversight/sample.js';
import { type ApiClient, createUser, login, loginAdmin } from '../api/support.js';
import type { TestService } from '../support/service.js';
import { DAY, insertIncident, S, startOversightService } from './support.js';

const NOW = Math.floor(Date.now() / 1000) * 1000;
const at = (days: number, seconds = 0) => NOW + days * DAY + seconds * S;
const iso = (t: number) => new Date(t).toISOString();
const A = { id: 'lianhua', path: '/ziyang/yanjiang/lianhua/' };
const B = { id: 'baotai', path: '/ziyang/yanjiang/baotai/' };
/** The period under review: [NOW − 28 d, NOW − 1 d). */
const PERIOD = `from=${encodeURIComponent(iso(at(-28)))}&to=${encodeURIComponent(iso(at(-1)))}`;

describe('oversight reports on a seeded month', () => {
  let svc: TestService;
  const u = {} as Record<'oa1' | 'oa2' | 'ob1' | 'sup' | 'aud' | 'audA', { id: string; name: string }>;
  const as = {} as Record<'oa1' | 'ob1' | 'sup' | 'aud' | 'admin', ApiClient>;

  beforeAll(async () => {
    svc = await startOversightService(NOW);
    const db = svc.db.pool;
    for (const [key, role, unit] of [
      ['oa1', 'officer', 'lianhua'],
      ['oa2', 'officer', 'lianhua'],
      ['ob1', 'officer', 'baotai'],
      ['sup', 'supervisor', 'yanjiang'],
      ['aud', 'auditor', 'yanjiang'],
      ['audA', 'auditor', 'lianhua'],
    ] as const) {
      const name = await createUser(svc, role, unit);
      const res = await db.query<{ id: string }>('select id from users where username = $1', [name]);
      u[key] = { id: res.rows[0]!.id, name };
    }
    as.oa1 = await login(svc, u.oa1.name);
    as.ob1 = await login(svc, u.ob1.name);
    as.sup = await login(svc, u.sup.name);
    as.aud = await login(svc, u.aud.name);
    as.admin = await loginAdmin(svc);

    const people: [string, string, string][] = [
      ['pa1', 'lianhua', u.oa1.id],
      ['pa2', 'lianhua', u.oa2.id],
      ['pa3', 'lianhua', u.oa1.id],
      ['pb1', 'baotai', u.ob1.id],
      ['pb2', 'baotai', u.ob1.id],
      ['pb3', 'baotai', u.ob1.id],
      ['pb4', 'baotai', u.ob1.id],
    ];
    for (const [id, unit, officer] of people) {
      await db.query(
        `insert into supervisees (id, org_unit_id, name, level, officer_id) values ($1, $2, $1, 'normal', $3)`,
        [id, unit, officer],
      );
      await db.query(
        `insert into devices (id, supervisee_id, kind, secret_hash) values ($1, $2, 'ankle', 'x')`,
        [`d-${id}`, id],
      );
    }
    await db.query(
      `insert into devices (id, supervisee_id, kind, secret_hash) values ('dx', null, 'ankle', 'x')`,
    );
    // Orders: [start, end) in days from NOW, optional revocation and renewal.
    const orders: [string, string, number, number, number | null, string | null][] = [
      ['o-pa1', 'pa1', -40, 20, null, null],
      ['o-pa2a', 'pa2', -60, -14, null, null],
      ['o-pa2b', 'pa2', -10, 3, null, 'o-pa2a'],
      ['o-pa3', 'pa3', -20, -5, -15, null],
      ['o-pb1', 'pb1', -25, 30, null, null],
      ['o-pb2', 'pb2', -3, 40, null, null],
      ['o-pb3', 'pb3', -80, -20, null, null],
      ['o-pb4', 'pb4', 10, 40, null, null],
    ];
    for (const [id, person, start, end, revoked, renews] of orders) {
      await db.query(
        `insert into em_orders (id, supervisee_id, ground, approver, approved_at, starts_at, ends_at, revoked_at,
           renews_order_id) values ($1, $2, 'left_without_approval', '雁江区司法局局长', $3, $3, $4, $5, $6)`,
        [
          id,
          person,
          new Date(at(start)),
          new Date(at(end)),
          revoked === null ? null : new Date(at(revoked)),
          renews,
        ],
      );
    }
    // Fixes: [person, days from NOW, seconds].
    const fixes: [string, number, number][] = [
      ['pa1', -27, 0], // first fix of o-pa1, 13 days after it began: late intake
      ['pa1', -2, 0],
      ['pa2', -20, 0], // inside o-pa2a
      ['pa2', -12, 0], // between o-pa2a and o-pa2b: outside any order
      ['pa2', -10, 1800], // o-pa2b's first fix, 30 minutes in
      ['pa3', -12, 0], // after o-pa3's revocation: outside any order
      ['pb1', -25, 7200], // 2 h after o-pb1 began
      ['pb1', -5, 0],
      ['pb3', -22, 0], // inside o-pb3
      ['pb3', -19, 0], // after o-pb3 ended: outside any order
    ];
    for (const [person, days, seconds] of fixes) {
      await db.query(
        `insert into fixes (device_id, ts, supervisee_id, lat, lon, acc, src, received_at, protocol)
         values ($1, $2, $3, 30.12, 104.63, 10, 'gnss', $2, 'native')`,
        [`d-${person}`, new Date(at(days, seconds)), person],
      );
    }
    const letters: [string | null, string][] = [
      ['dx', 'unknown_device'],
      ['dx', 'unknown_device'],
      ['dx', 'malformed'],
      ['d-pa1', 'unknown_device'],
      ['ghost', 'unknown_device'],
    ];
    for (const [device, reason] of letters) {
      await db.query(
        `insert into dead_letters (received_at, protocol, device_id, reason, detail) values ($1, 'native', $2, $3, 'seeded')`,
        [new Date(at(-1)), device, reason],
      );
    }
    const { oa1, oa2, ob1, sup } = { oa1: u.oa1.id, oa2: u.oa2.id, ob1: u.ob1.id, sup: u.sup.id };
    // #1..#8 in A, #9..#12 in B (numbers used in the comments below).
    const a = (i: Parameters<typeof insertIncident>[2]) => insertIncident(db, A, i);
    const b = (i: Parameters<typeof insertIncident>[2]) => insertIncident(db, B, i);
    const o1 = at(-20);
    await a({
      person: 'pa1',
      kind: 'zone_exit',
      openedAt: o1,
      state: 'resolved',
      ack: { at: o1 + 60 * S, by: oa1 },
      resolve: { at: o1 + 600 * S, by: oa1, disposition: 'contacted' },
      escalationLevel: 0,
    });
    const o2 = at(-15);
    await a({
      person: 'pa1',
      kind: 'curfew',
      openedAt: o2,
      state: 'resolved',
      ack: { at: o2 + 300 * S, by: oa2 },
      resolve: { at: o2 + 3600 * S, by: oa2, disposition: 'warned' },
      escalationLevel: 1,
    });
    const o3 = at(-9);
    await a({
      person: 'pa2',
      kind: 'strap_tamper',
      openedAt: o3,
      state: 'resolved',
      ack: { at: o3 + 120 * S, by: oa1 },
      resolve: { at: o3 + 7200 * S, by: sup, disposition: 'false_alarm' },
      escalationLevel: 1,
    });
    // Lost contact from −25 d, resolved without a separate acknowledgement at −12 d: 13 days off.
    await a({
      person: 'pa1',
      kind: 'lost_contact',
      startedAt: at(-25),
      openedAt: at(-25, 600),
      state: 'resolved',
      resolve: { at: at(-12), by: oa1, disposition: 'police_notified' },
      escalationLevel: 2,
    });
    const o5 = at(-3);
    await a({
      person: 'pa1',
      kind: 'low_battery',
      openedAt: o5,
      state: 'acknowledged',
      ack: { at: o5 + 30 * S, by: oa1 },
      escalationLevel: 0,
    });
    // Before the period; still open (35 days off supervision). Escalation level 2 so the service's
    // own escalation timer has nothing left to do with it.
    await a({ person: 'pa2', kind: 'lost_contact', openedAt: at(-35), state: 'open', escalationLevel: 2 });
    // After the period (12 h ago), still open.
    await a({
      person: 'pa1',
      kind: 'zone_exit',
      openedAt: at(0, -12 * 3600),
      state: 'open',
      escalationLevel: 2,
    });
    const o8 = at(-18);
    await a({
      person: 'pa3',
      kind: 'zone_exit',
      openedAt: o8,
      state: 'resolved',
      ack: { at: o8 + 900 * S, by: oa1 },
      resolve: { at: o8 + 1800 * S, by: oa1, disposition: 'contacted' },
      escalationLevel: 0,
    });
    const o9 = at(-20);
    await b({
      person: 'pb1',
      kind: 'zone_exit',
      openedAt: o9,
      state: 'resolved',
      ack: { at: o9 + 40 * S, by: ob1 },
      resolve: { at: o9 + 400 * S, by: ob1, disposition: 'false_alarm' },
      escalationLevel: 0,
    });
    const o10 = at(-10);
    await b({
      person: 'pb1',
      kind: 'curfew',
      openedAt: o10,
      state: 'resolved',
      ack: { at: o10 + 200 * S, by: ob1 },
      resolve: { at: o10 + 86_400 * S, by: ob1, disposition: 'device_fault' },
      escalationLevel: 1,
    });
    const o11 = at(-24);
    await b({
      person: 'pb3',
      kind: 'lost_contact',
      openedAt: o11,
      state: 'acknowledged',
      ack: { at: o11 + 1000 * S, by: ob1 },
      escalationLevel: 0,
    });
    await b({ person: 'pb2', kind: 'zone_exit', openedAt: at(0, -1800), state: 'open', escalationLevel: 2 });
    // #13: an incident for pb4, whose only order has not begun: a rule evaluated outside an order.
    // Opened and resolved before the period, so it changes no handling figure.
    await b({
      person: 'pb4',
      kind: 'zone_exit',
      openedAt: at(-35),
      state: 'resolved',
      resolve: { at: at(-34), by: ob1, disposition: 'other' },
      escalationLevel: 0,
    });
  });

  afterAll(async () => {
    await svc?.cleanup();
  });

  const office = (body: { offices: { orgUnitId: string }[] }, id: string) =>
    body.offices.find((o) => o.orgUnitId === id) as Record<string, unknown> | undefined;
  // biome-ignore lint/suspicious/noExplicitAny: responses are inspected field by field
  const officer = (body: any, id: string) => body.officers.find((o: { userId: string }) => o.userId === id);

  describe('handling quality', () => {
    it('reports each office against the hand-computed figures', async () => {
      const res = await as.sup.get(`/oversight/handling?${PERIOD}`);
      expect(res.status).toBe(200);
      expect(res.body.now).toBe(iso(NOW));
      expect(res.body.offices.map((o: { orgUnitId: string }) => o.orgUnitId).sort()).toEqual([
        'baotai',
        'lianhua',
      ]);
      // A: cohort #1 #2 #3 #4 #5 #8 (#6 opened before, #7 after the period).
      // Person-days in [−28 d, −1 d): pa1 27 + pa2 (14 in o-pa2a + 9 in o-pa2b) 23 + pa3 (revoked) 5 = 55.
      // Acknowledge (s): 60, 300, 120, 13 d − 600 = 1 122 600, 30, 900 → sorted 30 60 120 300 900 1122600;
      // p50 = 3rd = 120, p95 = 6th = 1 122 600. Resolve: 600 3600 7200 1122600 1800 → p50 3rd = 3600.
      expect(office(res.body, 'lianhua')).toEqual({
        orgUnitId: 'lianhua',
        name: '莲花街道司法所',
        incidentsOpened: 6,
        supervisedPersonDays: 55,
        incidentsPerPersonDay: Math.round((6 / 55) * 1e6) / 1e6,
        acknowledge: { count: 6, p50S: 120, p95S: 1_122_600 },
        resolve: { count: 5, p50S: 3600, p95S: 1_122_600 },
        escalated: { toCounty: 3, toCity: 1 },
        // Unresolved now: #5 3 d old, #6 35 d, #7 12 h.
        openByAge: { under1h: 0, h1to24: 1, d1to7: 1, over7d: 1 },
        dispositions: { contacted: 2, warned: 1, false_alarm: 1, police_notified: 1 },
      });
      // B: cohort #9 #10 #11. Person-days: pb1 24 + pb2 2 + pb3 8 (+ pb4 none yet) = 34.
      expect(office(res.body, 'baotai')).toEqual({
        orgUnitId: 'baotai',
        name: '宝台镇司法所',
        incidentsOpened: 3,
        supervisedPersonDays: 34,
        incidentsPerPersonDay: Math.round((3 / 34) * 1e6) / 1e6,
        acknowledge: { count: 3, p50S: 200, p95S: 1000 },
        resolve: { count: 2, p50S: 400, p95S: 86_400 },
        escalated: { toCounty: 1, toCity: 0 },
        // #11 24 d old, #12 30 min.
        openByAge: { under1h: 1, h1to24: 0, d1to7: 0, over7d: 1 },
        dispositions: { false_alarm: 1, device_fault: 1 },
      });
    });

    it('reports each officer by what they did and whom they supervise', async () => {
      const res = await as.sup.get(`/oversight/handling?${PERIOD}`);
      // oa1 acknowledged #1 #3 #4 (by resolving) #5 #8: 60 120 1122600 30 900; resolved #1 #4 #8.
      expect(officer(res.body, u.oa1.id)).toMatchObject({
        orgUnitId: 'lianhua',
        handled: 5,
        acknowledge: { count: 5, p50S: 120, p95S: 1_122_600 },
        resolve: { count: 3, p50S: 1800, p95S: 1_122_600 },
        escalated: { toCounty: 2, toCity: 1 },
        dispositions: { contacted: 2, police_notified: 1 },
        // pa1 + pa3: incidents #1 #2 #4 #5 #8 over 27 + 5 person-days; open #5 (3 d), #7 (12 h).
        assigned: {
          incidentsOpened: 5,
          supervisedPersonDays: 32,
          incidentsPerPersonDay: 5 / 32,
          openByAge: { under1h: 0, h1to24: 1, d1to7: 1, over7d: 0 },
        },
      });
      expect(officer(res.body, u.oa2.id)).toMatchObject({
        handled: 1,
        acknowledge: { count: 1, p50S: 300, p95S: 300 },
        resolve: { count: 1, p50S: 3600, p95S: 3600 },
        escalated: { toCounty: 1, toCity: 0 },
        dispositions: { warned: 1 },
        assigned: {
          incidentsOpened: 1,
          supervisedPersonDays: 23,
          incidentsPerPersonDay: Math.round((1 / 23) * 1e6) / 1e6,
          openByAge: { under1h: 0, h1to24: 0, d1to7: 0, over7d: 1 },
        },
      });
      // The county supervisor resolved #3 without acknowledging it.
      expect(officer(res.body, u.sup.id)).toMatchObject({
        orgUnitId: 'yanjiang',
        handled: 1,
        acknowledge: { count: 0, p50S: null, p95S: null },
        resolve: { count: 1, p50S: 7200, p95S: 7200 },
        dispositions: { false_alarm: 1 },
        assigned: { incidentsOpened: 0, supervisedPersonDays: 0, incidentsPerPersonDay: null },
      });
      expect(officer(res.body, u.ob1.id)).toMatchObject({
        handled: 3,
        acknowledge: { count: 3, p50S: 200, p95S: 1000 },
        resolve: { count: 2, p50S: 400, p95S: 86_400 },
        escalated: { toCounty: 1, toCity: 0 },
        assigned: {
          incidentsOpened: 3,
          supervisedPersonDays: 34,
          openByAge: { under1h: 1, h1to24: 0, d1to7: 0, over7d: 1 },
        },
      });
    });

    it('refuses an empty or reversed period as a problem', async () => {
      const res = await as.sup.get(
        `/oversight/handling?from=${encodeURIComponent(iso(at(-1)))}&to=${encodeURIComponent(iso(at(-2)))}`,
      );
      expect(res.status).toBe(400);
      expect(res.contentType).toContain('application/problem+json');
      const missing = await as.sup.get('/oversight/handling');
      expect(missing.status).toBe(400);
    });
  });

  describe('lost supervision register', () => {
    it('lists every case with days off, milestones and police notification', async () => {
      const res = await as.sup.get('/oversight/lost-contact');
      expect(res.status).toBe(200);
      const byPerson = Object.fromEntries(
        res.body.cases.map((c: { superviseeId: string }) => [c.superviseeId, c]),
      );
      expect(Object.keys(byPerson).sort()).toEqual(['pa1', 'pa2', 'pb3']);
      expect(byPerson.pa1).toMatchObject({
        startedAt: iso(at(-25)),
        resolvedAt: iso(at(-12)),
        ongoing: false,
        daysOff: 13,
        policeNotified: true,
        disposition: 'police_notified',
        milestones: [
          { name: 'warning', days: 10, reached: true, reachedAt: iso(at(-15)) },
          { name: 'revocation_proposal', days: 30, reached: false, reachedAt: null },
        ],
      });
      expect(byPerson.pa2).toMatchObject({
        ongoing: true,
        daysOff: 35,
        policeNotified: false,
        milestones: [
          { name: 'warning', reached: true, reachedAt: iso(at(-25)) },
          { name: 'revocation_proposal', reached: true, reachedAt: iso(at(-5)) },
        ],
      });
      expect(byPerson.pb3).toMatchObject({ ongoing: true, daysOff: 24, state: 'acknowledged' });
      expect(res.body.summary).toEqual({
        cases: 3,
        ongoing: 2,
        policeNotified: 1,
        milestonesReached: { warning: 3, revocation_proposal: 1 },
      });
    });

    it('takes the milestone thresholds as parameters', async () => {
      const res = await as.sup.get('/oversight/lost-contact?warningDays=14&revocationDays=24');
      // 13 d reaches neither; 35 d both; 24 d both (a milestone is reached at exactly N days).
      expect(res.body.summary.milestonesReached).toEqual({ warning: 2, revocation_proposal: 2 });
    });
  });

  describe('EM legality', () => {
    it('reports orders ending soon, expired orders, extensions and the must-be-zero checks', async () => {
      const res = await as.sup.get('/oversight/em-legality');
      expect(res.status).toBe(200);
      expect(res.body.endingSoon).toEqual([
        {
          orderId: 'o-pa2b',
          superviseeId: 'pa2',
          orgUnitId: 'lianhua',
          startsAt: iso(at(-10)),
          endsAt: iso(at(3)),
          renewed: false,
          daysLeft: 3,
        },
      ]);
      // o-pa3 was revoked, so it did not expire.
      expect(
        res.body.expired.map((o: { orderId: string; renewed: boolean }) => [o.orderId, o.renewed]),
      ).toEqual([
        ['o-pa2a', true],
        ['o-pb3', false],
      ]);
      const ext = Object.fromEntries(
        res.body.extensionsPerPerson.map((p: { superviseeId: string }) => [p.superviseeId, p]),
      );
      expect(Object.keys(ext).sort()).toEqual(['pa1', 'pa2', 'pa3', 'pb1', 'pb2', 'pb3', 'pb4']);
      expect(ext.pa2).toMatchObject({ orders: 2, extensions: 1, longestChain: 2 });
      expect(ext.pa1).toMatchObject({ orders: 1, extensions: 0, longestChain: 1 });
      // pa2 between its orders, pa3 after revocation, pb3 after its order ended.
      expect(res.body.fixesOutsideOrder).toBe(3);
      expect(res.body.fixesOutsideOrderByPerson).toEqual([
        { superviseeId: 'pa2', fixes: 1 },
        { superviseeId: 'pa3', fixes: 1 },
        { superviseeId: 'pb3', fixes: 1 },
      ]);
      // #13 (pb4, before its order began).
      expect(res.body.incidentsOutsideOrder).toBe(1);
      expect(res.body.ordersWithoutGroundOrApprover).toBe(0);
    });
  });

  describe('missed intake', () => {
    it('finds late or missing first fixes, unassigned reporting devices and never-activated orders', async () => {
      const res = await as.admin.get('/oversight/missed-intake');
      expect(res.status).toBe(200);
      expect(res.body.lateIntake).toEqual([
        {
          finding: 'late_first_fix',
          orderId: 'o-pa1',
          superviseeId: 'pa1',
          orgUnitId: 'lianhua',
          startsAt: iso(at(-40)),
          firstFixAt: iso(at(-27)),
        },
        {
          finding: 'never_reported',
          orderId: 'o-pb2',
          superviseeId: 'pb2',
          orgUnitId: 'baotai',
          startsAt: iso(at(-3)),
          firstFixAt: null,
        },
      ]);
      expect(res.body.neverActivated).toEqual([
        {
          orderId: 'o-pa3',
          superviseeId: 'pa3',
          orgUnitId: 'lianhua',
          startsAt: iso(at(-20)),
          endedAt: iso(at(-15)),
        },
      ]);
      // dx: two unknown_device refusals (its malformed one is another matter); d-pa1 is assigned;
      // 'ghost' is not a registered device.
      expect(res.body.unassignedDevicesReporting).toEqual([
        { deviceId: 'dx', kind: 'ankle', refusedMessages: 2, firstAt: iso(at(-1)), lastAt: iso(at(-1)) },
      ]);
    });

    it('shows unassigned devices to the city only', async () => {
      const res = await as.sup.get('/oversight/missed-intake');
      expect(res.status).toBe(200);
      expect(res.body.unassignedDevicesReporting).toBeNull();
      expect(res.body.lateIntake).toHaveLength(2);
    });
  });

  describe('scope and audit', () => {
    it("keeps an officer of office A out of office B's figures", async () => {
      const handling = await as.oa1.get(`/oversight/handling?${PERIOD}`);
      expect(handling.status).toBe(200);
      expect(handling.body.offices.map((o: { orgUnitId: string }) => o.orgUnitId)).toEqual(['lianhua']);
      expect(officer(handling.body, u.ob1.id)).toBeUndefined();
      expect(office(handling.body, 'lianhua')).toMatchObject({
        incidentsOpened: 6,
        supervisedPersonDays: 55,
      });
      const lost = await as.oa1.get('/oversight/lost-contact');
      expect(lost.body.cases.map((c: { superviseeId: string }) => c.superviseeId).sort()).toEqual([
        'pa1',
        'pa2',
      ]);
      const legality = await as.oa1.get('/oversight/em-legality');
      expect(legality.body.fixesOutsideOrder).toBe(2);
      expect(legality.body.incidentsOutsideOrder).toBe(0);
      expect(legality.body.expired.map((o: { orderId: string }) => o.orderId)).toEqual(['o-pa2a']);
      const intake = await as.oa1.get('/oversight/missed-intake');
      expect(intake.body.lateIntake.map((f: { orderId: string }) => f.orderId)).toEqual(['o-pa1']);
      const other = await as.ob1.get('/oversight/lost-contact');
      expect(other.body.cases.map((c: { superviseeId: string }) => c.superviseeId)).toEqual(['pb3']);
    });

    it('lets the county auditor read both offices, and records every such read', async () => {
      const before = await svc.db.pool.query<{ n: number }>('select max(id)::int as n from audit_log');
      const res = await as.aud.get(`/oversight/handling?${PERIOD}`);
      expect(res.status).toBe(200);
      expect(office(res.body, 'baotai')).toMatchObject({ incidentsOpened: 3 });
      expect(office(res.body, 'lianhua')).toMatchObject({ incidentsOpened: 6 });
      const lost = await as.aud.get('/oversight/lost-contact');
      expect(lost.body.summary.cases).toBe(3);
      const rows = await svc.db.pool.query<{ action: string; detail: Record<string, unknown> }>(
        'select action, detail from audit_log where id > $1 and actor_user_id = $2 order by id',
        [before.rows[0]?.n ?? 0, u.aud.id],
      );
      expect(rows.rows.map((r) => [r.action, r.detail.route ?? r.detail.report])).toEqual([
        ['api.access', '/api/v1/oversight/handling'],
        ['oversight.read', 'handling'],
        ['api.access', '/api/v1/oversight/lost-contact'],
        ['oversight.read', 'lost-contact'],
      ]);
    });

    it('gives an auditor of an office only that office; the reports take no writes', async () => {
      const audA = await login(svc, u.audA.name);
      const res = await audA.get(`/oversight/handling?${PERIOD}`);
      expect(res.body.offices.map((o: { orgUnitId: string }) => o.orgUnitId)).toEqual(['lianhua']);
      const post = await audA.post('/oversight/handling');
      expect(post.status).toBe(404);
    });
  });

  describe('sampled review', () => {
    it('draws N people per office from a seed, reproducibly, and records the draw', async () => {
      const first = await as.aud.get('/oversight/sample?perOffice=2&seed=review-2026-11');
      expect(first.status).toBe(200);
      const byOffice = Object.fromEntries(
        first.body.offices.map((o: { orgUnitId: string; population: number; people: string[] }) => [
          o.orgUnitId,
          o,
        ]),
      );
      expect(byOffice.lianhua.population).toBe(3);
      expect(byOffice.baotai.population).toBe(4);
      expect(byOffice.lianhua.people).toHaveLength(2);
      expect(byOffice.baotai.people).toHaveLength(2);
      for (const id of byOffice.lianhua.people) expect(['pa1', 'pa2', 'pa3']).toContain(id);
      for (const id of byOffice.baotai.people) expect(['pb1', 'pb2', 'pb3', 'pb4']).toContain(id);
      const again = await as.aud.get('/oversight/sample?perOffice=2&seed=review-2026-11');
      expect(again.body.offices).toEqual(first.body.offices);
      // An office's draw depends only on the seed and that office's people, so its officer redraws it.
      const officeOnly = await as.oa1.get('/oversight/sample?perOffice=2&seed=review-2026-11');
      expect(officeOnly.body.offices).toEqual([byOffice.lianhua]);
      const all = await as.aud.get('/oversight/sample?perOffice=10');
      expect(all.body.seed).toEqual(expect.any(String));
      expect(all.body.offices.map((o: { people: string[] }) => o.people)).toEqual([
        ['pb1', 'pb2', 'pb3', 'pb4'],
        ['pa1', 'pa2', 'pa3'],
      ]);
      const recorded = await svc.db.pool.query<{ detail: { seed: string; people: string[] } }>(
        `select detail from audit_log where actor_user_id = $1 and action = 'oversight.read'
         and detail->>'report' = 'sample' order by id`,
        [u.aud.id],
      );
      expect(recorded.rows.map((r) => r.detail.seed)).toEqual([
        'review-2026-11',
        'review-2026-11',
        all.body.seed,
      ]);
      expect(recorded.rows[0]!.detail.people).toEqual([
        ...byOffice.baotai.people,
        ...byOffice.lianhua.people,
      ]);
    });

    it("bundles a person's evidence with a hash over its content, audited, and only in scope", async () => {
      const res = await as.aud.get('/oversight/review/pa2');
      expect(res.status).toBe(200);
      const c = res.body.content;
      expect(res.body.sha256).toBe(contentHash(c));
      expect(c.person).toMatchObject({ id: 'pa2', orgUnitId: 'lianhua', officerId: u.oa2.id });
      expect(
        c.orders.map((o: { id: string; renewsOrderId: string | null }) => [o.id, o.renewsOrderId]),
      ).toEqual([
        ['o-pa2a', null],
        ['o-pa2b', 'o-pa2a'],
      ]);
      expect(c.orders[0]).toMatchObject({ ground: 'left_without_approval', approver: '雁江区司法局局长' });
      expect(
        c.incidents.map((i: { kind: string; history: { action: string }[] }) => [
          i.kind,
          i.history.map((h) => h.action),
        ]),
      ).toEqual([
        ['lost_contact', ['opened', 'escalated', 'escalated']],
        ['strap_tamper', ['opened', 'escalated', 'acknowledged', 'resolved']],
      ]);
      expect(c.incidents[1].history[3].actor).toBe(u.sup.id);
      // pa2's fixes at −20 d, −12 d and −10 d + 30 min.
      expect(c.track).toEqual({ fixes: 3, first: iso(at(-20)), last: iso(at(-10, 1800)), daysWithFixes: 3 });
      expect(c.viewedBy.at(-1)).toMatchObject({
        actorUserId: u.aud.id,
        actorRole: 'auditor',
        action: 'oversight.review',
        purpose: 'sampled review',
      });
      const other = await as.ob1.get('/oversight/review/pa2');
      expect(other.status).toBe(404);
      expect(other.contentType).toContain('application/problem+json');
    });
  });
});
