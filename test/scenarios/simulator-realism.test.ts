// The simulators' own promises, checked without the service: a compliant device's day never holds a
// true lost contact, and a protected person's phone is known from the first instant of a run.
import { describe, expect, it } from 'vitest';
import { DeviceSim } from '../../simulators/devices.js';
import { ItineraryBuilder } from '../../simulators/itinerary.js';
import { LEVELS } from '../../simulators/levels.js';
import { createRng } from '../../simulators/rng.js';
import { DAY, deviceSpec, ordinaryBehaviour } from '../../simulators/routine.js';

const START = Date.UTC(2026, 2, 1, 16, 0, 0);

describe('ordinary device behaviour', () => {
  it('outages leave the device in coverage for the lost-contact timeout in between', () => {
    // Two outage draws 35 s apart made one 16-minute silence: a true lost contact on a day whose
    // ground truth said compliant (quality bench, compliant-day).
    for (const level of ['strict', 'normal', 'lenient'] as const) {
      for (let seed = 0; seed < 400; seed++) {
        const b = ordinaryBehaviour(createRng(`outages-${seed}`), level, START, START + 2 * DAY, 'ankle');
        for (let i = 1; i < b.outages.length; i++) {
          expect(b.outages[i]!.from - b.outages[i - 1]!.to).toBeGreaterThanOrEqual(
            LEVELS[level].lostContactMs,
          );
        }
      }
    }
  });
});

describe('protected person phone', () => {
  it('reports at the first instant of the run', () => {
    const it0 = new ItineraryBuilder(START, { lat: 30.12, lon: 104.63 }).build(START + DAY);
    const rng = createRng('victim');
    const victim = new DeviceSim(deviceSpec(rng, 'v/phone', null, 'phone', 'owntracks', 'strict', it0), {
      id: 'v',
      secret: 's',
      owntracks: { user: 'v', device: 'p' },
    });
    expect(victim.advance(START).map((m) => m.at)).toEqual([START]);
  });
});
