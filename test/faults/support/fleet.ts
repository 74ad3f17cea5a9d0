// The seeded fleet every fault test plays: supervisees with an ankle monitor (native MQTT), built
// from the simulators (itineraries, GNSS noise, battery, scheduled events) so that what each device
// sends is a pure function of the seed and the fleet's start. Devices ignore the service's retained
// config (a fixed interval): adaptive reporting would make what they send depend on when a config
// arrived, and a disturbed run must send exactly what an undisturbed one sends.
//
// A quarter of the people walk into one of their exclusion sites (禁止令, Art. 31) and back, a
// quarter cut their strap, a quarter run their battery down, the rest keep to the rules: every kind
// of decision the rules take on fixes and device events, and none that depends on when a timer
// fires (lost contact, curfew start, leave overdue), so incidents must match an undisturbed run.
import { DeviceSim } from '../../../simulators/devices.js';
import { distanceM, offset } from '../../../simulators/geo.js';
import { Itinerary, type Segment } from '../../../simulators/itinerary.js';
import { type ProvisionedScenario, type Provisioner, provisionAll } from '../../../simulators/provision.js';
import { createRng } from '../../../simulators/rng.js';
import type {
  DeviceBehaviour,
  PersonSpec,
  ScenarioInstance,
  ScheduledEvent,
} from '../../../simulators/scenario.js';
import { EXCLUSION_SITES, ZIYANG } from '../../../simulators/world.js';

const MINUTE = 60_000;

export interface FleetOptions {
  readonly seed: string;
  readonly persons: number;
  /** Virtual time of the first fix (ms since epoch). */
  readonly start: number;
  /** Virtual span the devices cover; the scripted episodes fall in its first 12 minutes. */
  readonly durationMs: number;
  /** Reporting interval of every device (virtual ms). */
  readonly intervalMs: number;
  /** Org units the people are spread over, round robin (consoles are scoped by them). */
  readonly orgUnits: readonly string[];
}

export type Role = 'prohibition' | 'tamper' | 'battery' | 'compliant';
const ROLES: readonly Role[] = ['prohibition', 'tamper', 'battery', 'compliant'];

export interface Fleet {
  readonly options: FleetOptions;
  readonly instance: ScenarioInstance;
  roleOf(personKey: string): Role;
}

const behaviour = (
  events: readonly ScheduledEvent[],
  batteryStartPct: number,
  drain: number,
): DeviceBehaviour => ({
  outages: [],
  noFix: [],
  canyon: [],
  events,
  charging: [],
  batteryStartPct,
  drainPctPerHour: drain,
  skewMs: 0,
  duplicateRate: 0,
  motionSensor: false,
});

export function buildFleet(o: FleetOptions): Fleet {
  const rng = createRng(`fault-fleet/${o.seed}`);
  const persons: PersonSpec[] = [];
  const roles = new Map<string, Role>();
  const end = o.start + Math.max(o.durationMs, 12 * MINUTE);
  for (let i = 0; i < o.persons; i++) {
    const r = rng.fork(`person-${i}`);
    const key = `f${i}`;
    const role = ROLES[i % ROLES.length]!;
    roles.set(key, role);
    const site = EXCLUSION_SITES[i % EXCLUSION_SITES.length]!;
    // Home 500–700 m from the person's own exclusion site: near enough to walk there in minutes,
    // far from every other site (they are kilometres apart).
    const bearing = r.uniform(0, 2 * Math.PI);
    const dist = r.uniform(500, 700);
    const home = offset(site.at, dist * Math.sin(bearing), dist * Math.cos(bearing));
    const s = o.start;
    const stay = (from: number, to: number, at = home, label = 'home'): Segment => ({
      kind: 'stay',
      from,
      to,
      at,
      env: 'open',
      wanderM: 15,
      label,
    });
    let segments: Segment[] = [stay(s, end)];
    const events: ScheduledEvent[] = [];
    let battery = r.uniform(60, 95);
    let drain = 2;
    if (role === 'prohibition') {
      const leave = s + r.uniform(3, 4) * MINUTE;
      const arrive = leave + 2 * MINUTE;
      const depart = arrive + r.uniform(2, 3) * MINUTE;
      const back = depart + 2 * MINUTE;
      segments = [
        stay(s, leave),
        { kind: 'trip', from: leave, to: arrive, a: home, b: site.at, env: 'open', label: 'to the site' },
        stay(arrive, depart, site.at, site.name),
        { kind: 'trip', from: depart, to: back, a: site.at, b: home, env: 'open', label: 'home' },
        stay(back, end),
      ];
    } else if (role === 'tamper') {
      events.push({
        at: s + Math.round(r.uniform(4, 8) * MINUTE),
        type: 'strap_tamper',
        detail: 'strap cut',
      });
    } else if (role === 'battery') {
      // Crosses the 15 % threshold a few minutes in (virtual time).
      battery = 15.2 + r.uniform(0, 0.3);
      drain = 6;
    }
    if (distanceM(home, ZIYANG) > 15_000) throw new Error('fleet: a home fell near the county boundary');
    persons.push({
      key,
      name: `故障测试 ${i}`,
      level: 'normal',
      orgUnitId: o.orgUnits[i % o.orgUnits.length]!,
      home,
      itinerary: new Itinerary(segments),
      prohibitionSiteIds: [site.id],
      devices: [
        {
          key: `${key}-ankle`,
          personKey: key,
          kind: 'ankle',
          protocol: 'native',
          carrier: new Itinerary(segments),
          intervalMs: o.intervalMs,
          behaviour: behaviour(events, battery, drain),
          seed: `fault-fleet/${o.seed}/${key}-ankle`,
        },
      ],
    });
  }
  const instance: ScenarioInstance = {
    id: `fault-${o.seed}`,
    name: 'fault-fleet',
    description: 'steady seeded load for fault tests',
    wired: true,
    start: o.start,
    end,
    persons,
    otherDevices: [],
    zones: [],
    leaves: [],
    links: [],
    expected: [],
  };
  return { options: o, instance, roleOf: (k) => roles.get(k) ?? 'compliant' };
}

/**
 * Provisions the fleet (people, EM orders, devices, exclusion-site assignments) in a service, a few
 * people at a time: each change reloads the service's directory, and concurrent reloads coalesce.
 */
export async function provisionFleet(p: Provisioner, fleet: Fleet): Promise<ProvisionedScenario> {
  const one = (person: PersonSpec): ScenarioInstance => ({ ...fleet.instance, persons: [person] });
  const parts = await provisionAll(p, fleet.instance.persons.map(one), 8);
  return {
    instance: fleet.instance,
    personIds: new Map(parts.flatMap((part) => [...part.personIds])),
    devices: parts.flatMap((part) => part.devices),
  };
}

/**
 * One simulated device per ankle of `fleet`, logged in with the identity provisioned for the same
 * device key, on a fixed interval (config ignored, see above). The fleet may be a rebuild of the
 * provisioned one with a later start: provisioning takes a while, and the play starts after it.
 */
export function fleetDevices(fleet: Fleet, provisioned: ProvisionedScenario): DeviceSim[] {
  const identities = new Map(provisioned.devices.map((d) => [d.spec.key, d.identity]));
  return fleet.instance.persons.flatMap((person) =>
    person.devices.map((spec) => {
      const identity = identities.get(spec.key);
      if (!identity) throw new Error(`fleet: device ${spec.key} was not provisioned`);
      const sim = new DeviceSim(spec, identity);
      sim.fixInterval(fleet.options.intervalMs);
      return sim;
    }),
  );
}
