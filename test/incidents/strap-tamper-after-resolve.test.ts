// A strap cut after an officer resolved the previous one is a new incident, even when it comes within
// minutes (the rules still count it as the same cut: TAMPER_REPEAT_MS); repeats before the officer
// resolves stay one incident, and a late report of what the officer already saw raises nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ApiClient,
  createUser,
  cutStrap,
  login,
  openIncidentOf,
  startApiTestService,
} from '../api/support.js';
import { ensureCounty, type MonitoredPerson, monitoredPerson, type TestService } from '../support/service.js';
import { waitFor } from '../support/wait.js';

describe('strap tamper after an officer resolved the previous one', () => {
  let svc: TestService;
  let person: MonitoredPerson;
  let officer: ApiClient;
  beforeAll(async () => {
    svc = await startApiTestService();
    await ensureCounty(svc);
    person = await monitoredPerson(svc, { orgUnitId: 'lianhua' });
    officer = await login(svc, await createUser(svc, 'officer', 'lianhua'));
  }, 120_000);
  afterAll(async () => svc?.cleanup());

  const tamperIncidents = async () =>
    (
      await svc.db.pool.query<{ id: number; state: string; late: boolean }>(
        "select id, state, late from incidents where supervisee_id = $1 and kind = 'strap_tamper' order by id",
        [person.personId],
      )
    ).rows;

  // A device event is stored in the same transaction as any incident change it makes (persist stage).
  const eventsStored = (n: number) =>
    waitFor(async () => {
      const r = await svc.db.pool.query('select 1 from device_events where device_id = $1', [
        person.ankle.id,
      ]);
      return r.rows.length === n;
    });

  it('repeats stay one incident; a cut after the resolution opens a new one; a late old report does not', async () => {
    const firstCut = Date.now() - 200;
    await cutStrap(svc, person.ankle, firstCut);
    await waitFor(async () => (await openIncidentOf(svc, person.personId)) !== null);
    const first = (await openIncidentOf(svc, person.personId))!;
    await cutStrap(svc, person.ankle);
    await eventsStored(2);
    expect((await tamperIncidents()).map((i) => i.id)).toEqual([first]);

    const resolved = await officer.post(`/incidents/${first}/resolve`, {
      disposition: 'warned',
      note: '重新佩戴',
    });
    expect(resolved.status).toBe(200);
    // A report made before the resolution, delivered after it: the officer has seen that cut.
    await cutStrap(svc, person.ankle, firstCut + 100);
    await eventsStored(3);
    expect(await openIncidentOf(svc, person.personId)).toBeNull();

    // Cut again at once (cutStrap's default backdates 200 ms, which could fall before the resolution).
    await cutStrap(svc, person.ankle, Date.now());
    await waitFor(async () => (await openIncidentOf(svc, person.personId)) !== null, 10_000);
    const all = await tamperIncidents();
    expect(all).toHaveLength(2);
    expect(all[1]).toMatchObject({ state: 'open' });
  }, 60_000);
});
