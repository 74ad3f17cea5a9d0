// Who the demo (scripts/demo.ts) simulates: ordinary people, whose days give no alert, in the mix's
// proportions; and one person for each violation that does not depend on the wall-clock curfew,
// shifted so the violation happens minutes after the start.
import { createRng } from './rng.js';
import type { ScenarioInstance } from './scenario.js';
import { MIX_WEIGHTS, SCENARIOS } from './scenarios/index.js';

/** Days that give no alert, whatever the routine of their people: the demo's ordinary people. */
export const NO_ALERT_DAYS = new Set(['parked-on-boundary', 'home-at-curfew-start']);
/** Ordinary people: every compliant variant (ankle, phones, levels, a boundary stall, home as the curfew begins), in mix proportions. */
export const ORDINARY = Object.fromEntries(
  Object.entries(MIX_WEIGHTS).filter(([n]) => n.startsWith('compliant') || NO_ALERT_DAYS.has(n)),
);
/** Violations that do not depend on the wall-clock curfew, so they can be shifted to "soon". */
export const SHIFTABLE = SCENARIOS.filter(
  (d) => !d.name.startsWith('compliant') && !d.name.startsWith('curfew'),
).filter((d) => !NO_ALERT_DAYS.has(d.name) && d.name !== 'leave-returned-on-time');

export function shiftedViolation(i: number, now: number, leadMs: number, seed: string): ScenarioInstance {
  const def = SHIFTABLE[i % SHIFTABLE.length]!;
  const id = `demo-v${i}-${seed}`;
  // Same id and seed: the same plan, so its violation time can be read off and moved to now + lead.
  const probe = def.build({
    id,
    start: 0,
    days: 2,
    violationDay: 0,
    rng: createRng(`${seed}/${i}`),
  });
  // A scenario with nothing to shift has no place here (SHIFTABLE): say so, not NaN times.
  if (probe.expected.length === 0) throw new Error(`demo: ${def.name} expects no alert, nothing to shift`);
  const offset = Math.min(...probe.expected.map((e) => e.trueStart));
  const inst = def.build({
    id,
    start: now + leadMs - offset,
    days: 2,
    violationDay: 0,
    rng: createRng(`${seed}/${i}`),
  });
  // Its clock is not the wall clock, so the residence keeps no curfew (it would fire at the wrong hours).
  return { ...inst, zones: inst.zones.map((z) => ({ ...z, curfew: undefined })) };
}
