// Gathering of linked supervisees (同案犯聚集) judged from steady positions (quality bench: opened
// ~49 min after a teahouse meeting began, against 30), never from people who merely passed.
import { describe, expect, it } from 'vitest';
import type { FixSource } from '../../../schemas/enums.js';
import {
  DEFAULT_GATHERING,
  evaluateGathering,
  type GatheringState,
  type LinkedPosition,
  NO_GATHERING,
} from '../../../src/domain/rules/gathering.js';
import { initialPersonState, type PersonState } from '../../../src/domain/rules/person-state.js';
import { wantsFastReporting } from '../../../src/reporting/reporting-mode.js';
import { context, DAY, fix, HOUR, MIN, MONDAY, run, summary } from './fixture.js';

const NOON = MONDAY + 12 * HOUR;
const linked = context({ linkedPersonIds: ['b'] });

interface Reading {
  readonly acc: number;
  readonly source: FixSource;
}
// Indoors: a GNSS fix now and then between Wi-Fi and cell fixes (simulators/noise.ts ankleFix).
const INDOOR: readonly Reading[] = [
  { acc: 20, source: 'gnss' },
  { acc: 80, source: 'wifi' },
  { acc: 800, source: 'cell' },
  { acc: 60, source: 'wifi' },
];

/** One person's monitor state after fixes every `stepMs` at `east`, the indoor pattern from `offset`. */
function person(start: number, end: number, stepMs: number, east: number, offset: number): PersonState[] {
  const states: PersonState[] = [];
  let s = initialPersonState(MONDAY - DAY);
  for (let t = start, i = offset; t < end; t += stepMs, i++) {
    const r = INDOOR[i % INDOOR.length]!;
    s = run(linked, [fix({ ts: t, east, north: 0, acc: r.acc, source: r.source })], s).state;
    states.push(s);
  }
  return states;
}

function positionOf(id: string, s: PersonState): LinkedPosition {
  return s.steady
    ? { personId: id, ...s.steady }
    : { personId: id, ts: s.lastTs, lat: s.lastLat, lon: s.lastLon, acc: s.lastAcc };
}

/** Ticks every 30 s over two people's fix-by-fix states; returns the changes with their tick. */
function ticks(a: PersonState[], b: PersonState[], from: number, stepMs: number, until: number) {
  let state: GatheringState = NO_GATHERING;
  const out: { at: number; what: string; startedAt: number }[] = [];
  const at = (states: PersonState[], t: number) =>
    states.filter((s) => s.lastTs <= t).at(-1) ?? initialPersonState(MONDAY - DAY);
  for (let t = from; t <= until; t += 30_000) {
    const sa = at(a, t);
    const sb = at(b, t);
    if (sa.lastTs === 0 || sb.lastTs === 0) continue;
    const r = evaluateGathering(DEFAULT_GATHERING, state, [positionOf('a', sa), positionOf('b', sb)], t);
    state = r.state;
    for (const c of r.changes) out.push({ at: t, what: summary([c])[0]!, startedAt: c.startedAt });
  }
  void stepMs;
  return out;
}

