// Who is who: devices, the supervisee each belongs to, and each supervisee's compiled rules context.
// Loaded from the database and swapped whole on reload, so the hot path reads plain maps and never
// waits on I/O.
import type { SupervisionLevel } from '../../schemas/enums.js';
import type { PersonRulesContext } from '../domain/rules/person-context.js';

export interface DeviceRecord {
  readonly id: string;
  readonly superviseeId: string | null;
  readonly kind: 'ankle' | 'phone';
  readonly secretHash: string;
  readonly disabled: boolean;
  readonly owntracksUser: string | null;
  readonly owntracksDevice: string | null;
}

export interface PersonRecord {
  readonly id: string;
  readonly orgUnitId: string;
  /** '/city/county/office/': scope checks are prefix matches (DOMAIN.md hierarchy). */
  readonly orgPath: string;
  readonly level: SupervisionLevel;
  readonly context: PersonRulesContext;
}

export interface DirectorySnapshot {
  readonly devices: ReadonlyMap<string, DeviceRecord>;
  readonly owntracks: ReadonlyMap<string, DeviceRecord>;
  readonly persons: ReadonlyMap<string, PersonRecord>;
  /** Protected-person device id → zone ids whose circle follows it. */
  readonly protectedDevices: ReadonlySet<string>;
  /**
   * Stored zones that could not be compiled (a row written before validation existed, or by hand):
   * left out of the rules, logged and counted by the service, and never a reason to refuse the
   * rest of the directory (non-negotiable 4: bad input loses nothing else).
   */
  readonly invalidZones: readonly InvalidZone[];
  readonly loadedAt: number;
}

export interface InvalidZone {
  readonly id: string;
  readonly kind: string;
  readonly orgUnitId: string;
  readonly superviseeId: string | null;
  readonly problem: string;
}

export const EMPTY_DIRECTORY: DirectorySnapshot = {
  devices: new Map(),
  owntracks: new Map(),
  persons: new Map(),
  protectedDevices: new Set(),
  invalidZones: [],
  loadedAt: 0,
};

export const owntracksKey = (user: string, device: string) => `${user}/${device}`;

const linkedBySnapshot = new WeakMap<DirectorySnapshot, readonly string[]>();

/**
 * Everybody with linked persons (co-defendants), and those linked: the people gatherings are judged
 * for at each clock tick. Computed once per snapshot, not by a scan of the caseload per tick.
 */
export function linkedPeople(snapshot: DirectorySnapshot): readonly string[] {
  let ids = linkedBySnapshot.get(snapshot);
  if (!ids) {
    const set = new Set<string>();
    for (const person of snapshot.persons.values()) {
      if (person.context.linkedPersonIds.length === 0) continue;
      set.add(person.id);
      for (const id of person.context.linkedPersonIds) set.add(id);
    }
    ids = [...set];
    linkedBySnapshot.set(snapshot, ids);
  }
  return ids;
}

export class Directory {
  private snapshot: DirectorySnapshot = EMPTY_DIRECTORY;
  private loadedRevision: string | null = null;

  /**
   * `revision`, when given, names the state of the tables the directory is loaded from
   * (src/storage/migrations/006-directory-revision.ts): a reload at an unchanged revision keeps the
   * snapshot (a reload of 100,000 people costs seconds of CPU).
   */
  constructor(
    private readonly loader: () => Promise<DirectorySnapshot>,
    private readonly revision?: () => Promise<string>,
  ) {}

  async reload(): Promise<DirectorySnapshot> {
    // Read before loading: a write committed during the load bumps the revision past this one, so
    // the next reload picks it up even if this load missed it.
    const revision = this.revision ? await this.revision() : null;
    if (revision !== null && revision === this.loadedRevision) return this.snapshot;
    this.snapshot = await this.loader();
    this.loadedRevision = revision;
    return this.snapshot;
  }

  get current(): DirectorySnapshot {
    return this.snapshot;
  }

  device(id: string): DeviceRecord | undefined {
    return this.snapshot.devices.get(id);
  }

  deviceByOwnTracks(user: string, device: string): DeviceRecord | undefined {
    return this.snapshot.owntracks.get(owntracksKey(user, device));
  }

  person(id: string): PersonRecord | undefined {
    return this.snapshot.persons.get(id);
  }
}
