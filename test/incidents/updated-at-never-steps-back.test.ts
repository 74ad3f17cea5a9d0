// An incident's updated_at is the version consoles keep: the console applies a change only when its
// updated_at is not older than the one it holds (web/src/incidents.ts: "the queue never steps
// back"). So no writer may move it back. The rules and the escalation runner take their `now` before
// they lock the incident (a batch when it is made, a tick when it starts), and instances' clocks
// differ; an officer's action committed in between, or on an instance whose clock runs ahead, left
// the later change with an older updated_at, and consoles dropped it: an escalation never shown, a
// refresh of the evidence ignored.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiClient, createUser, cutStrap, login, openIncidentOf } from '../api/support.js';
import {
  ensureCounty,
  type MonitoredPerson,
  monitoredPerson,
  startTestServiceOnDatabaseUrl,
  type TestService,
} from '../support/service.js';
import { waitFor } from '../support/wait.js';

const MIN = 60_000;

describe('an incident’s updated_at never steps back', () => {
  let svc: TestService;
  let person: MonitoredPerson;
  let officer: ApiClient;
  // The service's clock: real time unless a step sets it (another instance's clock, a tick's start).
  let fake: number | null = null;

  beforeAll(async () => {
    svc = await startTestServiceOnDatabaseUrl(
      'em_updated_at',
      { TIMER_TICK_MS: '300000' },
      { clock: () => fake ?? Date.now() },
    );
    await ensureCounty(svc);
    person = await monitoredPerson(svc, { orgUnitId: 'lianhua', level: 'strict' });
    officer = await login(svc, await createUser(svc, 'officer', 'lianhua'));
  }, 120_000);
  afterAll(async () => svc?.cleanup());

  const events = async (id: number) =>
    (
      await svc.db.pool.query<{ action: string; data: { updated_at: string } }>(
        'select action, data from incident_events where incident_id = $1 order by cursor',
        [id],
      )
    ).rows.map((e) => ({ action: e.action, updatedAt: Date.parse(e.data.updated_at) }));

  it('neither a rules update, an escalation nor an officer’s action moves it back', async () => {
    await cutStrap(svc, person.ankle, Date.now() - 200);
    await waitFor(async () => (await openIncidentOf(svc, person.personId)) !== null);
    const id = (await openIncidentOf(svc, person.personId))!;
    const opened = (
      await svc.db.pool.query<{ opened_at: Date }>('select opened_at from incidents where id = $1', [id])
    ).rows[0]!.opened_at.getTime();

    // An officer comments on an instance whose clock is 5 s ahead of the one reading the device.
    fake = opened + 70_000;
    expect((await officer.post(`/incidents/${id}/comments`, { comment: '已电话联系' })).status).toBe(201);
    fake = opened + 65_000;
    const before = (await events(id)).length;
    await cutStrap(svc, person.ankle, opened + 30_000); // the strap still open: the same cut, updated
    await waitFor(async () => (await events(id)).length > before);

    // A tick that started at 5 min (strict, critical: due to the county) escalates after a comment
    // made while its timer batch ran.
    fake = opened + 5 * MIN + 1000;
    expect((await officer.post(`/incidents/${id}/comments`, { comment: '上门核查' })).status).toBe(201);
    await svc.tick(opened + 5 * MIN);
    // And an officer acts on an instance whose clock is behind the one that escalated.
    fake = opened + 5 * MIN - 10_000;
    expect((await officer.post(`/incidents/${id}/acknowledge`)).status).toBe(200);

    const history = await events(id);
    expect(history.map((e) => e.action)).toEqual([
      'opened',
      'commented',
      'updated',
      'commented',
      'escalated',
      'acknowledged',
    ]);
    for (let i = 1; i < history.length; i++) {
      expect(
        history[i]!.updatedAt,
        `${history[i]!.action} after ${history[i - 1]!.action}`,
      ).toBeGreaterThanOrEqual(history[i - 1]!.updatedAt);
    }
  }, 60_000);
});
