// Calling off approved leave (Art. 27): whoever may approve the permit (the office up to 7 days, the
// county longer) cancels it with a reason; from the cancellation the permit stops covering the
// person, who is bound by curfew and county again. Cancelled before it began, it never covers them;
// cancelled while they are away, it ends at the cancellation and its grace applies as at any end.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureCounty, monitoredPerson, type TestService } from '../support/service.js';
import { waitFor } from '../support/wait.js';
import { type ApiClient, createUser, leaveDestination, login, startApiTestService } from './support.js';

const DAY = 86_400_000;
const at = (ms: number) => new Date(ms).toISOString();

describe('cancelling approved leave', () => {
  let svc: TestService;
  let officer: ApiClient;
  let otherOffice: ApiClient;
  let supervisor: ApiClient;

  beforeAll(async () => {
    svc = await startApiTestService();
    await ensureCounty(svc);
    officer = await login(svc, await createUser(svc, 'officer', 'lianhua'));
    otherOffice = await login(svc, await createUser(svc, 'officer', 'baotai'));
    supervisor = await login(svc, await createUser(svc, 'supervisor', 'yanjiang'));
  }, 120_000);
  afterAll(async () => svc?.cleanup());

  async function approvedLeave(from: number, to: number, approver: () => ApiClient = () => officer) {
    const person = await monitoredPerson(svc, { orgUnitId: 'lianhua' });
    const destinationId = await leaveDestination(officer, person.personId);
    const permit = await officer.post('/leave-permits', {
      superviseeId: person.personId,
      destinationZoneId: destinationId,
      startsAt: at(from),
      endsAt: at(to),
      reason: '探亲',
    });
    expect(permit.status).toBe(201);
    expect((await approver().post(`/leave-permits/${permit.body.id}/approve`)).status).toBe(200);
    await waitFor(() => (svc.directory.person(person.personId)?.context.permits.length ?? 0) === 1, 10_000);
    return { person, permitId: permit.body.id as string };
  }

  const permitsOf = (personId: string) => svc.directory.person(personId)?.context.permits ?? [];

  it('ends a running leave at the cancellation, audited; twice is a conflict (Art. 27)', async () => {
    const now = Date.now();
    const { person, permitId } = await approvedLeave(now - DAY, now + 2 * DAY);
    const res = await officer.post(`/leave-permits/${permitId}/cancel`, { reason: '需到所报到' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: permitId, status: 'cancelled' });
    const cancelledAt = Date.parse(res.body.cancelledAt);
    expect(cancelledAt).toBeGreaterThanOrEqual(now - 1000);
    await waitFor(() => permitsOf(person.personId)[0]?.end === cancelledAt, 10_000);
    // The grace of the permit still applies: the person is given it to come back.
    expect(permitsOf(person.personId)[0]!.graceMs).toBe(60 * 60_000);

    const listed = await officer.get(`/leave-permits?superviseeId=${person.personId}`);
    expect(listed.body.items[0]).toMatchObject({ status: 'cancelled', cancelReason: '需到所报到' });
    expect(Date.parse(listed.body.items[0].cancelledAt)).toBe(cancelledAt);

    const audit = await svc.db.pool.query<{ detail: Record<string, unknown> }>(
      "select detail from audit_log where action = 'leave.cancel' and subject_supervisee_id = $1",
      [person.personId],
    );
    expect(audit.rows).toHaveLength(1);
    expect(audit.rows[0]!.detail).toMatchObject({ permitId, reason: '需到所报到' });

    expect((await officer.post(`/leave-permits/${permitId}/cancel`, { reason: '再次' })).status).toBe(409);
  });

  it('drops a leave cancelled before it began from the rules', async () => {
    const now = Date.now();
    const { person, permitId } = await approvedLeave(now + DAY, now + 3 * DAY);
    const res = await officer.post(`/leave-permits/${permitId}/cancel`, { reason: '本人撤回' });
    expect(res.status).toBe(200);
    await waitFor(() => permitsOf(person.personId).length === 0, 10_000);
  });

  it('is for whoever may approve it: a leave over 7 days only by the county', async () => {
    const now = Date.now();
    const { permitId } = await approvedLeave(now + DAY, now + 12 * DAY, () => supervisor);
    expect((await officer.post(`/leave-permits/${permitId}/cancel`, { reason: '取消' })).status).toBe(403);
    expect((await supervisor.post(`/leave-permits/${permitId}/cancel`, { reason: '取消' })).status).toBe(200);
  });

  it('needs a reason, an approved permit, and the caller’s jurisdiction', async () => {
    const now = Date.now();
    const { person, permitId } = await approvedLeave(now + DAY, now + 3 * DAY);
    expect((await officer.post(`/leave-permits/${permitId}/cancel`, {})).status).toBe(400);
    expect((await otherOffice.post(`/leave-permits/${permitId}/cancel`, { reason: '取消' })).status).toBe(
      404,
    );
    const zone = (await officer.get(`/leave-permits?superviseeId=${person.personId}`)).body.items[0]
      .destinationZoneId;
    const requested = await officer.post('/leave-permits', {
      superviseeId: person.personId,
      destinationZoneId: zone,
      startsAt: at(now + 5 * DAY),
      endsAt: at(now + 6 * DAY),
      reason: '探亲',
    });
    expect(
      (await officer.post(`/leave-permits/${requested.body.id}/cancel`, { reason: '取消' })).status,
    ).toBe(409);
  });
});
