// Oversight figures on the real database (issue 9): a month of activity for two offices (lianhua = A,
// baotai = B) is seeded with SQL at chosen moments relative to a fixed clock, and every figure the API
// reports is checked against a value worked out by hand from that seed (the comments show the sums).
// Scope: an officer of A sees only A; the county auditor sees both, and its reads are audited.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contentHash } from '../../src/oversight/sample.js';
import { type ApiClient, login, loginAdmin } from '../api/support.js';
import { pdfPages, pdfText, popplerAvailable } from '../support/poppler.js';
import type { TestService } from '../support/service.js';
import { seedMonth } from './seed-month.js';
import { DAY, S, startOversightService } from './support.js';

const NOW = Math.floor(Date.now() / 1000) * 1000;
const at = (days: number, seconds = 0) => NOW + days * DAY + seconds * S;
const iso = (t: number) => new Date(t).toISOString();
const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));
/** The period under review: [NOW − 28 d, NOW − 1 d). */
const PERIOD = `from=${encodeURIComponent(iso(at(-28)))}&to=${encodeURIComponent(iso(at(-1)))}`;

describe('oversight reports on a seeded month', () => {
  let svc: TestService;
  const u = {} as Record<'oa1' | 'oa2' | 'ob1' | 'sup' | 'aud' | 'audA', { id: string; name: string }>;
  const as = {} as Record<'oa1' | 'ob1' | 'sup' | 'aud' | 'admin', ApiClient>;

  beforeAll(async () => {
    svc = await startOversightService(NOW);
    Object.assign(u, await seedMonth(svc, NOW));
    as.oa1 = await login(svc, u.oa1.name);
    as.ob1 = await login(svc, u.ob1.name);
    as.sup = await login(svc, u.sup.name);
    as.aud = await login(svc, u.aud.name);
    as.admin = await loginAdmin(svc);
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

  describe('handling per day', () => {
    it('slices the figures into day buckets from `from`, per office and for the whole scope', async () => {
      const res = await as.sup.get(
        `/oversight/handling/daily?from=${encodeURIComponent(iso(at(-21)))}&to=${encodeURIComponent(iso(at(-18)))}`,
      );
      expect(res.status).toBe(200);
      expect(res.body.days.map((d: { day: string }) => d.day)).toEqual([
        iso(at(-21)),
        iso(at(-20)),
        iso(at(-19)),
      ]);
      const [d1, d2, d3] = res.body.days;
      // [−21, −20): no incident. Person-days: A pa1 + pa2 = 2 (pa3's order starts at −20); B pb1 + pb3 = 2.
      expect(d1.offices.lianhua).toMatchObject({
        incidentsOpened: 0,
        supervisedPersonDays: 2,
        acknowledgeP50S: null,
      });
      expect(d1.offices.baotai).toMatchObject({ incidentsOpened: 0, supervisedPersonDays: 2 });
      expect(d1.offices.all).toMatchObject({ incidentsOpened: 0, supervisedPersonDays: 4 });
      // [−20, −19): #1 in A (ack 60 s, resolve 600 s), #9 in B (40 s, 400 s). Person-days: A pa1 pa2 pa3 = 3;
      // B pb1 = 1 (pb3's order ended at −20). Whole scope, nearest rank over [40, 60]: p50 40, p95 60.
      expect(d2.offices.lianhua).toEqual({
        incidentsOpened: 1,
        supervisedPersonDays: 3,
        incidentsPerPersonDay: Math.round((1 / 3) * 1e6) / 1e6,
        acknowledgeP50S: 60,
        acknowledgeP95S: 60,
        resolveP50S: 600,
        resolveP95S: 600,
        escalatedToCounty: 0,
      });
      expect(d2.offices.baotai).toMatchObject({
        incidentsOpened: 1,
        supervisedPersonDays: 1,
        acknowledgeP50S: 40,
      });
      expect(d2.offices.all).toMatchObject({
        incidentsOpened: 2,
        supervisedPersonDays: 4,
        incidentsPerPersonDay: 0.5,
        acknowledgeP50S: 40,
        acknowledgeP95S: 60,
        resolveP50S: 400,
        resolveP95S: 600,
      });
      // [−19, −18): #8 opened at −18 belongs to the next bucket.
      expect(d3.offices.all.incidentsOpened).toBe(0);
      const tooLong = await as.sup.get(
        `/oversight/handling/daily?from=${encodeURIComponent(iso(at(-200)))}&to=${encodeURIComponent(iso(at(-1)))}`,
      );
      expect(tooLong.status).toBe(400);
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
    it.skipIf(!popplerAvailable())(
      'renders the bundle as a PDF with the Chinese text, every page inked and footed with the hash',
      async () => {
        await svc.db.pool.query("update supervisees set name = '王某某' where id = 'pa2'");
        const res = await svc.app.inject({
          method: 'GET',
          url: '/api/v1/oversight/review/pa2/pdf',
          headers: { authorization: `Bearer ${as.aud.token}` },
        });
        expect(res.statusCode, res.body).toBe(200);
        expect(res.headers['content-type']).toBe('application/pdf');
        const hash = String(res.headers['x-content-sha256']);
        expect(hash).toMatch(/^[0-9a-f]{64}$/);
        const dir = join(ARTIFACTS, 'oversight');
        mkdirSync(dir, { recursive: true });
        const file = join(dir, 'review-pa2.pdf');
        writeFileSync(file, res.rawPayload);
        const text = pdfText(file).replace(/\s+/g, ' ');
        for (const expected of [
          '抽查核查证据材料',
          '监管对象 Person: 王某某',
          '莲花街道司法所',
          'Order o-pa2a',
          'Order o-pa2b',
          '续期自 Renews: o-pa2a',
          '批准人 Approver: 雁江区司法局局长',
          '未经批准离开所居住的市、县',
          '设备拆卸 (strap_tamper)',
          '误报 (false_alarm)',
          '定位点数 Fixes: 3',
          u.aud.name,
          hash,
        ]) {
          expect(text).toContain(expected);
        }
        // The hash in the PDF is the one of the JSON content as it was served with this PDF: the bundle
        // read right after carries one more audit record (this PDF's), so only its earlier part matches.
        const json = await as.aud.get('/oversight/review/pa2');
        expect(json.body.content.viewedBy.at(-2)).toMatchObject({
          action: 'oversight.review',
          actorRole: 'auditor',
        });
        const pdfAudit = await svc.db.pool.query<{ n: number }>(
          `select count(*)::int as n from audit_log where action = 'oversight.review' and subject_supervisee_id = 'pa2'
           and detail->>'format' = 'pdf' and actor_user_id = $1`,
          [u.aud.id],
        );
        expect(pdfAudit.rows[0]!.n).toBe(1);
        const pages = pdfPages(file, dir, 'review-pa2');
        expect(pages.length).toBeGreaterThanOrEqual(1);
        expect(pages[0]!.bodyInkRatio).toBeGreaterThan(0.01);
        for (const page of pages) {
          // A4 at 60 dpi is about 496 × 702. Every page has text above its footer (a blank page, or one
          // with only the footer, has none there); the first page is full.
          expect(Math.abs(page.width - 496)).toBeLessThanOrEqual(1);
          expect(page.bodyInkRatio).toBeGreaterThan(0.0005);
        }
        const other = await svc.app.inject({
          method: 'GET',
          url: '/api/v1/oversight/review/pa2/pdf',
          headers: { authorization: `Bearer ${as.ob1.token}` },
        });
        expect(other.statusCode).toBe(404);
      },
    );
  });
});
