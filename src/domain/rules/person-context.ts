// Everything the rules need to know about one supervisee, compiled once when their orders, zones or
// permits change. Geometry is shared by reference (a county polygon, the prohibition index), so
// per-person context stays small.
import type { SupervisionLevel } from '../../../schemas/enums.js';
import type { CompiledZone } from '../geo/compiled-zone.js';
import type { ZoneIndex } from '../geo/zone-index.js';
import type { CompiledCurfew } from './curfew-schedule.js';
import type { ActivePeriod } from './em-order.js';
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
}

export type PersonRulesInput = Omit<
  PersonRulesContext,
  'params' | 'permits' | 'protectedPersons' | 'linkedPersonIds'
> &
  Partial<Pick<PersonRulesContext, 'permits' | 'protectedPersons' | 'linkedPersonIds'>>;

export function personRulesContext(input: PersonRulesInput): PersonRulesContext {
  return {
    permits: [],
    protectedPersons: [],
    linkedPersonIds: [],
    ...input,
    params: LEVEL_PARAMETERS[input.level],
  };
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
}

export const NO_PEERS: PeerPositions = { protectedFixes: new Map() };
