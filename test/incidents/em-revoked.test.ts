// EM ended early (Art. 29: location is collected, and rules apply, only inside an approved period).
// After a revocation the person's own monitor still reports: its fixes are refused as
// no_active_order, never stored as monitoring data, and what was open (an exit from the county)
// closes with reason order_ended at the revocation, not when the timers first notice it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { coverageEndedAt } from '../../src/domain/rules/order-end.js';
import { type ApiClient, createUser, login } from '../api/support.js';
import {
  ensureCounty,
  type MonitoredPerson,
  monitoredPerson,
  publishFixes,
  startTestServiceOnDatabaseUrl,
  storedFixes,
  type TestService,
  ZIYANG,
  ZIYANG_KX,
} from '../support/service.js';
import { waitFor } from '../support/wait.js';

const MIN = 60_000;

describe('an EM order revoked while an incident is open', () => {
  let svc: TestService;
  // A clock of its own, in the past, so fixes and ticks never run ahead of real time.
  let now = Date.now() - 60 * MIN;
  let person: MonitoredPerson;
  let supervisor: string;

  beforeAll(async () => {
    svc = await startTestServiceOnDatabaseUrl(
      'em_revoked',
      { TIMER_TICK_MS: '300000' },
      { clock: () => now },
    );
    await ensureCounty(svc);
    person = await monitoredPerson(svc, { orgUnitId: 'lianhua', level: 'strict' });
    supervisor = await createUser(svc, 'supervisor', 'yanjiang');
  }, 120_000);
  afterAll(async () => svc?.cleanup());

  const incidents = async (kind: string) =>
    (
      await svc.db.pool.query<{ id: number; state: string }>(
        'select id, state from incidents where supervisee_id = $1 and kind = $2',
        [person.personId, kind],
      )
    ).rows;
  // 30 km east of the county seat: outside the county (a 20 km square around it).
  const away = { lat: ZIYANG.lat, lon: ZIYANG.lon + 30_000 / ZIYANG_KX };
  const fix = (ts: number, seq: number) => ({
    ts: new Date(ts).toISOString(),
    ...away,
    acc: 8,
    src: 'gnss',
    seq,
  });

  it('refuses the monitor’s next fix as no_active_order and closes the open exit with order_ended', async () => {
    // The person leaves the county without leave (Art. 27): an exit opens.
    const t0 = now;
    await publishFixes(
      svc,
      person.ankle,
      [0, 1, 2, 3].map((k) => fix(t0 + k * 30_000, k + 1)),
    );
    await waitFor(async () => (await storedFixes(svc, person.ankle.id)) === 4, 10_000);
    const lastFix = t0 + 90_000;
    now = lastFix + 1000;
    await svc.tick(now);
    expect((await incidents('jurisdiction_exit')).map((r) => r.state)).toEqual(['open']);

    // The person is taken into custody; the county ends EM, effective a minute ago.
    now = t0 + 4 * MIN;
    const effectiveAt = t0 + 3 * MIN;
    const client: ApiClient = await login(svc, supervisor);
    const order = (await client.get(`/supervisees/${person.personId}/em-orders`)).body.items[0];
    const revoked = await client.post(`/em-orders/${order.id}/revoke`, {
      reason: '收监执行',
      effectiveAt: new Date(effectiveAt).toISOString(),
    });
    expect(revoked.status).toBe(200);
    await waitFor(() => {
      const orders = svc.directory.person(person.personId)?.context.orders ?? [];
      return orders.every((o) => o.end <= effectiveAt);
    }, 10_000);
    // Coverage ends at the revocation, which is where the rules close what is open (order-end.ts).
    const ctx = svc.directory.person(person.personId)!.context;
    expect(coverageEndedAt(ctx.orders, lastFix, now)).toBe(effectiveAt);

    await svc.tick(now);
    expect((await incidents('jurisdiction_exit')).map((r) => r.state)).toEqual(['resolved']);
    const closed = await svc.db.pool.query<{ data: { detail?: Record<string, unknown> } }>(
      `select e.data from incident_events e join incidents i on i.id = e.incident_id
        where i.kind = 'jurisdiction_exit' and i.supervisee_id = $1 and e.action = 'auto_resolved'`,
      [person.personId],
    );
    expect(closed.rows).toHaveLength(1);
    expect(closed.rows[0]!.data.detail).toMatchObject({ reason: 'order_ended' });

    // The monitor reports again: refused and kept as a dead letter, not stored as monitoring data.
    await publishFixes(svc, person.ankle, [fix(now, 5)]);
    await waitFor(
      async () =>
        (
          await svc.db.pool.query(
            "select 1 from dead_letters where device_id = $1 and reason = 'no_active_order'",
            [person.ankle.id],
          )
        ).rowCount === 1,
      10_000,
    );
    expect(await storedFixes(svc, person.ankle.id)).toBe(4);
    // Nothing is judged any more: the silence after the revocation is not lost contact (Art. 30
    // applies only under EM), and the exit does not open again.
    now += 30 * MIN;
    await svc.tick(now);
    expect(await incidents('lost_contact')).toEqual([]);
    expect((await incidents('jurisdiction_exit')).map((r) => r.state)).toEqual(['resolved']);
  }, 180_000);
});
