// Everything the rules need to know about one supervisee, compiled once when their orders, zones or
// permits change. Geometry is shared by reference (a county polygon, the prohibition index), so
// per-person context stays small.
import type { SupervisionLevel } from '../../../schemas/enums.js';
import type { CompiledZone } from '../geo/compiled-zone.js';
import { fingerprintNumbers } from '../geo/fingerprint.js';
import type { ZoneIndex } from '../geo/zone-index.js';
import type { CompiledCurfew } from './curfew-schedule.js';
import { type ActivePeriod, activePeriodAt } from './em-order.js';
import type { LeavePermit } from './leave-permit.js';
import { LEVEL_PARAMETERS, type LevelParameters } from './supervision-levels.js';

/** Prohibition zones (禁止令, Art. 31) of this person: refs into a shared index; `ids` null = all of it. */
export interface ProhibitionRefs {
  readonly index: ZoneIndex;
  readonly ids: ReadonlySet<string> | null;
}

/** A protected person (victim): their phone's position defines a moving exclusion circle. */
export interface ProtectedPerson {
  readonly id: string;
  readonly radiusM: number;
  /** The phone's last fix counts only while younger than this; older means "proximity unknown". */
  readonly freshMs: number;
}

export interface PersonRulesContext {
  readonly personId: string;
  readonly level: SupervisionLevel;
  readonly params: LevelParameters;
  /** The ankle monitor: zone rules follow its fixes. */
  readonly monitorDeviceId: string;
  /** The supervision phone, used for person–device separation; null if none. */
  readonly phoneDeviceId: string | null;
  /** Approved EM periods; rules apply only inside one (Art. 29). */
  readonly orders: readonly ActivePeriod[];
  readonly residence: CompiledZone | null;
  readonly curfew: CompiledCurfew | null;
  /** County/city boundary (Art. 27); shared by everyone in the unit. */
  readonly jurisdiction: CompiledZone | null;
  readonly permits: readonly LeavePermit[];
  readonly prohibition: ProhibitionRefs | null;
  readonly protectedPersons: readonly ProtectedPerson[];
  /** Linked supervisees (co-defendants) for gathering (同案犯聚集). */
  readonly linkedPersonIds: readonly string[];
  // Derived once here from the fields above (never set by hand), so the per-fix path answers its
  // commonest questions from this object alone instead of following a pointer per array and per
  // element (issue 4: 100,000 people's contexts do not stay in cache; each hop is a miss).
  /** The first EM period's bounds (NaN when there is none): most people have exactly one. */
  readonly firstOrderStart: number;
  readonly firstOrderEnd: number;
  /** Earliest deadline (end + grace) of an ordinary permit: no permit can be overdue before it. */
  readonly overdueFrom: number;
  /**
   * Earliest start and latest deadline (end + grace) of any permit (+Infinity, -Infinity: none): no
   * permit covers a time outside them (leave-permit.ts: permitCovers, onLeave), which answers most
   * fixes without reading the permits (issue 4: each is a cache miss for 100,000 people).
   */
  readonly leaveFrom: number;
  readonly leaveUntil: number;
  readonly hasProtectedPersons: boolean;
  readonly hasLinkedPersons: boolean;
  /**
   * The geometry a person's clearances are measured against (residence, jurisdiction, the whole
   * prohibition index), in one number: a clearance under another key is never used (clearance.ts).
   */
  readonly geometryKey: number;
}

type Derived =
  | 'firstOrderStart'
  | 'firstOrderEnd'
  | 'overdueFrom'
  | 'leaveFrom'
  | 'leaveUntil'
  | 'hasProtectedPersons'
  | 'hasLinkedPersons'
  | 'geometryKey';

export type PersonRulesInput = Omit<
  PersonRulesContext,
  'params' | 'permits' | 'protectedPersons' | 'linkedPersonIds' | Derived
> &
  Partial<Pick<PersonRulesContext, 'permits' | 'protectedPersons' | 'linkedPersonIds'>>;

/**
 * The fingerprint of the geometry clearances are measured against, as a small integer (stored
 * unboxed in every clearance: clearance.ts) and never 0.
 */
function geometryKeyOf(input: PersonRulesInput): number {
  const fingerprint = fingerprintNumbers([
    input.residence?.fingerprint ?? 0,
    input.jurisdiction?.fingerprint ?? 0,
    input.prohibition?.index.fingerprint ?? 0,
  ]);
  return (1 + (fingerprint % 0x7ffffffe)) | 0;
}

/** The only way to build a context: the derived fields must agree with the lists they summarise. */
export function personRulesContext(input: PersonRulesInput): PersonRulesContext {
  const permits = input.permits ?? [];
  const protectedPersons = input.protectedPersons ?? [];
  const linkedPersonIds = input.linkedPersonIds ?? [];
  let overdueFrom = Number.POSITIVE_INFINITY;
  let leaveFrom = Number.POSITIVE_INFINITY;
  let leaveUntil = Number.NEGATIVE_INFINITY;
  for (const p of permits) {
    if (!p.standing) overdueFrom = Math.min(overdueFrom, p.end + p.graceMs);
    leaveFrom = Math.min(leaveFrom, p.start);
    leaveUntil = Math.max(leaveUntil, p.end + p.graceMs);
  }
  const first = input.orders[0];
  return {
    personId: input.personId,
    level: input.level,
    params: LEVEL_PARAMETERS[input.level],
    monitorDeviceId: input.monitorDeviceId,
    phoneDeviceId: input.phoneDeviceId,
    orders: input.orders,
    residence: input.residence,
    curfew: input.curfew,
    jurisdiction: input.jurisdiction,
    permits,
    prohibition: input.prohibition,
    protectedPersons,
    linkedPersonIds,
    firstOrderStart: first ? first.start : Number.NaN,
    firstOrderEnd: first ? first.end : Number.NaN,
    overdueFrom,
    leaveFrom,
    leaveUntil,
    hasProtectedPersons: protectedPersons.length > 0,
    hasLinkedPersons: linkedPersonIds.length > 0,
    geometryKey: geometryKeyOf(input),
  };
}

/** Whether some permit might cover `ts` (PersonRulesContext.leaveFrom): if not, none does. */
export function mayBeOnLeave(ctx: PersonRulesContext, ts: number): boolean {
  return ts >= ctx.leaveFrom && ts <= ctx.leaveUntil;
}

/** Whether an EM period covers `ts` (Art. 29), answered from the context itself for the first period. */
export function orderActiveAt(ctx: PersonRulesContext, ts: number): boolean {
  if (ts >= ctx.firstOrderStart && ts < ctx.firstOrderEnd) return true;
  return ctx.orders.length > 1 && activePeriodAt(ctx.orders, ts);
}

/** The latest fix of another person's phone (a protected person), supplied by the pipeline. */
export interface PeerFix {
  readonly ts: number;
  readonly lat: number;
  readonly lon: number;
  readonly acc: number;
}

/** Positions of other people that this person's rules depend on, looked up by id. */
export interface PeerPositions {
  readonly protectedFixes: ReadonlyMap<string, PeerFix>;
  /**
   * Since when protected persons' phone fixes have been collected (a service start, an empty Redis);
   * absent: always. A phone with no fix at all reads as "proximity unknown" only once a fresh fix
   * was due since then: right after a restart the service does not know, which is not the phone
   * being silent (a restart used to open "proximity unknown" for every such supervisee).
   */
  readonly protectedSince?: number;
}

export const NO_PEERS: PeerPositions = { protectedFixes: new Map() };