describe('gathering from steady positions', () => {
  it('two people sitting together on mostly coarse indoor fixes: opens ~30 min after they are together', () => {
    // Their GNSS fixes never coincide: judged from the latest fix alone the pair was never
    // confidently within 100 m (√(20² + 80²) > 43 m) and the gathering never opened.
    const a = person(NOON, NOON + HOUR, 30_000, 0, 0);
    const b = person(NOON + 10_000, NOON + HOUR, 30_000, 15, 2);
    const changes = ticks(a, b, NOON, 30_000, NOON + HOUR);
    expect(changes.map((c) => c.what)).toEqual(['open gathering@a+b']);
    expect(changes[0]!.startedAt).toBeLessThanOrEqual(NOON + 2 * MIN);
    expect(changes[0]!.at).toBeLessThanOrEqual(NOON + 33 * MIN);
  });

  it('people who passed each other, sat 150 m apart on coarse fixes, then met: the clock starts when they met', () => {
    // Together for one reading (accurate fixes as they pass), then apart on fixes too coarse to
    // call "apart": uncertain readings kept the run alive from the passing, so the gathering opened
    // the moment they truly met, 35 minutes "together" of which they had spent one.
    const params = DEFAULT_GATHERING;
    const pos = (id: string, ts: number, east: number, acc: number): LinkedPosition => ({
      personId: id,
      ts,
      lat: 30.12,
      lon: 104.63 + east / 96_000,
      acc,
    });
    let state: GatheringState = NO_GATHERING;
    const kinds: string[] = [];
    const first = evaluateGathering(params, state, [pos('a', NOON, 0, 8), pos('b', NOON, 30, 8)], NOON);
    state = first.state;
    expect(state.size).toBe(1);
    for (let t = NOON + MIN; t <= NOON + 35 * MIN; t += MIN) {
      const r = evaluateGathering(params, state, [pos('a', t, 0, 60), pos('b', t, 150, 60)], t);
      state = r.state;
      kinds.push(...summary(r.changes));
    }
    for (let t = NOON + 36 * MIN; t <= NOON + 70 * MIN; t += MIN) {
      const r = evaluateGathering(params, state, [pos('a', t, 0, 8), pos('b', t, 20, 8)], t);
      state = r.state;
      kinds.push(...summary(r.changes).map((k) => `${k} at ${(t - NOON) / MIN} min`));
    }
    expect(kinds).toEqual(['open gathering@a+b at 66 min']);
  });

  it('a pair that may be together is watched (fast reporting) until a gathering opens; cell fixes place nobody', () => {
    const pos = (id: string, east: number, acc: number): LinkedPosition => ({
      personId: id,
      ts: NOON,
      lat: 30.12,
      lon: 104.63 + east / 96_000,
      acc,
    });
    const judge = (a: LinkedPosition, b: LinkedPosition) =>
      evaluateGathering(DEFAULT_GATHERING, NO_GATHERING, [a, b], NOON);
    const uncertain = judge(pos('a', 0, 30), pos('b', 90, 30));
    expect([...uncertain.watching].sort()).toEqual(['a', 'b']);
    const coarse = judge(pos('a', 0, 800), pos('b', 90, 30));
    expect(coarse.watching.size).toBe(0);
    const apart = judge(pos('a', 0, 10), pos('b', 900, 10));
    expect(apart.watching.size).toBe(0);
    expect(wantsFastReporting({ ...initialPersonState(NOON), nearLinked: true })).toBe(true);
  });

  it('a person with a move pending is at one of two places: a reading is confident only if both agree', () => {
    const at = (east: number, acc: number) => ({ ts: NOON, lat: 30.12, lon: 104.63 + east / 96_000, acc });
    const b: LinkedPosition = { personId: 'b', ...at(0, 10) };
    // Arriving: the steady fix is still 600 m back, one fix already beside b. Watched, not apart.
    const arriving = { personId: 'a', ...at(600, 10), moved: at(20, 10) };
    const r = evaluateGathering(DEFAULT_GATHERING, NO_GATHERING, [arriving, b], NOON);
    expect([...r.watching].sort()).toEqual(['a', 'b']);
    // A lone outlier 600 m off while they sit together: neither apart (no reset) nor together.
    const sitting = evaluateGathering(
      DEFAULT_GATHERING,
      NO_GATHERING,
      [
        { ...b, personId: 'a' },
        { ...b, personId: 'c' },
      ],
      NOON,
    );
    const outlier = { personId: 'a', ...at(0, 10), moved: at(600, 10) };
    const next = evaluateGathering(
      DEFAULT_GATHERING,
      sitting.state,
      [outlier, { ...b, personId: 'c' }],
      NOON + MIN,
    );
    expect(next.state.get('a+c')).toMatchObject({ since: NOON, together: NOON });
  });

  it('a steady position gives way to a fix that confidently contradicts it, and ages out', () => {
    const s1 = run(linked, [fix({ ts: NOON, east: 0, north: 0, acc: 10 })]).state;
    const coarse = run(
      linked,
      [fix({ ts: NOON + MIN, east: 100, north: 0, acc: 300, source: 'cell' })],
      s1,
    ).state;
    expect(coarse.steady).toMatchObject({ ts: NOON, acc: 10, seen: NOON + MIN });
    // One contradicting fix is a lone outlier until a second agrees that the person moved.
    const once = run(linked, [fix({ ts: NOON + 2 * MIN, east: 400, north: 0, acc: 15 })], coarse).state;
    expect(once.steady).toMatchObject({ ts: NOON, acc: 10 });
    // A cell fix between the two neither confirms nor refutes the move.
    const between = run(
      linked,
      [fix({ ts: NOON + 150_000, east: 200, north: 0, acc: 900, source: 'cell' })],
      once,
    );
    const moved = run(
      linked,
      [fix({ ts: NOON + 3 * MIN, east: 400, north: 0, acc: 15 })],
      between.state,
    ).state;
    expect(moved.steady).toMatchObject({ ts: NOON + 3 * MIN, acc: 15 });
    // A lone outlier is refuted by an accurate fix back at the steady place.
    const outlier = run(linked, [fix({ ts: NOON + 4 * MIN, east: 900, north: 0, acc: 10 })], moved).state;
    const refuted = run(linked, [fix({ ts: NOON + 5 * MIN, east: 405, north: 0, acc: 12 })], outlier).state;
    const after = run(linked, [fix({ ts: NOON + 6 * MIN, east: 900, north: 0, acc: 10 })], refuted).state;
    expect(after.steady).toMatchObject({ ts: NOON + 5 * MIN, acc: 12 });
    const late = run(
      linked,
      [fix({ ts: NOON + 11 * MIN, east: 400, north: 0, acc: 50, source: 'wifi' })],
      moved,
    );
    expect(late.state.steady).toMatchObject({ ts: NOON + 11 * MIN, acc: 50 });
    // Once the steady fix is too old, a lone contradicting fix competes like any other recent one.
    const held = run(linked, [fix({ ts: NOON + 6 * MIN, east: 900, north: 0, acc: 10 })], refuted).state;
    const aged = run(
      linked,
      [fix({ ts: NOON + 11 * MIN, east: 800, north: 0, acc: 900, source: 'cell' })],
      held,
    );
    expect(aged.state.steady).toMatchObject({ ts: NOON + 6 * MIN, acc: 10 });
    // Nobody without linked persons pays for it.
    expect(run(context(), [fix({ ts: NOON, east: 0, north: 0 })]).state.steady).toBeNull();
  });
});
