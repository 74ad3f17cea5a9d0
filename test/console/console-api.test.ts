// The read routes the console adds under /api/v1/console: the map (positions in scope, audited),
// the zones that apply to one person (including the county boundary above an office officer), and
// the names of who handled incidents (only those who acted in the caller's scope).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ApiClient,
  createUser,
  cutStrap,
  login,
  loginAdmin,
  openIncidentOf,
  startApiTestService,
} from '../api/support.js';
import { ensureCounty, type MonitoredPerson, monitoredPerson, type TestService } from '../support/service.js';
import { giveResidence, publishWalk } from './helpers.js';

describe('console API routes', () => {
  let svc: TestService;
  let mine: MonitoredPerson;
  let sibling: MonitoredPerson;
  let lianhua: ApiClient;
  let baotai: ApiClient;
  let admin: ApiClient;

  beforeAll(async () => {
    svc = await startApiTestService();
    await ensureCounty(svc);
    mine = await monitoredPerson(svc, { orgUnitId: 'lianhua' });
    sibling = await monitoredPerson(svc, { orgUnitId: 'baotai' });
    await giveResidence(svc, mine.personId, 'home');
    await publishWalk(svc, mine.ankle, 3);
    lianhua = await login(svc, await createUser(svc, 'officer', 'lianhua'));
    baotai = await login(svc, await createUser(svc, 'officer', 'baotai'));
    admin = await loginAdmin(svc);
  }, 120_000);
  afterAll(async () => {
    await svc?.cleanup();
  });

  it('maps the people in scope with their last fix, and records the read in the audit log', async () => {
    const res = await lianhua.get('/console/map');
    expect(res.status).toBe(200);
    expect(res.body.people.map((p: { id: string }) => p.id)).toEqual([mine.personId]);
    expect(res.body.people[0]).toMatchObject({
      inViolation: false,
      openIncidents: 0,
      lastFix: { accuracyM: expect.any(Number) },
    });
    // The county boundary above the office is drawn, as is the person's residence; nothing of baotai.
    const kinds = res.body.zones.features
      .map((f: { properties: { kind: string } }) => f.properties.kind)
      .sort();
    expect(kinds).toEqual(['jurisdiction', 'residence']);
    const audit = await svc.db.pool.query("select purpose from audit_log where action = 'positions.read'");
    expect(audit.rows.length).toBeGreaterThanOrEqual(1);
    expect(audit.rows[0].purpose).toBeTruthy();
  });

  it('marks a person with an ongoing unresolved incident as in violation', async () => {
    await cutStrap(svc, mine.ankle);
    await expect.poll(() => openIncidentOf(svc, mine.personId)).not.toBeNull();
    const res = await lianhua.get('/console/map');
    expect(res.body.people[0]).toMatchObject({
      inViolation: true,
      openIncidents: 1,
      worstSeverity: 'critical',
    });
  });

  it('lists the zones that apply to a person, and answers 404 outside scope', async () => {
    const res = await lianhua.get(`/console/supervisees/${mine.personId}/zones`);
    expect(res.status).toBe(200);
    expect(res.body.features.map((f: { id: string }) => f.id)).toContain('county-yanjiang');
    expect((await baotai.get(`/console/supervisees/${mine.personId}/zones`)).status).toBe(404);
    expect((await lianhua.get(`/console/supervisees/${sibling.personId}/zones`)).status).toBe(404);
  });

  it('names who handled an incident in scope, and nobody who did not', async () => {
    const incidentId = (await openIncidentOf(svc, mine.personId))!;
    expect((await admin.post(`/incidents/${incidentId}/acknowledge`)).status).toBe(200);
    const adminId = (await svc.db.pool.query("select id from users where username = 'admin'")).rows[0].id;
    const named = await lianhua.get(`/console/actors?ids=${adminId},nobody`);
    expect(named.body.items).toEqual([expect.objectContaining({ id: adminId, username: 'admin' })]);
    // baotai's officer has no incident the admin acted on in scope, so learns nothing.
    expect((await baotai.get(`/console/actors?ids=${adminId}`)).body.items).toEqual([]);
  });
});
