// Reading an incident returns its evidence, the person's fixes, which the rules keep refreshing while
// the incident stays open. Like a track (tracks.ts: personInScope), that read is for the units that
// supervise the person now: once the person belongs to another office, the office that had them
// answers 404, even for an incident opened while they were its supervisee (Art. 29, 54: location
// data only for those whose duty it is; DOMAIN.md: an officer sees only their office's people).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureCounty, type MonitoredPerson, monitoredPerson, type TestService } from '../support/service.js';
import { waitFor } from '../support/wait.js';
import {
  type ApiClient,
  createUser,
  cutStrap,
  login,
  openIncidentOf,
  startApiTestService,
} from './support.js';

describe('reading an incident of a person who moved to another office', () => {
  let svc: TestService;
  let person: MonitoredPerson;
  let lianhua: ApiClient;
  let county: ApiClient;

  beforeAll(async () => {
    svc = await startApiTestService();
    await ensureCounty(svc);
    person = await monitoredPerson(svc, { orgUnitId: 'lianhua' });
    lianhua = await login(svc, await createUser(svc, 'officer', 'lianhua'));
    county = await login(svc, await createUser(svc, 'supervisor', 'yanjiang'));
  }, 120_000);
  afterAll(async () => svc?.cleanup());

  it('answers 404 to the office that no longer supervises the person, and audits nothing for it', async () => {
    await cutStrap(svc, person.ankle);
    await waitFor(async () => (await openIncidentOf(svc, person.personId)) !== null);
    const id = (await openIncidentOf(svc, person.personId))!;
    const read = (c: ApiClient) =>
      c.get(`/incidents/${id}?purpose=${encodeURIComponent('handling the alert')}`);
    expect((await read(lianhua)).status).toBe(200);

    await svc.db.pool.query("update supervisees set org_unit_id = 'baotai' where id = $1", [person.personId]);
    expect(
      (
        await lianhua.get(
          `/supervisees/${person.personId}/track?from=${new Date(Date.now() - 3_600_000).toISOString()}&to=${new Date().toISOString()}&purpose=checking`,
        )
      ).status,
    ).toBe(404);
    const audited = async () =>
      Number(
        (await svc.db.pool.query("select count(*) from audit_log where action = 'incident.read'")).rows[0]!
          .count,
      );
    const before = await audited();
    expect((await read(lianhua)).status).toBe(404);
    expect(await audited()).toBe(before);
    // The county above both offices still reads it.
    expect((await read(county)).status).toBe(200);
  });
});
