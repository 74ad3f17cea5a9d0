// Victim proximity with several instances (issues 4 and 8): the protected person's phone reports to
// one instance, the supervisee's ankle monitor to another, both sharing one PostgreSQL and one Redis.
// The instance judging the supervisee must know where the victim is: the approach opens a
// protected_person_proximity incident, and nobody is told "proximity unknown" while her phone
// reports. (Each instance used to keep the phones it read to itself: the second instance saw no
// victim at all and reported her position unknown instead of the approach.)
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { monitoredPerson, protectedPerson, ZIYANG } from '../support/service.js';
import {
  connectDevice,
  startTwoInstances,
  type TwoInstances,
  twoInstancesAvailable,
} from '../support/two-instances.js';
import { waitFor } from '../support/wait.js';

const available = await twoInstancesAvailable('protected positions across instances');
const M_PER_DEG_LAT = 111_320;

describe.skipIf(!available)('protected person proximity across instances', () => {
  let two: TwoInstances;
  beforeAll(async () => {
    two = await startTwoInstances();
  }, 120_000);
  afterAll(async () => two?.stop());

  it('judges the supervisee on one instance against the victim’s phone read by the other', async () => {
    const { first, second } = two;
    const person = await monitoredPerson(first, { orgUnitId: 'lianhua', level: 'normal' });
    // The victim lives 2 km north of Ziyang's centre; 500 m around her phone is off limits.
    const victim = { lat: ZIYANG.lat + 2000 / M_PER_DEG_LAT, lon: ZIYANG.lon };
    const phone = await protectedPerson(first, person.personId, victim, { radiusM: 500 });
    // Directory news reaches the second instance through Redis.
    await waitFor(
      () =>
        second.directory.person(person.personId)?.context.hasProtectedPersons === true &&
        second.directory.device(phone.id) !== undefined,
      20_000,
    );

    const t0 = Date.now() - 4 * 60_000;
    // Her phone reports to the first instance, twice, at home.
    const herPhone = await connectDevice(first.mqttUrl, phone);
    await herPhone.send([
      { ts: t0, ...victim },
      { ts: t0 + 60_000, ...victim },
    ]);
    await herPhone.close();
    // His ankle monitor reports to the second: 150 m from her, four GNSS fixes over 90 s.
    const near = { lat: victim.lat - 150 / M_PER_DEG_LAT, lon: victim.lon };
    const ankle = await connectDevice(second.mqttUrl, person.ankle);
    await ankle.send([70, 100, 130, 160].map((s) => ({ ts: t0 + s * 1000, ...near })));
    await ankle.close();

    const incidents = async () =>
      (
        await first.db.pool.query<{ kind: string; state: string }>(
          'select kind, state from incidents where supervisee_id = $1 order by id',
          [person.personId],
        )
      ).rows;
    await waitFor(
      async () => (await incidents()).some((i) => i.kind === 'protected_person_proximity'),
      20_000,
    );
    expect(await incidents()).toEqual([{ kind: 'protected_person_proximity', state: 'open' }]);
  }, 120_000);
});
