// The scenario library, and the population mix used by the quality benchmark, the CLI and the demo.
import { createRng, type Rng } from '../rng.js';
import type { ScenarioInstance } from '../scenario.js';
import type { ScenarioContext, ScenarioDef } from './common.js';
import {
  boundaryParked,
  compliantLenient,
  compliantNormal,
  compliantPhoneOnly,
  compliantStrict,
  compliantWithPhone,
  homeAtCurfewStart,
} from './compliant.js';
import { batteryLow, lostContact, separation, strapTamper } from './device.js';
import { leaveOnTime, leaveOverdue } from './leave.js';
import { gathering, protectedApproach } from './people.js';
import { countyExit, curfewLateReturn, curfewSneakOut, prohibitionEntry } from './zones.js';

export type { ScenarioContext, ScenarioDef } from './common.js';

export const SCENARIOS: readonly ScenarioDef[] = [
  compliantNormal,
  compliantStrict,
  compliantLenient,
  compliantWithPhone,
  compliantPhoneOnly,
  boundaryParked,
  homeAtCurfewStart,
  curfewLateReturn,
  curfewSneakOut,
  countyExit,
  leaveOnTime,
  leaveOverdue,
  prohibitionEntry,
  protectedApproach,
  lostContact,
  strapTamper,
  batteryLow,
  separation,
  gathering,
];

export function scenarioByName(name: string): ScenarioDef {
  const def = SCENARIOS.find((s) => s.name === name);
  if (!def) throw new Error(`unknown scenario ${name}; known: ${SCENARIOS.map((s) => s.name).join(', ')}`);
  return def;
}

/** Relative weights of the realistic mix: mostly ordinary days, a few of every violation. */
export const MIX_WEIGHTS: Readonly<Record<string, number>> = {
  'compliant-day': 30,
  'compliant-strict': 10,
  'compliant-lenient': 10,
  'compliant-ankle-and-owntracks-phone': 10,
  'compliant-osmand-phone-only': 5,
  'parked-on-boundary': 5,
  'home-at-curfew-start': 3,
  'leave-returned-on-time': 3,
  'curfew-late-return': 2,
  'curfew-sneak-out': 2,
  'county-exit-without-leave': 2,
  'leave-overdue': 2,
  'prohibition-entry': 2,
  'protected-person-approach': 2,
  'lost-contact': 2,
  'strap-tamper': 2,
  'battery-low': 2,
  'person-device-separation': 2,
  gathering: 1,
};

function pickWeighted(rng: Rng, weights: Readonly<Record<string, number>>): string {
  const total = Object.values(weights).reduce((a, b) => a + b, 0);
  let r = rng.uniform(0, total);
  for (const [name, w] of Object.entries(weights)) {
    r -= w;
    if (r < 0) return name;
  }
  return Object.keys(weights)[0]!;
}

export interface PopulationOptions {
  readonly seed: string | number;
  /** Supervisees wanted (instances are added until at least this many). */
  readonly persons: number;
  readonly start: number;
  readonly days: number;
  /** 'mix' or one scenario name. */
  readonly scenario: string;
  /** With the mix: instances of each violation scenario guaranteed first (so every kind is measured). */
  readonly minPerViolation?: number;
  readonly weights?: Readonly<Record<string, number>>;
}

/** Scenario instances for a population: deterministic in the seed. */
export function population(o: PopulationOptions): ScenarioInstance[] {
  const rng = createRng(o.seed);
  const names: string[] = [];
  if (o.scenario === 'mix') {
    for (const def of SCENARIOS) {
      if (!def.name.startsWith('compliant') && def.name !== 'parked-on-boundary') {
        for (let i = 0; i < (o.minPerViolation ?? 0); i++) names.push(def.name);
      }
    }
  }
  const out: ScenarioInstance[] = [];
  let persons = 0;
  for (let i = 0; persons < o.persons; i++) {
    const name =
      names[i] ?? (o.scenario === 'mix' ? pickWeighted(rng, o.weights ?? MIX_WEIGHTS) : o.scenario);
    const def = scenarioByName(name);
    const ctx: ScenarioContext = {
      id: `s${i}-${def.name}`,
      start: o.start,
      days: o.days,
      violationDay: rng.int(0, o.days - 1),
      rng: rng.fork(`instance-${i}`),
    };
    out.push(def.build(ctx));
    persons += def.persons;
  }
  return out;
}
