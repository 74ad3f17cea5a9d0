// An incident an officer must close (a prohibition entry, Art. 31) stays open when its condition
// clears; when the condition comes back, consoles must be told, however soon after the last
// announcement. The once-a-minute limit on 'updated' events is for repeats of a running condition,
// not for a person back inside the zone: held back, the console's last word was 'cleared'
// (condition_active false) while the person stood in the prohibition zone again.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type MonitoredPerson,
  personNearSchool,
  publishFixes,
  SCHOOL_LON,
  type TestService,
  ZIYANG,
  ZIYANG_KX,
} from '../support/service.js';
import { waitFor } from '../support/wait.js';

const MIN = 60_000;
const KX = ZIYANG_KX;
const OUTSIDE_LON = SCHOOL_LON - 400 / KX;

describe('re-entry into a prohibition zone whose incident is still open', () => {
  let svc: TestService;
  let person: MonitoredPerson;

  beforeAll(async () => {
    ({ svc, person } = await personNearSchool('em_reentry'));
  }, 120_000);
  afterAll(async () => svc?.cleanup());

  it('is announced to consoles even within a minute of the previous announcement', async () => {
    // A monitor back in coverage replays its buffer (store-and-forward): in, out, in again.
    const t0 = Date.now() - 30 * MIN;
    let seq = 1;
    const fixes: object[] = [];
    const at = (k: number, lon: number) =>
      fixes.push({ ts: t0 + k * 30_000, lat: ZIYANG.lat, lon, acc: 6, src: 'gnss', seq: seq++ });
    let k = 0;
    for (let i = 0; i < 4; i++) at(k++, OUTSIDE_LON);
    for (let i = 0; i < 3; i++) at(k++, SCHOOL_LON); // opens
    for (let i = 0; i < 5; i++) at(k++, OUTSIDE_LON); // clears after 3 fixes over 90 s
    for (let i = 0; i < 3; i++) at(k++, SCHOOL_LON); // inside again
    await publishFixes(svc, person.ankle, fixes);

    const incident = async () =>
      (
        await svc.db.pool.query<{ id: number; state: string; condition_active: boolean }>(
          "select id, state, condition_active from incidents where supervisee_id = $1 and kind = 'prohibition_entry'",
          [person.personId],
        )
      ).rows;
    await waitFor(async () => (await incident()).length === 1, 20_000);
    const [row] = await incident();
    // One incident, still open for the officer, its condition active again.
    expect(row).toMatchObject({ state: 'open', condition_active: true });
    // What consoles were told (live and on resume: incident_events by cursor) ends with that.
    const events = await svc.db.pool.query<{ action: string; data: { condition_active: boolean } }>(
      'select action, data from incident_events where incident_id = $1 order by cursor',
      [row!.id],
    );
    expect(events.rows.map((e) => e.action)).toEqual(['opened', 'cleared', 'updated']);
    expect(events.rows.at(-1)!.data.condition_active).toBe(true);
  });
});
