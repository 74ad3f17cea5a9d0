// Each role against each resource (issue 5, access control): a user sees and acts on what lies at or
// below their unit, never beside or above it; another unit's person answers 404, not 403; the
// procuratorate's auditor reads its whole scope, writes nothing (403), and its every access is logged.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createZone } from '../../src/admin/zones.js';
import {
  ensureCounty,
  type MonitoredPerson,
  monitoredPerson,
  squareAround,
  type TestService,
  ZIYANG,
} from '../support/service.js';
import { waitFor } from '../support/wait.js';
import {
  type ApiClient,
  createUser,
  cutStrap,
  login,
  loginAdmin,
  openIncidentOf,
  startApiTestService,
} from './support.js';

type Who =
  | 'officerLianhua'
  | 'officerBaotai'
  | 'supervisor'
  | 'administrator'
  | 'auditorCounty'
  | 'auditorLianhua';
const WHO: Who[] = [
  'officerLianhua',
  'officerBaotai',
  'supervisor',
  'administrator',
  'auditorCounty',
  'auditorLianhua',
];

/** Which of the two people (A in lianhua, B in baotai) each caller may see. */
const SEES: Record<Who, { A: boolean; B: boolean }> = {
  officerLianhua: { A: true, B: false },
  officerBaotai: { A: false, B: true },
  supervisor: { A: true, B: true },
  administrator: { A: true, B: true },
  auditorCounty: { A: true, B: true },
  auditorLianhua: { A: true, B: false },
};
const WRITES: Record<Who, boolean> = {
  officerLianhua: true,
  officerBaotai: true,
  supervisor: true,
  administrator: true,
  auditorCounty: false,
  auditorLianhua: false,
};

