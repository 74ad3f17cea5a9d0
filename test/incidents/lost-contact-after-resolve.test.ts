// Days off supervision (脱管, Art. 30) keep counting while the monitor stays silent, whatever an
// officer did with the incident: local practice escalates at fixed points (DOMAIN.md: over 10 days
// → warning, over a month → revocation proposal). An officer who resolved the case on day 0 as a
// device fault while the person stayed silent used to end the count there: the daily updates were dropped and the
// register showed a case of a few hours that never reached a milestone. Each whole day of a silence
// that goes on after the resolution raises the case again, from the silence's true start, and the
// register counts the episode once, from that start.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiClient, createUser, login } from '../api/support.js';
import {
  ensureCounty,
  type MonitoredPerson,
  monitoredPerson,
  startTestServiceOnDatabaseUrl,
  type TestService,
} from '../support/service.js';

const MIN = 60_000;
const DAY = 86_400_000;

describe('lost contact that goes on after an officer resolved it', () => {
  let svc: TestService;
  let now = Date.now();
  let person: MonitoredPerson;
  let officer: string;
  let supervisor: string;

  beforeAll(async () => {
    svc = await startTestServiceOnDatabaseUrl('em_lost_resolved', {}, { clock: () => now });
    await ensureCounty(svc);
    person = await monitoredPerson(svc, { orgUnitId: 'lianhua', level: 'strict' });
    officer = await createUser(svc, 'officer', 'lianhua');
    supervisor = await createUser(svc, 'supervisor', 'lianhua');
  }, 120_000);
  afterAll(async () => svc?.cleanup());

  const cases = async () =>
    (
      await svc.db.pool.query<{ id: number; state: string; started_at: Date; disposition: string | null }>(
        "select id, state, started_at, disposition from incidents where supervisee_id = $1 and kind = 'lost_contact' order by id",
        [person.personId],
      )
    ).rows;
  // Logged in afresh after the clock jumps (a session does not outlive a day on the fake clock).
  const as = (username: string): Promise<ApiClient> => login(svc, username);

  it('raises the case again each day the silence goes on, from its true start', async () => {
    await svc.tick(now);
    now += 6 * MIN + 1000;
    await svc.tick(now);
    const [first] = await cases();
    expect(first).toMatchObject({ state: 'open' });
    const silenceStart = first!.started_at.getTime();

    // The officer closes it the same hour as a device fault (the family says the monitor broke); a
    // case may be closed while the silence goes on only so (incident-actions.ts). Nothing is heard.
    now += 30 * MIN;
    const resolved = await (await as(officer)).post(`/incidents/${first!.id}/resolve`, {
      disposition: 'device_fault',
      note: '家属称设备损坏',
    });
    expect(resolved.status).toBe(200);
    now += 2 * MIN;
    await svc.tick(now);
    expect((await cases()).map((c) => c.state)).toEqual(['resolved']);

    // A whole day off supervision: the fact is new to the officer, and raised again.
    now = silenceStart + DAY + MIN;
    await svc.tick(now);
    const after = await cases();
    expect(after).toHaveLength(2);
    expect(after[1]).toMatchObject({ state: 'open' });
    expect(after[1]!.started_at.getTime()).toBe(silenceStart);
    // Day two while it is open: an update of that incident, not a third one.
    now = silenceStart + 2 * DAY + MIN;
    await svc.tick(now);
    expect(await cases()).toHaveLength(2);

    // The register: one case, ongoing, counted from the loss of contact.
    now = silenceStart + 11 * DAY;
    await svc.tick(now);
    const register = await (await as(supervisor)).get('/oversight/lost-contact');
    expect(register.status).toBe(200);
    const mine = register.body.cases.filter(
      (c: { superviseeId: string }) => c.superviseeId === person.personId,
    );
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({
      startedAt: new Date(silenceStart).toISOString(),
      ongoing: true,
      daysOff: 11,
      milestones: [
        { name: 'warning', reached: true },
        { name: 'revocation_proposal', reached: false },
      ],
    });
  }, 60_000);
});
