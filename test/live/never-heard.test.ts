// A supervisee whose monitor never sends anything (never switched on, never fitted): lost contact
// must open for them as for anyone who falls silent (Art. 30), counted from the first time the
// service looked at them, through the real service's timer tick on a fake clock.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ensureCounty,
  type MonitoredPerson,
  monitoredPerson,
  startTestServiceOnDatabaseUrl,
  type TestService,
} from '../support/service.js';

const MIN = 60_000;

describe('a person never heard from', () => {
  let svc: TestService;
  let now = Date.now();
  let person: MonitoredPerson;

  beforeAll(async () => {
    svc = await startTestServiceOnDatabaseUrl('em_never_heard', {}, { clock: () => now });
    await ensureCounty(svc);
    person = await monitoredPerson(svc, { orgUnitId: 'lianhua', level: 'strict' });
  }, 120_000);
  afterAll(async () => {
    await svc?.cleanup();
  });

  const lostContact = async () =>
    (
      await svc.db.pool.query<{ started_at: Date; state: string }>(
        "select started_at, state from incidents where supervisee_id = $1 and kind = 'lost_contact'",
        [person.personId],
      )
    ).rows;

  it('opens lost contact once the level timeout passes after the first look, not before', async () => {
    const firstLook = now;
    await svc.tick(now);
    now += 5 * MIN;
    await svc.tick(now);
    expect(await lostContact()).toEqual([]);
    now += MIN + 1000;
    await svc.tick(now);
    const rows = await lostContact();
    expect(rows).toHaveLength(1);
    expect(rows[0]!.state).toBe('open');
    // The silence is counted from the first look (the order began 30 days earlier: those days
    // were before this service supervised the person and are not days off supervision).
    expect(rows[0]!.started_at.getTime()).toBeGreaterThanOrEqual(firstLook);
    expect(rows[0]!.started_at.getTime()).toBeLessThan(firstLook + MIN);
  });
});
