// What an officer's resolve does to an incident, by how it stands:
// - auto-resolved by the rules (disposition condition_cleared): the officer records once what they
//   did, audited, without reopening it; a second record, or a second resolve of an incident an
//   officer closed, is a conflict;
// - an incident that needs an officer to close (NEEDS_OFFICER_TO_CLOSE) whose condition is still on
//   (the person still in the prohibition zone) is refused (409, reason condition_ongoing) unless the
//   disposition says the alert itself is wrong (false_alarm, device_fault).
import { randomUUID } from 'node:crypto';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiClient, createUser, login, openIncidentOf } from '../api/support.js';
import {
  type MonitoredPerson,
  personNearSchool,
  SCHOOL_LON,
  type TestService,
  ZIYANG,
  ZIYANG_KX,
} from '../support/service.js';
import { waitFor } from '../support/wait.js';

const MIN = 60_000;
const OUTSIDE_LON = SCHOOL_LON - 400 / ZIYANG_KX;

describe('resolving an incident', () => {
  let svc: TestService;
  let person: MonitoredPerson;
  let officer: ApiClient;
  let officerId: string;
  const t0 = Date.now() - 60 * MIN;
  let seq = 1;
  let k = 0;

  beforeAll(async () => {
    ({ svc, person } = await personNearSchool('em_resolve'));
    officer = await login(svc, await createUser(svc, 'officer', 'lianhua'));
    officerId = (await officer.get('/auth/me')).body.userId;
  }, 120_000);
  afterAll(async () => svc?.cleanup());

  const publish = async (topic: 'telemetry' | 'events', payload: object) => {
    const device = await mqtt.connectAsync(svc.mqttUrl, {
      clientId: `${person.ankle.id}-${randomUUID().slice(0, 6)}`,
      username: person.ankle.id,
      password: person.ankle.secret,
      reconnectPeriod: 0,
    });
    try {
      await device.publishAsync(`em/v1/devices/${person.ankle.id}/${topic}`, JSON.stringify(payload), {
        qos: 1,
      });
    } finally {
      await device.endAsync();
    }
  };
  /** Fixes 30 s apart on the school's latitude, continuing the device's time line. */
  const track = (lons: readonly number[]) =>
    publish('telemetry', {
      fixes: lons.map((lon) => ({
        ts: t0 + k++ * 30_000,
        lat: ZIYANG.lat,
        lon,
        acc: 6,
        src: 'gnss',
        seq: seq++,
      })),
    });
  const event = (type: string) =>
    publish('events', { ts: new Date(t0 + k++ * 30_000).toISOString(), seq: seq++, type });
  const incident = async (id: number) =>
    (
      await svc.db.pool.query<Record<string, unknown>>(
        'select state, condition_active, resolved_at, resolved_by, disposition, note from incidents where id = $1',
        [id],
      )
    ).rows[0]!;
  const actions = async (id: number) =>
    (
      await svc.db.pool.query<{ action: string; actor: string }>(
        'select action, actor from incident_events where incident_id = $1 order by cursor',
        [id],
      )
    ).rows;
  const resolve = (id: number, disposition: string, note = '已处理') =>
    officer.post(`/incidents/${id}/resolve`, { disposition, note });
  const inZone = () => openIncidentOf(svc, person.personId, 'prohibition_entry');

  it('records the officer disposition once on an incident the rules auto-resolved', async () => {
    await event('battery_low');
    await waitFor(async () => (await openIncidentOf(svc, person.personId, 'battery_low')) !== null);
    const id = (await openIncidentOf(svc, person.personId, 'battery_low'))!;
    await event('charging_start');
    await waitFor(async () => (await incident(id)).state === 'resolved');
    const auto = await incident(id);
    expect(auto).toMatchObject({ disposition: 'condition_cleared', resolved_by: null });

    const recorded = await resolve(id, 'contacted', '电话提醒按时充电');
    expect(recorded.status).toBe(200);
    expect(await incident(id)).toMatchObject({
      state: 'resolved',
      resolved_at: auto.resolved_at,
      resolved_by: officerId,
      disposition: 'contacted',
      note: '电话提醒按时充电',
    });
    expect((await actions(id)).at(-1)).toEqual({ action: 'disposition_recorded', actor: officerId });
    const audit = await svc.db.pool.query(
      "select 1 from audit_log where action = 'incident.disposition_recorded' and actor_user_id = $1",
      [officerId],
    );
    expect(audit.rowCount).toBe(1);
    // Once: what the officer recorded is not overwritten.
    expect((await resolve(id, 'warned')).status).toBe(409);
    expect((await incident(id)).disposition).toBe('contacted');
  }, 60_000);

  it('refuses to close a prohibition entry still going on, unless the alert itself is wrong', async () => {
    await track([...Array(4).fill(OUTSIDE_LON), ...Array(3).fill(SCHOOL_LON)]);
    await waitFor(async () => (await inZone()) !== null, 20_000);
    const first = (await inZone())!;
    expect(await incident(first)).toMatchObject({ state: 'open', condition_active: true });

    for (const disposition of ['warned', 'contacted', 'police_notified', 'returned', 'other']) {
      const refused = await resolve(first, disposition);
      expect(refused.status, disposition).toBe(409);
      expect(refused.body).toMatchObject({ reason: 'condition_ongoing' });
      expect(refused.body.detail).toMatch(/still/);
    }
    expect((await incident(first)).state).toBe('open');
    // A false alarm (GPS drift at the school's fence) is closed while the rules still see it.
    expect((await resolve(first, 'false_alarm', '定位漂移，本人在家')).status).toBe(200);
    // An incident an officer resolved answers 409 on a second resolve.
    expect((await resolve(first, 'warned')).status).toBe(409);

    // Out, in again (a new incident), out: once the condition cleared, any disposition closes it.
    await track([...Array(5).fill(OUTSIDE_LON), ...Array(3).fill(SCHOOL_LON)]);
    await waitFor(async () => ((await inZone()) ?? first) !== first, 20_000);
    const second = (await inZone())!;
    await track(Array(5).fill(OUTSIDE_LON));
    await waitFor(async () => (await incident(second)).condition_active === false, 20_000);
    expect((await resolve(second, 'warned', '当面警告')).status).toBe(200);
  }, 90_000);
});
