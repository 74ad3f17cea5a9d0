// Zones the rules would take in but never fire on: a ring without area (a person is never inside it,
// or always outside), a protected-person zone without the phone it follows.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureCounty, monitoredPerson, type TestService, ZIYANG } from '../support/service.js';
import { type ApiClient, createUser, login, startApiTestService } from './support.js';

describe('zones the rules can use', () => {
  let svc: TestService;
  let officer: ApiClient;

  beforeAll(async () => {
    svc = await startApiTestService();
    await ensureCounty(svc);
    officer = await login(svc, await createUser(svc, 'officer', 'lianhua'));
  }, 120_000);
  afterAll(async () => svc?.cleanup());

  it('refuses a zone whose ring has no area', async () => {
    const p = [ZIYANG.lon, ZIYANG.lat];
    const q = [ZIYANG.lon + 0.01, ZIYANG.lat];
    const res = await officer.post('/zones', {
      kind: 'prohibition',
      orgUnitId: 'lianhua',
      name: 'line',
      geometry: { type: 'Polygon', coordinates: [[p, q, p, p]] },
    });
    expect(res.status).toBe(422);
  });

  it('refuses a protected-person zone the rules cannot use (no phone to follow)', async () => {
    const person = await monitoredPerson(svc, { orgUnitId: 'lianhua' });
    const res = await officer.post('/zones', {
      kind: 'protected_person',
      orgUnitId: 'lianhua',
      name: '保护对象',
      geometry: { type: 'Point', coordinates: [ZIYANG.lon, ZIYANG.lat] },
      radiusM: 500,
      assignTo: [person.personId],
    });
    expect(res.status).toBe(422);
  });

  it("applies a prohibition zone made for one person (superviseeId) to that person's rules (Art. 31)", async () => {
    const person = await monitoredPerson(svc, { orgUnitId: 'lianhua' });
    const res = await officer.post('/zones', {
      kind: 'prohibition',
      orgUnitId: 'lianhua',
      superviseeId: person.personId,
      name: '被害人住所',
      geometry: { type: 'Point', coordinates: [ZIYANG.lon, ZIYANG.lat] },
      radiusM: 200,
    });
    expect(res.status).toBe(201);
    const prohibitionOf = () => svc.directory.person(person.personId)?.context.prohibition ?? null;
    for (let i = 0; i < 60 && prohibitionOf() === null; i++) await new Promise((r) => setTimeout(r, 50));
    expect(prohibitionOf()).not.toBeNull();
  });
});