describe('access control: every role against every resource', () => {
  let svc: TestService;
  let a: MonitoredPerson;
  let b: MonitoredPerson;
  const ids = { A: { zone: '', incident: 0 }, B: { zone: '', incident: 0 } };
  const as = {} as Record<Who, ApiClient>;

  beforeAll(async () => {
    svc = await startApiTestService();
    await ensureCounty(svc);
    a = await monitoredPerson(svc, { orgUnitId: 'lianhua' });
    b = await monitoredPerson(svc, { orgUnitId: 'baotai' });
    for (const [key, p, unit] of [
      ['A', a, 'lianhua'],
      ['B', b, 'baotai'],
    ] as const) {
      ids[key].zone = await createZone(svc.admin, {
        kind: 'residence',
        orgUnitId: unit,
        superviseeId: p.personId,
        name: 'home',
        geometry: squareAround(ZIYANG.lat, ZIYANG.lon, 100),
      });
      await cutStrap(svc, p.ankle);
      await waitFor(async () => (await openIncidentOf(svc, p.personId)) !== null);
      ids[key].incident = (await openIncidentOf(svc, p.personId))!;
    }
    const users: Record<Who, [string, string] | null> = {
      officerLianhua: ['officer', 'lianhua'],
      officerBaotai: ['officer', 'baotai'],
      supervisor: ['supervisor', 'yanjiang'],
      administrator: null,
      auditorCounty: ['auditor', 'yanjiang'],
      auditorLianhua: ['auditor', 'lianhua'],
    };
    for (const who of WHO) {
      const u = users[who];
      as[who] = u ? await login(svc, await createUser(svc, u[0] as 'officer', u[1])) : await loginAdmin(svc);
    }
  }, 120_000);
  afterAll(async () => svc?.cleanup());

  const person = (key: 'A' | 'B') => (key === 'A' ? a : b);

  describe.each(WHO)('%s', (who) => {
    it('lists exactly the people, incidents, devices and zones of its scope', async () => {
      const api = as[who];
      const expected = (['A', 'B'] as const).filter((k) => SEES[who][k]);
      const listed = (await api.get('/supervisees')).body.items as Array<{ id: string; orgUnitId: string }>;
      const units = (SEES[who].A ? ['lianhua'] : []).concat(SEES[who].B ? ['baotai'] : []);
      for (const s of listed) expect(units).toContain(s.orgUnitId);
      const fixed = [a.personId, b.personId];
      const people = listed
        .map((s) => s.id)
        .filter((id) => fixed.includes(id))
        .sort();
      expect(people).toEqual(expected.map((k) => person(k).personId).sort());
      const incidents = (await api.get('/incidents')).body.items.map(
        (i: { superviseeId: string }) => i.superviseeId,
      );
      expect([...new Set(incidents)].sort()).toEqual(expected.map((k) => person(k).personId).sort());
      const devices = (await api.get('/devices')).body.items.map((d: { id: string }) => d.id).sort();
      expect(devices).toEqual(expected.map((k) => person(k).ankle.id).sort());
      const zones = (await api.get('/zones?kind=residence')).body.features
        .map((f: { id: string }) => f.id)
        .sort();
      expect(zones).toEqual(expected.map((k) => ids[k].zone).sort());
    });

    it.each(['A', 'B'] as const)('reads person %s only in scope, else 404', async (key) => {
      const api = as[who];
      const p = person(key);
      const want = SEES[who][key] ? 200 : 404;
      const track = `/supervisees/${p.personId}/track?from=${new Date(Date.now() - 3_600_000).toISOString()}&to=${new Date().toISOString()}&purpose=case%20review`;
      for (const url of [
        `/supervisees/${p.personId}`,
        `/supervisees/${p.personId}/em-orders`,
        track,
        `/devices/${p.ankle.id}/status`,
        `/zones/${ids[key].zone}`,
        `/incidents/${ids[key].incident}?purpose=case%20review`,
      ]) {
        const res = await api.get(url);
        expect(res.status, `${who} GET ${url}`).toBe(want);
        if (want === 404) expect(res.contentType).toContain('application/problem+json');
      }
    });

    it('writes only in scope; the auditor never writes (403)', async () => {
      const api = as[who];
      for (const key of ['A', 'B'] as const) {
        const want = !WRITES[who] ? 403 : SEES[who][key] ? 201 : 404;
        const res = await api.post(`/incidents/${ids[key].incident}/comments`, { comment: `seen by ${who}` });
        expect(res.status, `${who} comments on ${key}`).toBe(want);
        const unit = key === 'A' ? 'lianhua' : 'baotai';
        const created = await api.post('/supervisees', { orgUnitId: unit, name: '新对象', level: 'normal' });
        expect(created.status, `${who} creates a person in ${unit}`).toBe(want);
      }
    });

    it('sees org units and users at or below its unit only', async () => {
      const api = as[who];
      const paths: string[] = (await api.get('/org-units')).body.items.map((u: { path: string }) => u.path);
      const me = (await api.get('/auth/me')).body;
      expect(paths.length).toBeGreaterThan(0);
      for (const p of paths) expect(p.startsWith(me.orgPath)).toBe(true);
      const users = (await api.get('/users')).body.items as Array<{ orgUnitId: string }>;
      const unitIds = new Set(
        ((await api.get('/org-units')).body.items as Array<{ id: string }>).map((u) => u.id),
      );
      for (const u of users) expect(unitIds.has(u.orgUnitId)).toBe(true);
    });
  });

  it('records every access by an auditor, before answering', async () => {
    const before = await svc.db.pool.query<{ n: number }>(
      "select count(*)::int as n from audit_log where action = 'api.access' and actor_role = 'auditor'",
    );
    await as.auditorCounty.get('/supervisees');
    await as.auditorCounty.get(`/supervisees/${b.personId}`);
    const after = await svc.db.pool.query<{ n: number }>(
      "select count(*)::int as n from audit_log where action = 'api.access' and actor_role = 'auditor'",
    );
    expect(after.rows[0]!.n - before.rows[0]!.n).toBe(2);
  });

  it('assigns a person only to an enabled officer of its office; any other id gets the same 422', async () => {
    const idOf = async (role: 'officer' | 'supervisor', unit: string) => {
      const name = await createUser(svc, role, unit);
      return (await svc.db.pool.query<{ id: string }>('select id from users where username = $1', [name]))
        .rows[0]!.id;
    };
    const own = await idOf('officer', 'lianhua');
    const disabled = await idOf('officer', 'lianhua');
    await svc.db.pool.query('update users set disabled = true where id = $1', [disabled]);
    const refusals = [];
    for (const officerId of [
      await idOf('officer', 'baotai'),
      await idOf('supervisor', 'yanjiang'),
      disabled,
      'no-such-user',
    ]) {
      const res = await as.supervisor.post('/supervisees', {
        orgUnitId: 'lianhua',
        name: '指派',
        level: 'normal',
        officerId,
      });
      refusals.push({ status: res.status, detail: res.body.detail });
    }
    expect(new Set(refusals.map((r) => JSON.stringify(r))).size, JSON.stringify(refusals)).toBe(1);
    expect(refusals[0]!.status).toBe(422);

    const created = await as.officerLianhua.post('/supervisees', {
      orgUnitId: 'lianhua',
      name: '指派',
      level: 'normal',
      officerId: own,
    });
    expect(created.status).toBe(201);
    expect((await as.officerLianhua.get(`/supervisees/${created.body.id}`)).body.officerId).toBe(own);
  });

  it('refuses requests without a valid token (401, problem+json)', async () => {
    const res = await svc.app.inject({ method: 'GET', url: '/api/v1/supervisees' });
    expect(res.statusCode).toBe(401);
    expect(res.headers['content-type']).toContain('application/problem+json');
    const bad = await svc.app.inject({
      method: 'GET',
      url: '/api/v1/supervisees',
      headers: { authorization: 'Bearer x.y.z' },
    });
    expect(bad.statusCode).toBe(401);
  });
});
