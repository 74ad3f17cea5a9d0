// Leave (Art. 27): the office approves up to 7 days, the county longer, never over 30 days. The rules
// make one leave of chained permits (续假), so the limits hold for the whole chain, also when two
// permits are approved at the same moment; and a permit the rules would not see is refused.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureCounty, monitoredPerson, type TestService } from '../support/service.js';
import { type ApiClient, createUser, leaveDestination, login, startApiTestService } from './support.js';

const DAY = 86_400_000;
const at = (ms: number) => new Date(ms).toISOString();

describe('leave approval limits over chained permits', () => {
  let svc: TestService;
  let officer: ApiClient;
  let supervisor: ApiClient;

  beforeAll(async () => {
    svc = await startApiTestService();
    await ensureCounty(svc);
    officer = await login(svc, await createUser(svc, 'officer', 'lianhua'));
    supervisor = await login(svc, await createUser(svc, 'supervisor', 'yanjiang'));
  }, 120_000);
  afterAll(async () => svc?.cleanup());

  async function leaveSetup() {
    const person = await monitoredPerson(svc, { orgUnitId: 'lianhua' });
    const destinationId = await leaveDestination(officer, person.personId);
    const request = (from: number, to: number) =>
      officer.post('/leave-permits', {
        superviseeId: person.personId,
        destinationZoneId: destinationId,
        startsAt: at(from),
        endsAt: at(to),
        reason: '探亲',
      });
    return { person, request };
  }

  it('refuses an office approval that chains a second permit into a leave over 7 days (Art. 27)', async () => {
    const { request } = await leaveSetup();
    const start = Date.now() + DAY;
    const first = await request(start, start + 6 * DAY);
    expect((await officer.post(`/leave-permits/${first.body.id}/approve`)).status).toBe(200);
    // The extension (续假) starts where the first ends: the rules make one 12-day leave of them.
    const second = await request(start + 6 * DAY, start + 12 * DAY);
    const refused = await officer.post(`/leave-permits/${second.body.id}/approve`);
    expect(refused.status).toBe(422);
    expect(refused.body.reasons.join()).toMatch(/county/);
    // The county may approve it.
    expect((await supervisor.post(`/leave-permits/${second.body.id}/approve`)).status).toBe(200);
  });

  it('refuses chaining permits into a leave over 30 days, even by the county (Art. 27)', async () => {
    const { request } = await leaveSetup();
    const start = Date.now() + DAY;
    const first = await request(start, start + 20 * DAY);
    expect((await supervisor.post(`/leave-permits/${first.body.id}/approve`)).status).toBe(200);
    const second = await request(start + 20 * DAY + 30 * 60_000, start + 35 * DAY);
    const refused = await supervisor.post(`/leave-permits/${second.body.id}/approve`);
    expect(refused.status).toBe(422);
    expect(refused.body.reasons.join()).toMatch(/30 days/);
  });

  it('lets the office approve a new short leave after the person came back', async () => {
    const { request } = await leaveSetup();
    const start = Date.now() + DAY;
    const first = await request(start, start + 5 * DAY);
    expect((await officer.post(`/leave-permits/${first.body.id}/approve`)).status).toBe(200);
    const back = await officer.post(`/leave-permits/${first.body.id}/return`, {
      returnedAt: at(start + 2 * DAY),
    });
    expect(back.status).toBe(200);
    const next = await request(start + 4 * DAY, start + 10 * DAY);
    expect((await officer.post(`/leave-permits/${next.body.id}/approve`)).status).toBe(200);
  });

  it('refuses concurrent office approvals that together make a leave over 7 days', async () => {
    const { request } = await leaveSetup();
    const start = Date.now() + DAY;
    const first = await request(start, start + 5 * DAY);
    const second = await request(start + 5 * DAY, start + 10 * DAY);
    const results = await Promise.all([
      officer.post(`/leave-permits/${first.body.id}/approve`),
      officer.post(`/leave-permits/${second.body.id}/approve`),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 422]);
  });

  it('refuses a leave without a destination, which the rules would not see (Art. 27)', async () => {
    const person = await monitoredPerson(svc, { orgUnitId: 'lianhua' });
    const start = Date.now() + DAY;
    const res = await officer.post('/leave-permits', {
      superviseeId: person.personId,
      startsAt: at(start),
      endsAt: at(start + 2 * DAY),
      reason: '探亲',
    });
    expect(res.status).toBe(422);
  });
});
