// The API routes the simulators' REST provisioner needed (issue 7 item 3): a protected person's phone
// (a device with no supervisee, scoped by the unit that registered it) and links between supervisees
// (co-defendants). Each is scoped (404 outside the caller's unit), audited, validated, in OpenAPI,
// and reaches the rules engine's directory.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { monitoredPerson, type TestService, ZIYANG } from '../support/service.js';
import { waitFor } from '../support/wait.js';
import { type ApiClient, createUser, login, loginAdmin, startApiTestService } from './support.js';

describe('API: protected-person phones and supervisee links', () => {
  let svc: TestService;
  let lianhua: ApiClient;
  let baotai: ApiClient;
  let admin: ApiClient;
  let auditor: ApiClient;
  let p1: string;
  let p2: string;
  let elsewhere: string;

  const auditCount = async (action: string) =>
    (
      await svc.db.pool.query<{ n: number }>('select count(*)::int as n from audit_log where action = $1', [
        action,
      ])
    ).rows[0]!.n;

  beforeAll(async () => {
    svc = await startApiTestService();
    lianhua = await login(svc, await createUser(svc, 'officer', 'lianhua'));
    baotai = await login(svc, await createUser(svc, 'officer', 'baotai'));
    auditor = await login(svc, await createUser(svc, 'auditor', 'ziyang'));
    admin = await loginAdmin(svc);
    p1 = (await monitoredPerson(svc, { orgUnitId: 'lianhua' })).personId;
    p2 = (await monitoredPerson(svc, { orgUnitId: 'lianhua' })).personId;
    elsewhere = (await monitoredPerson(svc, { orgUnitId: 'baotai' })).personId;
  }, 120_000);
  afterAll(async () => svc?.cleanup());

  it("registers a protected person's phone in the caller's unit, secret once, audited", async () => {
    const before = await auditCount('device.register_protected_person_phone');
    const res = await lianhua.post('/protected-person-phones', {
      orgUnitId: 'lianhua',
      owntracks: { user: 'victim-1', device: 'phone' },
    });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ id: expect.any(String), secret: expect.any(String) });
    expect(await auditCount('device.register_protected_person_phone')).toBe(before + 1);
    const row = await svc.db.pool.query(
      'select supervisee_id, org_unit_id, kind from devices where id = $1',
      [res.body.id],
    );
    expect(row.rows[0]).toEqual({ supervisee_id: null, org_unit_id: 'lianhua', kind: 'phone' });
    // Listed for its unit (and above), not for another office.
    const listed = await lianhua.get('/devices?limit=500');
    expect(listed.body.items).toContainEqual(
      expect.objectContaining({ id: res.body.id, superviseeId: null, orgUnitId: 'lianhua' }),
    );
    expect((await admin.get('/devices?limit=500')).body.items.map((d: { id: string }) => d.id)).toContain(
      res.body.id,
    );
    expect(
      (await baotai.get('/devices?limit=500')).body.items.map((d: { id: string }) => d.id),
    ).not.toContain(res.body.id);
    expect((await baotai.post(`/devices/${res.body.id}/rotate-secret`)).status).toBe(404);
    // Usable in a protected-person zone by its unit; the directory knows the device.
    const zone = await lianhua.post('/zones', {
      kind: 'protected_person',
      orgUnitId: 'lianhua',
      name: '保护对象',
      geometry: { type: 'Point', coordinates: [ZIYANG.lon, ZIYANG.lat] },
      radiusM: 500,
      protectedDeviceId: res.body.id,
      assignTo: [p1],
    });
    expect(zone.status).toBe(201);
    await waitFor(() => svc.directory.device(res.body.id) !== undefined, 10_000);
  });

  it('refuses another unit, read-only roles and bad bodies', async () => {
    expect((await baotai.post('/protected-person-phones', { orgUnitId: 'lianhua' })).status).toBe(404);
    expect((await auditor.post('/protected-person-phones', { orgUnitId: 'lianhua' })).status).toBe(403);
    const bad = await lianhua.post('/protected-person-phones', { orgUnitId: '' });
    expect(bad.status).toBe(400);
    expect(bad.contentType).toContain('application/problem+json');
    expect((await lianhua.post('/protected-person-phones', {})).status).toBe(400);
  });

  it('links two supervisees once, in either order, audited, and the rules engine sees it', async () => {
    const before = await auditCount('supervisee.link');
    const res = await lianhua.post('/supervisee-links', { a: p2, b: p1, reason: '同案犯 (2026)刑初 1 号' });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      a: [p1, p2].sort()[0],
      b: [p1, p2].sort()[1],
      reason: '同案犯 (2026)刑初 1 号',
    });
    expect(await auditCount('supervisee.link')).toBe(before + 1);
    const again = await lianhua.post('/supervisee-links', { a: p1, b: p2, reason: 'again' });
    expect(again.status).toBe(409);
    expect((await lianhua.get(`/supervisees/${p1}/links`)).body.items).toEqual([
      { superviseeId: p2, reason: '同案犯 (2026)刑初 1 号' },
    ]);
    await waitFor(() => svc.directory.person(p1)?.context.linkedPersonIds.includes(p2) === true, 10_000);
    expect(svc.directory.person(p2)?.context.linkedPersonIds).toContain(p1);
  });

  it('refuses a self-link, a person outside scope, read-only roles and bad bodies', async () => {
    expect((await lianhua.post('/supervisee-links', { a: p1, b: p1, reason: 'x' })).status).toBe(422);
    expect((await lianhua.post('/supervisee-links', { a: p1, b: elsewhere, reason: 'x' })).status).toBe(404);
    expect((await auditor.post('/supervisee-links', { a: p1, b: elsewhere, reason: 'x' })).status).toBe(403);
    expect((await lianhua.post('/supervisee-links', { a: p1, b: p2 })).status).toBe(400);
    expect((await baotai.get(`/supervisees/${p1}/links`)).status).toBe(404);
    // A county officer links across offices; each office sees only its own side of the link.
    const county = await login(svc, await createUser(svc, 'supervisor', 'yanjiang'));
    expect((await county.post('/supervisee-links', { a: p1, b: elsewhere, reason: '同案犯' })).status).toBe(
      201,
    );
    expect(
      (await lianhua.get(`/supervisees/${p1}/links`)).body.items.map(
        (l: { superviseeId: string }) => l.superviseeId,
      ),
    ).toEqual([p2]);
    expect((await county.get(`/supervisees/${p1}/links`)).body.items).toHaveLength(2);
  });

  it('documents both in the OpenAPI document', async () => {
    const spec = (await svc.app.inject({ method: 'GET', url: '/docs/json' })).json();
    expect(spec.paths['/api/v1/protected-person-phones']?.post).toBeDefined();
    expect(spec.paths['/api/v1/supervisee-links']?.post).toBeDefined();
    expect(spec.paths['/api/v1/supervisees/{id}/links']?.get).toBeDefined();
  });
});
