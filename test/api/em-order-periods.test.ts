// EM periods (Art. 29): each at most 3 months and extended only by a new approved period, a renewal
// that starts where the renewed one ends; two orders never run at once for one person, also when
// recorded at the same moment.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureCounty, monitoredPerson, type TestService } from '../support/service.js';
import { type ApiClient, createUser, login, startApiTestService } from './support.js';

const DAY = 86_400_000;
const at = (ms: number) => new Date(ms).toISOString();

describe('EM order periods', () => {
  let svc: TestService;
  let supervisor: ApiClient;

  beforeAll(async () => {
    svc = await startApiTestService();
    await ensureCounty(svc);
    supervisor = await login(svc, await createUser(svc, 'supervisor', 'yanjiang'));
  }, 120_000);
  afterAll(async () => svc?.cleanup());

  const emOrder = (personId: string, from: number, to: number, renewsOrderId?: string) => ({
    superviseeId: personId,
    ground: 'left_without_approval',
    approver: '雁江区司法局局长',
    startsAt: at(from),
    endsAt: at(to),
    ...(renewsOrderId ? { renewsOrderId } : {}),
  });

  it('refuses an EM order overlapping a running one: extension is a renewal (Art. 29)', async () => {
    const person = await monitoredPerson(svc, { orgUnitId: 'lianhua' });
    const [running] = (await supervisor.get(`/supervisees/${person.personId}/em-orders`)).body.items;
    const now = Date.now();
    // A second 80-day order from today runs EM to day 110 of one continuous stretch.
    const overlapping = await supervisor.post('/em-orders', emOrder(person.personId, now, now + 80 * DAY));
    expect(overlapping.status).toBe(422);
    // A renewal must start when the renewed period ends, not inside it.
    const early = await supervisor.post(
      '/em-orders',
      emOrder(person.personId, now, now + 80 * DAY, running.id),
    );
    expect(early.status).toBe(422);
    const end = Date.parse(running.endsAt);
    const renewal = await supervisor.post(
      '/em-orders',
      emOrder(person.personId, end, end + 80 * DAY, running.id),
    );
    expect(renewal.status).toBe(201);
    // The same period renewed twice would be two orders at once.
    const again = await supervisor.post(
      '/em-orders',
      emOrder(person.personId, end, end + 60 * DAY, running.id),
    );
    expect(again.status).toBe(422);
  });

  it('refuses concurrent overlapping EM orders for one person', async () => {
    const person = await monitoredPerson(svc, { orgUnitId: 'lianhua' });
    const from = Date.now() + 40 * DAY;
    const results = await Promise.all([
      supervisor.post('/em-orders', emOrder(person.personId, from, from + 60 * DAY)),
      supervisor.post('/em-orders', emOrder(person.personId, from + DAY, from + 61 * DAY)),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual([201, 422]);
  });
});
