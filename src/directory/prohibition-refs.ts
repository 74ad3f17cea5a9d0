// Each person's prohibition zones (禁止令, Art. 31) as refs into the shared index, built once per
// directory load. People with the same zones (all schools of a district) share one refs object: one
// set, not one per person, and one object the rules reach per fix that stays in cache (issue 4: a
// per-person object was a cache miss on every prohibition test, about a tenth of the bench's time).
import type { ZoneIndex } from '../domain/geo/zone-index.js';
import type { ProhibitionRefs } from '../domain/rules/person-context.js';

/**
 * Returns the refs for a set of zone ids of `index` (null for none), the same object for the same
 * set; a set naming every indexed zone is `ids: null` (no set lookup per zone at all).
 */
export function prohibitionRefsFor(index: ZoneIndex): (ids: ReadonlySet<string>) => ProhibitionRefs | null {
  const bySet = new Map<string, ProhibitionRefs>();
  return (ids) => {
    if (ids.size === 0) return null;
    const sorted = [...ids].sort();
    const key = sorted.join('\n');
    let refs = bySet.get(key);
    if (refs === undefined) {
      const all = sorted.every((id) => index.byId.has(id)) && ids.size === index.size;
      refs = { index, ids: all ? null : new Set(sorted) };
      bySet.set(key, refs);
    }
    return refs;
  };
}
