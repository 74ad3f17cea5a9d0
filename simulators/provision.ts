// Provisioning a scenario in a service, through whatever the caller offers: the admin use cases
// in-process (tests, benchmark, demo) or the REST API (the CLI). This file only orders the steps.
import type { SupervisionLevel, ZoneKind } from '../schemas/enums.js';
import type { DeviceIdentity } from './devices.js';
import type { ZoneShape } from './geo.js';
import { DAY } from './routine.js';
import type { CurfewWindow, DeviceSpec, ScenarioInstance } from './scenario.js';
import { COUNTY, EXCLUSION_SITES, exclusionZone } from './world.js';

export interface NewZoneRequest {
  readonly id?: string;
  readonly kind: ZoneKind;
  readonly orgUnitId: string;
  readonly name: string;
  readonly geometry: ZoneShape;
  readonly superviseeId?: string;
  readonly schedule?: { readonly weekly: readonly CurfewWindow[]; readonly exceptions: readonly [] };
  readonly protectedDeviceId?: string;
  readonly assignTo?: readonly string[];
}

export interface Provisioner {
  /** Creates the zone unless one with this id exists; true if created. */
  ensureZone(zone: NewZoneRequest & { readonly id: string }): Promise<boolean>;
  createZone(zone: NewZoneRequest): Promise<string>;
  assignZone(zoneId: string, personIds: readonly string[]): Promise<void>;
  createPerson(p: { name: string; level: SupervisionLevel; orgUnitId: string }): Promise<string>;
  createEmOrder(personId: string, startsAt: number, endsAt: number): Promise<void>;
  /** A device of a supervisee, or (personId null) a protected person's phone registered to `orgUnitId`. */
  registerDevice(d: {
    personId: string | null;
    orgUnitId: string;
    kind: 'ankle' | 'phone';
    owntracks?: { user: string; device: string };
  }): Promise<DeviceIdentity>;
  createLeave(l: {
    personId: string;
    destinationZoneId: string;
    startsAt: number;
    endsAt: number;
    graceMinutes: number;
  }): Promise<void>;
  linkPersons(a: string, b: string, reason: string): Promise<void>;
}

/** The county boundary and the shared exclusion sites, once per service. */
export async function provisionWorld(p: Provisioner): Promise<void> {
  await p.ensureZone({ ...COUNTY, kind: 'jurisdiction' });
  for (const site of EXCLUSION_SITES) await p.ensureZone(exclusionZone(site));
}

export interface ProvisionedDevice {
  readonly spec: DeviceSpec;
  readonly identity: DeviceIdentity;
}

export interface ProvisionedScenario {
  readonly instance: ScenarioInstance;
  /** Person key → supervisee id in the service. */
  readonly personIds: ReadonlyMap<string, string>;
  readonly devices: readonly ProvisionedDevice[];
}

/** OwnTracks user names are one topic level: the device key without slashes. */
function owntracksOf(spec: DeviceSpec): { user: string; device: string } | undefined {
  return spec.protocol === 'owntracks'
    ? { user: spec.key.replace(/[^A-Za-z0-9_-]/g, '-'), device: 'phone' }
    : undefined;
}

export async function provisionScenario(p: Provisioner, s: ScenarioInstance): Promise<ProvisionedScenario> {
  const personIds = new Map<string, string>();
  const devices: ProvisionedDevice[] = [];
  const deviceIds = new Map<string, string>();
  const zoneIds = new Map<string, string>();
  const register = async (spec: DeviceSpec, personId: string | null, orgUnitId: string) => {
    const owntracks = owntracksOf(spec);
    const identity = await p.registerDevice({
      personId,
      orgUnitId,
      kind: spec.kind,
      ...(owntracks ? { owntracks } : {}),
    });
    devices.push({ spec, identity: { ...identity, ...(owntracks ? { owntracks } : {}) } });
    deviceIds.set(spec.key, identity.id);
  };
  for (const person of s.persons) {
    const id = await p.createPerson({ name: person.name, level: person.level, orgUnitId: person.orgUnitId });
    personIds.set(person.key, id);
    // Art. 29: an approved period covering the whole simulation (at most three months).
    await p.createEmOrder(id, s.start - DAY, s.end + 30 * DAY);
    for (const d of person.devices) await register(d, id, person.orgUnitId);
    if (person.prohibitionSiteIds.length > 0) {
      for (const site of person.prohibitionSiteIds) await p.assignZone(site, [id]);
    }
  }
  // Devices of no supervisee (a protected person's phone) belong to the unit of the scenario's people.
  const unitOfOthers = s.persons[0]?.orgUnitId ?? 'lianhua';
  for (const d of s.otherDevices) await register(d, null, unitOfOthers);
  const idOf = (key: string) => {
    const id = personIds.get(key);
    if (!id) throw new Error(`scenario ${s.id}: unknown person ${key}`);
    return id;
  };
  for (const z of s.zones) {
    const protectedDeviceId = z.protectedDeviceKey ? deviceIds.get(z.protectedDeviceKey) : undefined;
    const id = await p.createZone({
      kind: z.kind,
      orgUnitId: z.orgUnitId,
      name: z.name,
      geometry: z.geometry,
      ...(z.ownerKey ? { superviseeId: idOf(z.ownerKey) } : {}),
      ...(z.curfew ? { schedule: { weekly: z.curfew, exceptions: [] } } : {}),
      ...(protectedDeviceId ? { protectedDeviceId } : {}),
      ...(z.assignToKeys ? { assignTo: z.assignToKeys.map(idOf) } : {}),
    });
    zoneIds.set(z.key, id);
  }
  for (const l of s.leaves) {
    const destinationZoneId = zoneIds.get(l.destinationZoneKey);
    if (!destinationZoneId) throw new Error(`scenario ${s.id}: unknown zone ${l.destinationZoneKey}`);
    await p.createLeave({ personId: idOf(l.personKey), destinationZoneId, ...l });
  }
  for (const [a, b] of s.links) {
    const [x, y] = [idOf(a), idOf(b)].sort();
    await p.linkPersons(x!, y!, 'co-defendants (同案犯)');
  }
  return { instance: s, personIds, devices };
}

/** Provisions many scenarios, `concurrency` at a time (directory reloads coalesce under load). */
export async function provisionAll(
  p: Provisioner,
  scenarios: readonly ScenarioInstance[],
  concurrency = 8,
  onProgress?: (done: number) => void,
): Promise<ProvisionedScenario[]> {
  const out: ProvisionedScenario[] = new Array(scenarios.length);
  let next = 0;
  let done = 0;
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= scenarios.length) return;
      out[i] = await provisionScenario(p, scenarios[i]!);
      onProgress?.(++done);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, scenarios.length) }, worker));
  return out;
}
