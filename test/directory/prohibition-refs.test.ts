// People with the same prohibition zones share one refs object (src/directory/prohibition-refs.ts).
import { describe, expect, it } from 'vitest';
import { prohibitionRefsFor } from '../../src/directory/prohibition-refs.js';
import { compileZone } from '../../src/domain/geo/compiled-zone.js';
import { buildZoneIndex } from '../../src/domain/geo/zone-index.js';

const zone = (id: string, east: number) =>
  compileZone(id, 'prohibition', { type: 'Circle', center: [104.63 + east * 1e-3, 30.12], radiusM: 50 });

describe('prohibition refs', () => {
  const index = buildZoneIndex([zone('a', 0), zone('b', 1), zone('c', 2)]);

  it('are one object for one set of zones, whatever order the ids come in', () => {
    const refsOf = prohibitionRefsFor(index);
    const ab = refsOf(new Set(['a', 'b']));
    expect(ab).not.toBeNull();
    expect(refsOf(new Set(['b', 'a']))).toBe(ab);
    expect(ab!.index).toBe(index);
    expect([...ab!.ids!].sort()).toEqual(['a', 'b']);
    const ac = refsOf(new Set(['a', 'c']));
    expect(ac).not.toBe(ab);
    expect([...ac!.ids!].sort()).toEqual(['a', 'c']);
  });

  it('name no set when they are every zone of the index, and are null for none', () => {
    const refsOf = prohibitionRefsFor(index);
    expect(refsOf(new Set(['c', 'a', 'b']))!.ids).toBeNull();
    expect(refsOf(new Set())).toBeNull();
    // An id the index does not hold is not "all of it", even at the same count.
    expect(refsOf(new Set(['a', 'b', 'x']))!.ids).not.toBeNull();
  });
});
