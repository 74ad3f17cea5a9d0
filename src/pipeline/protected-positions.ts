// The latest fix of each protected person's phone (victim proximity, issue 4 item 1), by phone device
// id: what a supervisee's monitor fix is judged against. The phone's fixes are never stored in the
// database (the victim is not a supervisee), so this is the only place they are kept.
//
// With one instance a map in memory does. With several (issue 8) the victim's phone and the
// supervisee's monitor may be read by different instances: each then knew only its own phones' fixes,
// and the instance judging the supervisee read the victim as "proximity unknown" or, worse, missed a
// real approach. The Redis store (src/adapters/redis/redis-protected-positions.ts) shares them.
import type { PeerFix, PeerPositions } from '../domain/rules/person-context.js';

export interface ProtectedPhoneFix extends PeerFix {
  readonly deviceId: string;
}

export interface ProtectedPositionStore {
  readonly kind: 'memory' | 'redis';
  /**
   * Records `fixes` (the newest per device wins; an older fix never replaces a newer one) and answers
   * the latest known fix of each device in `wanted` that has one, the ones just recorded included,
   * with the time from which fixes have been kept (PeerPositions.protectedSince).
   */
  exchange(fixes: readonly ProtectedPhoneFix[], wanted: ReadonlySet<string>): Promise<PeerPositions>;
}

export const NO_PROTECTED_FIXES: ReadonlyMap<string, PeerFix> = new Map();

/** Whether `fix` should replace `known` (none yet, or older). */
export function isNewer(fix: PeerFix, known: PeerFix | undefined): boolean {
  return known === undefined || known.ts < fix.ts;
}

/**
 * One instance's memory: the embedded default. Kept since `since` (the start: after a restart nothing
 * is known yet). `sibling()` shares it (tests of two handles).
 */
export class MemoryProtectedPositions implements ProtectedPositionStore {
  readonly kind = 'memory';

  constructor(
    private readonly since: number,
    private readonly latest: Map<string, PeerFix> = new Map(),
  ) {}

  sibling(): MemoryProtectedPositions {
    return new MemoryProtectedPositions(this.since, this.latest);
  }

  async exchange(fixes: readonly ProtectedPhoneFix[], wanted: ReadonlySet<string>): Promise<PeerPositions> {
    for (const f of fixes) {
      if (isNewer(f, this.latest.get(f.deviceId))) {
        this.latest.set(f.deviceId, { ts: f.ts, lat: f.lat, lon: f.lon, acc: f.acc });
      }
    }
    // The map itself: the rules only read it, and copying it for every batch would cost for nothing.
    return {
      protectedFixes: wanted.size === 0 ? NO_PROTECTED_FIXES : this.latest,
      protectedSince: this.since,
    };
  }
}
