// The demo's people (simulators/demo-population.ts), built the way `npm run demo` builds them: its
// ordinary people expect no alert, and each scripted violation is shifted to minutes after the
// start. A day with no alert among the violations crashed the demo at start-up (NaN order times).
import { describe, expect, it } from 'vitest';
import { ORDINARY, SHIFTABLE, shiftedViolation } from '../../simulators/demo-population.js';
import { createRng } from '../../simulators/rng.js';
import { DAY, localMidnight, MINUTE } from '../../simulators/routine.js';
import { scenarioByName } from '../../simulators/scenarios/index.js';

describe('the demo population', () => {
  const now = Date.now();

  it('ordinary people expect no alert', () => {
    for (const name of Object.keys(ORDINARY)) {
      const inst = scenarioByName(name).build({
        id: `o-${name}`,
        start: localMidnight(now),
        days: 3,
        violationDay: 1,
        rng: createRng(`demo-test/${name}`),
      });
      expect(inst.expected, name).toEqual([]);
    }
  });

  it('each scripted violation happens minutes after the start, within finite times', () => {
    expect(SHIFTABLE.length).toBeGreaterThan(5);
    SHIFTABLE.forEach((def, i) => {
      const lead = (2 + i) * MINUTE;
      const inst = shiftedViolation(i, now, lead, 'demo-test');
      expect(Number.isFinite(inst.start) && Number.isFinite(inst.end), def.name).toBe(true);
      const first = Math.min(...inst.expected.map((e) => e.trueStart));
      expect(first, def.name).toBe(now + lead);
      expect(inst.end - inst.start, def.name).toBeLessThanOrEqual(3 * DAY);
    });
  });
});
