// Ending EM early (Art. 29): the sentence ends, the court revokes EM, the person is taken into
// custody. The county records the revocation with its reason; from then on no location is collected
// or judged (the directory drops the period at the revocation), and revoking twice is a conflict.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureCounty, monitoredPerson, type TestService } from '../support/service.js';
import { waitFor } from '../support/wait.js';
import { type ApiClient, createUser, login, startApiTestService } from './support.js';

const DAY = 86_400_000;
const at = (ms: number) => new Date(ms).toISOString();

describe('revoking an EM order', () => {
  let svc: TestService;
  let supervisor: ApiClient;
  let officer: ApiClient;
  let otherCounty: ApiClient;

  beforeAll(async () => {
    svc = await startApiTestService();
    await ensureCounty(svc);
    await svc.db.pool.query(
      `insert into org_units (id, parent_id, level, name, name_en, path)
       values ('anyue', 'ziyang', 'county', '安岳县司法局', 'Anyue County Justice Bureau', '/ziyang/anyue/')
       on conflict do nothing`,
    );
    supervisor = await login(svc, await createUser(svc, 'supervisor', 'yanjiang'));
    officer = await login(svc, await createUser(svc, 'officer', 'lianhua'));
    otherCounty = await login(svc, await createUser(svc, 'supervisor', 'anyue'));
  }, 120_000);
  afterAll(async () => svc?.cleanup());

  const orderOf = async (personId: string) =>
    (await supervisor.get(`/supervisees/${personId}/em-orders`)).body.items[0];

  it('ends the period at the revocation, audited, and the rules stop at once (Art. 29)', async () => {
    const person = await monitoredPerson(svc, { orgUnitId: 'lianhua' });
    const order = await orderOf(person.personId);
    const before = Date.now();
    const res = await supervisor.post(`/em-orders/${order.id}/revoke`, { reason: '法院裁定撤销电子定位' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: order.id });
    const revokedAt = Date.parse(res.body.revokedAt);
    expect(revokedAt).toBeGreaterThanOrEqual(before - 1000);
    expect(revokedAt).toBeLessThanOrEqual(Date.now());

    const listed = await orderOf(person.personId);
    expect(Date.parse(listed.revokedAt)).toBe(revokedAt);
    expect(listed.revokeReason).toBe('法院裁定撤销电子定位');

    // The directory reloads: the period ends at the revocation, nothing is covered after it.
    await waitFor(() => {
      const orders = svc.directory.person(person.personId)?.context.orders ?? [];
      return orders.every((o) => o.end <= revokedAt);
    }, 10_000);

    const audit = await svc.db.pool.query<{ detail: Record<string, unknown> }>(
      "select detail from audit_log where action = 'em_order.revoke' and subject_supervisee_id = $1",
      [person.personId],
    );
    expect(audit.rows).toHaveLength(1);
    expect(audit.rows[0]!.detail).toMatchObject({ orderId: order.id, reason: '法院裁定撤销电子定位' });

    // Twice is a conflict, and keeps the first revocation.
    const again = await supervisor.post(`/em-orders/${order.id}/revoke`, { reason: '重复' });
    expect(again.status).toBe(409);
    expect(Date.parse((await orderOf(person.personId)).revokedAt)).toBe(revokedAt);
  });

  it('takes an earlier effective time, never before the start nor in the future', async () => {
    const person = await monitoredPerson(svc, { orgUnitId: 'lianhua' });
    const order = await orderOf(person.personId);
    const start = Date.parse(order.startsAt);
    const early = await supervisor.post(`/em-orders/${order.id}/revoke`, {
      reason: '收监执行',
      effectiveAt: at(start - DAY),
    });
    expect(early.status).toBe(422);
    const future = await supervisor.post(`/em-orders/${order.id}/revoke`, {
      reason: '收监执行',
      effectiveAt: at(Date.now() + DAY),
    });
    expect(future.status).toBe(422);
    const effectiveAt = Date.now() - 2 * DAY;
    const ok = await supervisor.post(`/em-orders/${order.id}/revoke`, {
      reason: '收监执行',
      effectiveAt: at(effectiveAt),
    });
    expect(ok.status).toBe(200);
    expect(Date.parse(ok.body.revokedAt)).toBe(effectiveAt);
  });

  /** A renewal of 60 days from the end of the order it renews. */
  const renew = (superviseeId: string, orderId: string, end: number) =>
    supervisor.post('/em-orders', {
      superviseeId,
      ground: 'left_without_approval',
      approver: '雁江区司法局局长',
      startsAt: at(end),
      endsAt: at(end + 60 * DAY),
      renewsOrderId: orderId,
    });

  it('ends the renewals already recorded with it; a new period may start at the revocation', async () => {
    const person = await monitoredPerson(svc, { orgUnitId: 'lianhua' });
    const order = await orderOf(person.personId);
    const end = Date.parse(order.endsAt);
    const renewal = await renew(person.personId, order.id, end);
    expect(renewal.status).toBe(201);
    const res = await supervisor.post(`/em-orders/${order.id}/revoke`, { reason: '刑期届满' });
    expect(res.status).toBe(200);
    expect(res.body.alsoRevoked).toEqual([renewal.body.id]);
    const revokedAt = Date.parse(res.body.revokedAt);
    await waitFor(() => (svc.directory.person(person.personId)?.context.orders ?? []).length === 1, 10_000);
    expect(svc.directory.person(person.personId)!.context.orders[0]!.end).toBe(revokedAt);
    // The revoked order ran until its revocation: a new one may not reach back into it.
    const back = await supervisor.post('/em-orders', {
      superviseeId: person.personId,
      ground: 'pending_revocation',
      approver: '雁江区司法局局长',
      startsAt: at(revokedAt - DAY),
      endsAt: at(revokedAt + 30 * DAY),
    });
    expect(back.status).toBe(422);
    const after = await supervisor.post('/em-orders', {
      superviseeId: person.personId,
      ground: 'pending_revocation',
      approver: '雁江区司法局局长',
      startsAt: at(revokedAt),
      endsAt: at(revokedAt + 30 * DAY),
    });
    expect(after.status).toBe(201);
  });

  it('revokes an order not yet begun from its start, so it never runs', async () => {
    const person = await monitoredPerson(svc, { orgUnitId: 'lianhua' });
    const order = await orderOf(person.personId);
    const end = Date.parse(order.endsAt);
    const next = await renew(person.personId, order.id, end);
    const res = await supervisor.post(`/em-orders/${next.body.id}/revoke`, { reason: '不再续期' });
    expect(res.status).toBe(200);
    expect(Date.parse(res.body.revokedAt)).toBe(end);
    await waitFor(() => (svc.directory.person(person.personId)?.context.orders ?? []).length === 1, 10_000);
    expect(svc.directory.person(person.personId)!.context.orders[0]!.end).toBe(end);
  });

  it('documents both routes in the OpenAPI description, reason required', async () => {
    const spec = (await svc.app.inject({ method: 'GET', url: '/docs/json' })).json();
    for (const path of ['/api/v1/em-orders/{id}/revoke', '/api/v1/leave-permits/{id}/cancel']) {
      const body = spec.paths[path]?.post?.requestBody?.content?.['application/json']?.schema;
      expect(body?.required).toContain('reason');
    }
  });

  it('needs a reason, the county, and the caller’s jurisdiction', async () => {
    const person = await monitoredPerson(svc, { orgUnitId: 'lianhua' });
    const order = await orderOf(person.personId);
    expect((await supervisor.post(`/em-orders/${order.id}/revoke`, {})).status).toBe(400);
    expect((await supervisor.post(`/em-orders/${order.id}/revoke`, { reason: '' })).status).toBe(400);
    expect((await officer.post(`/em-orders/${order.id}/revoke`, { reason: '刑期届满' })).status).toBe(403);
    expect((await otherCounty.post(`/em-orders/${order.id}/revoke`, { reason: '刑期届满' })).status).toBe(
      404,
    );
    expect((await supervisor.post('/em-orders/no-such-order/revoke', { reason: '刑期届满' })).status).toBe(
      404,
    );
    expect((await orderOf(person.personId)).revokedAt).toBeNull();
  });
});
