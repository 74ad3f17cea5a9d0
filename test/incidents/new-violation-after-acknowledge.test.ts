// A new violation on an incident an officer already acknowledged (the same person, kind and zone, so
// the same incident row) must not be absorbed by that acknowledgement: the officer acknowledged the
// first violation, not this one. The incident is reopened (state 'open' again, a 'reopened' event to
// the consoles at once) and escalation restarts from the reopening (escalation.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ApiClient,
  createUser,
  cutStrap,
  login,
  openIncidentOf,
  startApiTestService,
} from '../api/support.js';
import {
  ensureCounty,
  type MonitoredPerson,
  monitoredPerson,
  personNearSchool,
  publishFixes,
  SCHOOL_LON,
  type TestService,
  ZIYANG,
  ZIYANG_KX,
} from '../support/service.js';
import { waitFor } from '../support/wait.js';

const MIN = 60_000;

const actionsOf = async (svc: TestService, id: number) =>
  (
    await svc.db.pool.query<{ action: string }>(
      'select action from incident_events where incident_id = $1 order by cursor',
      [id],
    )
  ).rows.map((r) => r.action);

const incidentRow = async (svc: TestService, id: number) =>
  (
    await svc.db.pool.query<{
      state: string;
      condition_active: boolean;
      escalation_level: number;
      reopened_at: Date | null;
    }>('select state, condition_active, escalation_level, reopened_at from incidents where id = $1', [id])
  ).rows[0]!;

describe('a strap cut again while the first cut is acknowledged', () => {
  let svc: TestService;
  let person: MonitoredPerson;
  let officer: ApiClient;
  beforeAll(async () => {
    svc = await startApiTestService();
    await ensureCounty(svc);
    person = await monitoredPerson(svc, { orgUnitId: 'lianhua', level: 'strict' });
    officer = await login(svc, await createUser(svc, 'officer', 'lianhua'));
  }, 120_000);
  afterAll(async () => svc?.cleanup());

  it('reopens the incident, tells the consoles at once and escalates from the reopening', async () => {
    // The first cut 40 min ago (store-and-forward), so the next one is a cut of its own for the rules
    // (more than TAMPER_REPEAT_MS later) while its incident is still unresolved.
    await cutStrap(svc, person.ankle, Date.now() - 40 * MIN);
    await waitFor(async () => (await openIncidentOf(svc, person.personId)) !== null);
    const id = (await openIncidentOf(svc, person.personId))!;
    expect((await officer.post(`/incidents/${id}/acknowledge`)).status).toBe(200);

    await cutStrap(svc, person.ankle, Date.now());
    await waitFor(async () => (await actionsOf(svc, id)).includes('reopened'), 10_000);
    expect(await actionsOf(svc, id)).toEqual(['opened', 'acknowledged', 'reopened']);
    const row = await incidentRow(svc, id);
    expect(row).toMatchObject({ state: 'open', condition_active: true, escalation_level: 0 });

    // Strict, critical: the county after 5 min, counted from the reopening.
    const reopened = row.reopened_at!.getTime();
    await svc.tick(reopened + 5 * MIN - 1000);
    expect((await incidentRow(svc, id)).escalation_level).toBe(0);
    await svc.tick(reopened + 5 * MIN);
    expect((await incidentRow(svc, id)).escalation_level).toBe(1);
    // And the officer can take it again.
    expect((await officer.post(`/incidents/${id}/acknowledge`)).status).toBe(200);
  }, 60_000);
});

describe('a prohibition zone entered again after its acknowledged incident cleared', () => {
  let svc: TestService;
  let person: MonitoredPerson;
  let officer: ApiClient;
  beforeAll(async () => {
    ({ svc, person } = await personNearSchool('em_reopen'));
    officer = await login(svc, await createUser(svc, 'officer', 'lianhua'));
  }, 120_000);
  afterAll(async () => svc?.cleanup());

  const OUTSIDE_LON = SCHOOL_LON - 400 / ZIYANG_KX;
  const t0 = Date.now() - 30 * MIN;
  let seq = 1;
  let k = 0;
  const send = async (lons: readonly number[]) => {
    const fixes = lons.map((lon) => ({
      ts: t0 + k++ * 30_000,
      lat: ZIYANG.lat,
      lon,
      acc: 6,
      src: 'gnss',
      seq: seq++,
    }));
    await publishFixes(svc, person.ankle, fixes);
  };
  const incidentId = async () => openIncidentOf(svc, person.personId, 'prohibition_entry');

  it('reopens it for the officer instead of a quiet update', async () => {
    await send([...Array(4).fill(OUTSIDE_LON), ...Array(3).fill(SCHOOL_LON), ...Array(5).fill(OUTSIDE_LON)]);
    await waitFor(async () => {
      const id = await incidentId();
      return id !== null && (await actionsOf(svc, id)).includes('cleared');
    }, 20_000);
    const id = (await incidentId())!;
    expect((await officer.post(`/incidents/${id}/acknowledge`)).status).toBe(200);

    await send(Array(3).fill(SCHOOL_LON));
    await waitFor(async () => (await actionsOf(svc, id)).length > 3, 20_000);
    expect(await actionsOf(svc, id)).toEqual(['opened', 'cleared', 'acknowledged', 'reopened']);
    expect(await incidentRow(svc, id)).toMatchObject({ state: 'open', condition_active: true });
  }, 60_000);
});
