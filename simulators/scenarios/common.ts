// Shared building blocks of the scenario library: a supervised person with residence, curfew,
// exclusion sites and devices, and expected alerts whose deadlines follow the documented rules.
import type { AlertKind, SupervisionLevel } from '../../schemas/enums.js';
import { squareAround } from '../geo.js';
import type { Itinerary, ItineraryBuilder } from '../itinerary.js';
import { LEVELS, zoneEvidenceWindowMs } from '../levels.js';
import type { Rng } from '../rng.js';
import {
  type BehaviourOverride,
  buildDays,
  DAY,
  deviceSpec,
  MINUTE,
  NIGHT_CURFEW,
  type Places,
  placesFor,
} from '../routine.js';
import type {
  DeviceProtocol,
  DeviceSpec,
  ExpectedAlert,
  PersonSpec,
  ScenarioInstance,
  ZoneSpec,
} from '../scenario.js';
import { EXCLUSION_SITES } from '../world.js';

export interface ScenarioContext {
  /** Unique per instance; prefixes every key. */
  readonly id: string;
  /** Local midnight (Asia/Shanghai) of day 0. */
  readonly start: number;
  readonly days: number;
  /** The day on which the scenario's violation happens (0-based). */
  readonly violationDay: number;
  readonly rng: Rng;
}

export interface ScenarioDef {
  readonly name: string;
  readonly description: string;
  /** Supervisees in one instance (person-days = persons × days). */
  readonly persons: number;
  build(ctx: ScenarioContext): ScenarioInstance;
}

/** Slack for delivery and timer granularity (a tick every ≤ 30 s, a step of ≤ 30 s). */
export const DETECTION_SLACK_MS = 2 * MINUTE;

export interface PersonOptions {
  readonly level?: SupervisionLevel;
  readonly ankle?: boolean;
  readonly phone?: DeviceProtocol | null;
  readonly places?: Places;
  readonly prohibitionSiteIds?: readonly string[];
  /** Writes the whole of day `day` instead of the routine (returns true), ending at home at midnight. */
  readonly special?: (
    b: ItineraryBuilder,
    day: number,
    dayStart: number,
    places: Places,
    rng: Rng,
  ) => boolean;
  /** Ankle carrier differs from the person (monitor left somewhere). */
  readonly ankleCarrier?: (person: Itinerary) => Itinerary;
  readonly ankleBehaviour?: BehaviourOverride;
  readonly orgUnitId?: string;
}

export interface BuiltPerson {
  readonly person: PersonSpec;
  readonly residence: ZoneSpec;
  readonly places: Places;
}

export function supervisee(ctx: ScenarioContext, suffix: string, o: PersonOptions = {}): BuiltPerson {
  const key = `${ctx.id}/${suffix}`;
  const rng = ctx.rng.fork(key);
  const level = o.level ?? 'normal';
  const places = o.places ?? placesFor(rng);
  const special = o.special;
  const itinerary = buildDays(
    rng,
    ctx.start,
    ctx.days,
    places,
    special && ((b, d, ds) => special(b, d, ds, places, rng)),
  );
  const devices: DeviceSpec[] = [];
  if (o.ankle ?? true) {
    const carrier = o.ankleCarrier ? o.ankleCarrier(itinerary) : itinerary;
    devices.push(deviceSpec(rng, `${key}/ankle`, key, 'ankle', 'native', level, carrier, o.ankleBehaviour));
  }
  if (o.phone) devices.push(deviceSpec(rng, `${key}/phone`, key, 'phone', o.phone, level, itinerary));
  const siteIds =
    o.prohibitionSiteIds ??
    [rng.pick(EXCLUSION_SITES).id, rng.pick(EXCLUSION_SITES).id].filter((id, i, a) => a.indexOf(id) === i);
  const person: PersonSpec = {
    key,
    name: `模拟对象 ${suffix}`,
    level,
    orgUnitId: o.orgUnitId ?? (rng.chance(0.5) ? 'lianhua' : 'baotai'),
    home: places.home,
    itinerary,
    devices,
    prohibitionSiteIds: siteIds,
  };
  const residence: ZoneSpec = {
    key: `${key}/residence`,
    kind: 'residence',
    orgUnitId: person.orgUnitId,
    name: `住所 ${suffix}`,
    geometry: squareAround(places.home, RESIDENCE_HALF_M),
    ownerKey: key,
    curfew: NIGHT_CURFEW,
  };
  return { person, residence, places };
}

/** Residence plot: a 90 m square around the home point (building, yard, stairwell). */
export const RESIDENCE_HALF_M = 45;

/** An expected zone violation (curfew, county, proximity, separation, prohibition). */
export function expectZone(
  p: PersonSpec,
  kind: AlertKind,
  trueStart: number,
  trueEnd: number,
  intervalMs?: number,
): ExpectedAlert {
  const prohibition = kind === 'prohibition_entry';
  const evidenceMs = intervalMs
    ? intervalMs + Math.max(2 * intervalMs, LEVELS[p.level].zoneEvidence.seconds * 1000)
    : zoneEvidenceWindowMs(p.level, prohibition);
  return {
    personKey: p.key,
    kind,
    trueStart,
    trueEnd,
    evidenceMs,
    deadlineMs: evidenceMs + DETECTION_SLACK_MS,
  };
}

/** An expected alert decided by a timer or an event: `evidenceMs` is the timeout (0 for events). */
export function expectTimer(
  p: PersonSpec,
  kind: AlertKind,
  trueStart: number,
  trueEnd: number,
  evidenceMs: number,
  extraMs = 0,
): ExpectedAlert {
  return {
    personKey: p.key,
    kind,
    trueStart,
    trueEnd,
    evidenceMs,
    deadlineMs: evidenceMs + extraMs + DETECTION_SLACK_MS,
  };
}

export function instance(
  ctx: ScenarioContext,
  def: Pick<ScenarioDef, 'name' | 'description'>,
  parts: Partial<Omit<ScenarioInstance, 'id' | 'name' | 'description' | 'start' | 'end'>> & {
    persons: readonly PersonSpec[];
  },
): ScenarioInstance {
  return {
    id: ctx.id,
    name: def.name,
    description: def.description,
    wired: true,
    start: ctx.start,
    end: ctx.start + ctx.days * DAY,
    otherDevices: [],
    zones: [],
    leaves: [],
    links: [],
    expected: [],
    ...parts,
  };
}
