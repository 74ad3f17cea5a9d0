// A gathering of linked supervisees (同案犯聚集) closes when one of them leaves EM coverage (Art. 29:
// nothing of them is observed any more), at the end of their order, with reason `order_ended`, as
// their own alerts do (order-end.ts). It used to stay open for ever: the pair kept its state while
// it had no fresh positions ("unknown is not apart"), and a person out of coverage sends none.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerDevice } from '../../src/admin/devices.js';
import { createEmOrder } from '../../src/admin/em-orders.js';
import { linkSupervisees } from '../../src/admin/supervisee-links.js';
import { createSupervisee } from '../../src/admin/supervisees.js';
import { monitoredPerson, startTestService, type TestService, ZIYANG } from '../support/service.js';
import { connectDevice } from '../support/two-instances.js';

const MIN = 60_000;
const DAY = 86_400_000;

describe('gathering when a member’s EM order ends', () => {
  let svc: TestService;
  beforeAll(async () => {
    // No periodic ticks: the test fires each tick itself, in the past.
    svc = await startTestService({ TIMER_TICK_MS: '300000' });
  }, 120_000);
  afterAll(async () => svc?.cleanup());

  it('closes at the end of the order with reason order_ended, and no new run starts', async () => {
    const t0 = Date.now() - 60 * MIN;
    const endsAt = t0 + 40 * MIN;
    const a = await monitoredPerson(svc, { orgUnitId: 'lianhua', level: 'normal' });
    // b's order ends 40 minutes into the meeting.
    const bId = await createSupervisee(svc.admin, {
      orgUnitId: 'lianhua',
      name: '测试对象',
      level: 'normal',
    });
    const bAnkle = await registerDevice(svc.admin, { superviseeId: bId, kind: 'ankle' });
    await createEmOrder(svc.admin, {
      superviseeId: bId,
      ground: 'left_without_approval',
      approver: '雁江区司法局局长',
      startsAt: t0 - 30 * DAY,
      endsAt,
    });
    await linkSupervisees(svc.admin, { a: a.personId, b: bId, reason: '同案犯 (2026)刑初 7 号' });
    for (let i = 0; i < 200 && svc.directory.person(a.personId)?.context.linkedPersonIds.length !== 1; i++) {
      await new Promise((r) => setTimeout(r, 50));
    }

    const incidents = async () =>
      (
        await svc.db.pool.query<{ state: string; started_at: Date }>(
          "select state, started_at from incidents where kind = 'gathering' and supervisee_id = $1",
          [a.personId],
        )
      ).rows;
    const teahouse = { lat: ZIYANG.lat + 0.01, lon: ZIYANG.lon + 0.01 };
    const ankles = [await connectDevice(svc.mqttUrl, a.ankle), await connectDevice(svc.mqttUrl, bAnkle)];
    try {
      for (let k = 0; k <= 55; k++) {
        const ts = t0 + k * MIN;
        // Both stay at the teahouse; b's fixes after the end are refused (no active order).
        for (const ankle of ankles) await ankle.send([{ ts, ...teahouse }]);
        await svc.tick(ts + 1000);
        // Opened thirty minutes after they met, while both are covered.
        if (k === 35) expect((await incidents()).map((r) => r.state)).toEqual(['open']);
      }
    } finally {
      for (const ankle of ankles) await ankle.close();
    }
    const rows = await incidents();
    // One gathering, from when they met, closed by the end of b's order (before this change it was
    // still open here, and stayed open).
    expect(rows).toHaveLength(1);
    expect(rows[0]!.started_at.getTime()).toBe(t0);
    expect(rows[0]!.state).toBe('resolved');
    const closed = await svc.db.pool.query<{ data: { detail?: Record<string, unknown> } }>(
      `select e.data from incident_events e join incidents i on i.id = e.incident_id
        where i.kind = 'gathering' and i.supervisee_id = $1 and e.action = 'auto_resolved'`,
      [a.personId],
    );
    expect(closed.rows).toHaveLength(1);
    expect(closed.rows[0]!.data.detail).toMatchObject({ reason: 'order_ended' });
  }, 180_000);
});
