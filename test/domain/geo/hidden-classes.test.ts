// Zones and edge grids are read for every fix (issue 4: ≥ 1M evaluations/s/core). Edge grids built
// by spreading a partial object got a hidden class each, and the reads in a county test went
// megamorphic (V8's IC log, `node --log-ic`; a traveller's fix ran ~10% slower, `npm run rules-ab --
// 9baa042 <fix> --moving 1`). This checks the property that prevents it, for grids and for zones, in
// a child process, since it needs V8's natives syntax.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const fixture = fileURLToPath(new URL('./fixtures/zone-shapes.ts', import.meta.url));

describe('compiled geometry has one hidden class per kind of object', () => {
  it('every zone (circle or polygon, integer or fractional numbers) and every edge grid', () => {
    const out = execFileSync(process.execPath, ['--allow-natives-syntax', '--import', 'tsx', fixture], {
      encoding: 'utf8',
    });
    const r = JSON.parse(out) as {
      zones: [string, boolean][];
      grids: [number, boolean][];
      gridCount: number;
    };
    expect(r.gridCount).toBe(2);
    expect(r.zones.filter(([, same]) => !same).map(([id]) => id)).toEqual([]);
    expect(r.grids.filter(([, same]) => !same)).toEqual([]);
  });
});
