// An OwnTracks user or device name is one topic level of owntracks/{user}/{device}: a "/" would shift
// the levels, and "+" or "#" written into a broker ACL would let the phone publish as any phone.
// Refused as bad input (400), before anything is stored or provisioned.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { monitoredPerson, type TestService } from '../support/service.js';
import { type ApiClient, createUser, login, startApiTestService } from './support.js';

describe('OwnTracks names on device registration', () => {
  let svc: TestService;
  let officer: ApiClient;
  let personId: string;

  beforeAll(async () => {
    svc = await startApiTestService();
    officer = await login(svc, await createUser(svc, 'officer', 'lianhua'));
    personId = (await monitoredPerson(svc, { orgUnitId: 'lianhua' })).personId;
  }, 120_000);
  afterAll(async () => {
    await svc?.cleanup();
  });

  it.each([
    ['+', 'phone'],
    ['zhang', '#'],
    ['zhang/li', 'phone'],
    ['zhang', 'my phone'],
  ])('refuses user %j, device %j', async (user, device) => {
    const before = await svc.db.pool.query('select count(*)::int as n from devices');
    const res = await officer.post('/devices', {
      superviseeId: personId,
      kind: 'phone',
      owntracks: { user, device },
    });
    expect(res.status).toBe(400);
    const after = await svc.db.pool.query('select count(*)::int as n from devices');
    expect(after.rows[0].n).toBe(before.rows[0].n);
  });

  it('registers a phone whose names are single topic levels, any script', async () => {
    const res = await officer.post('/devices', {
      superviseeId: personId,
      kind: 'phone',
      owntracks: { user: '张某某', device: 'phone-1' },
    });
    expect(res.status).toBe(201);
  });
});
