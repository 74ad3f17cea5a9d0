// `npm run bench -- rules [--persons 100000] [--fixes 3000000] [--runs 5] [--moving 0.4]`: fix
// evaluations per second on one core for supervisees with residence + curfew, jurisdiction (shared
// county polygons of 500–2,000 vertices) and a leave permit, plus 10,000 shared prohibition polygons
// around Ziyang, Sichuan; and the resident decision state per person. Seeded: every run sees the
// same world. Fixes are generated in chunks of CHUNK outside the timed sections (so they die young,
// as they do in the pipeline) and only evaluateFix is timed, by CPU time and by wall time.

import os from 'node:os';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Fix } from '../src/domain/fix.js';
import { type CompiledZone, compileZone } from '../src/domain/geo/compiled-zone.js';
import { buildZoneIndex } from '../src/domain/geo/zone-index.js';
import { compileCurfew } from '../src/domain/rules/curfew-schedule.js';
import { evaluateFix } from '../src/domain/rules/evaluate-fix.js';
import { NO_PEERS, type PersonRulesContext, personRulesContext } from '../src/domain/rules/person-context.js';
import {
  IDLE_TRACK,
  initialPersonState,
  makeTrack,
  NO_EPISODES,
  type PersonState,
  patchState,
  type StateDraft,
  type TrackState,
} from '../src/domain/rules/person-state.js';
import type { BenchResult } from './bench-types.js';

const LAT0 = 30.12;
const LON0 = 104.63;
const KY = 111_195;
const KX = KY * Math.cos((LAT0 * Math.PI) / 180);
const DAY = 86_400_000;
const T0 = Date.UTC(2026, 2, 2, 0, 0, 0);
/** Fixes generated between two timed sections: small enough to die in the young generation. */
const CHUNK = 2_000;
const MIN_SPEED_MPS = 1;
const MAX_SPEED_MPS = 15;
/** Runs and fixes per run of the two side worlds (everybody at home, everybody travelling). */
const SIDE_RUNS = 3;
const SIDE_FIXES = 1_000_000;

function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

function star(
  lat: number,
  lon: number,
  n: number,
  radiusM: number,
  wiggle: number,
  rnd: () => number,
): number[][] {
  const ring: number[][] = [];
  const k1 = 3 + Math.floor(rnd() * 5);
  for (let i = 0; i < n; i++) {
    const a = (2 * Math.PI * i) / n;
    const r = radiusM * (1 + wiggle * Math.sin(k1 * a + rnd() * 0.3) + wiggle * 0.3 * (rnd() - 0.5));
    ring.push([lon + (r * Math.cos(a)) / KX, lat + (r * Math.sin(a)) / KY]);
  }
  ring.push(ring[0]!);
  return ring;
}

interface Mover {
  lat: number;
  lon: number;
  vx: number;
  vy: number;
  ts: number;
}

function getGc(): (() => void) | null {
  try {
    v8.setFlagsFromString('--expose-gc');
    return runInNewContext('gc') as () => void;
  } catch {
    return null;
  }
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};

/** heapUsed after forcing full collections until it settles (median of three readings). */
function settledHeap(gc: () => void): number {
  const readings: number[] = [];
  for (let i = 0; i < 3; i++) {
    gc();
    gc();
    readings.push(process.memoryUsage().heapUsed);
  }
  return median(readings);
}

function cloneTrack(t: TrackState): TrackState {
  if (t === IDLE_TRACK) return t;
  return makeTrack({
    ...t,
    evidence: t.evidence.map((e) => ({ ts: e.ts, lat: e.lat, lon: e.lon, acc: e.acc })),
  });
}

/**
 * A copy of a state built the way the engine builds states (same constructors, so same hidden
 * classes and field representations), sharing only what the engine shares between people
 * (IDLE_TRACK, NO_EPISODES): the heap it adds is exactly one person's resident state.
 */
function cloneState(s: PersonState): PersonState {
  const episodes: Record<string, PersonState['episodes'][string]> = {};
  for (const [k, e] of Object.entries(s.episodes)) episodes[k] = { ...e };
  return patchState(s, {
    curfew: cloneTrack(s.curfew),
    jurisdiction: cloneTrack(s.jurisdiction),
    prohibition: cloneTrack(s.prohibition),
    proximity: cloneTrack(s.proximity),
    separation: cloneTrack(s.separation),
    episodes: s.episodes === NO_EPISODES ? NO_EPISODES : episodes,
    ankleStill: s.ankleStill === null ? null : { ...s.ankleStill },
  });
}

/** Fixes evaluated over `runs` runs of `rounds` fixes per person, timed by CPU and wall clock. */
function timeWorld(
  contexts: readonly PersonRulesContext[],
  deviceIds: readonly string[],
  movers: readonly Mover[],
  runs: number,
  rounds: number,
  rnd: () => number,
  withSpares = true,
): {
  states: PersonState[];
  spares: (StateDraft | null)[];
  perRunCpu: number[];
  perRunWall: number[];
  evaluated: number;
  opened: number;
  dropped: number;
} {
  const persons = contexts.length;
  const states: PersonState[] = [];
  for (let p = 0; p < persons; p++) states.push(initialPersonState(T0));
  // Each person's spare state, written by the next evaluation and swapped with the current one, as
  // the in-memory state store does (decision 0013): no state object is allocated per fix. Without
  // spares (as with the Redis store) every evaluated fix builds a new state object.
  const spares: (StateDraft | null)[] = states.map(() => (withSpares ? initialPersonState(T0) : null));
  const sources = ['gnss', 'gnss', 'gnss', 'gnss', 'gnss', 'gnss', 'gnss', 'gnss', 'wifi', 'cell'] as const;
  // Fixes for persons [from, to) of one round; fresh objects, as decoded by ingest.
  const makeChunk = (from: number, to: number, out: Fix[]): void => {
    for (let p = from; p < to; p++) {
      const m = movers[p]!;
      m.ts += 60_000;
      m.lat += (m.vy * 60) / KY;
      m.lon += (m.vx * 60) / KX;
      if (rnd() < 0.05) [m.vx, m.vy] = [-m.vy, m.vx];
      const source = sources[Math.floor(rnd() * sources.length)]!;
      const acc =
        source === 'gnss' ? 4 + rnd() * 20 : source === 'wifi' ? 30 + rnd() * 50 : 500 + rnd() * 1000;
      const noise = source === 'gnss' ? acc : acc * 0.5;
      out[p - from] = {
        deviceId: deviceIds[p]!,
        seq: null,
        ts: m.ts,
        receivedAt: m.ts + 800,
        lat: m.lat + ((rnd() - 0.5) * noise) / KY,
        lon: m.lon + ((rnd() - 0.5) * noise) / KX,
        accuracyM: acc,
        source,
        protocol: 'native',
      };
    }
  };

  const perRunCpu: number[] = [];
  const perRunWall: number[] = [];
  let evaluated = 0;
  let opened = 0;
  let dropped = 0;
  let chunk: Fix[] = new Array(CHUNK);
  for (let run = 0; run < runs; run++) {
    let wallNs = 0n;
    let cpuUs = 0;
    let count = 0;
    for (let r = 0; r < rounds; r++) {
      for (let from = 0; from < persons; from += CHUNK) {
        const to = Math.min(persons, from + CHUNK);
        chunk = new Array(to - from);
        makeChunk(from, to, chunk);
        const cpu0 = process.cpuUsage();
        const t = process.hrtime.bigint();
        for (let p = from; p < to; p++) {
          const spare = spares[p]!;
          const result = evaluateFix(contexts[p]!, states[p]!, chunk[p - from]!, NO_PEERS, spare);
          if (spare !== null && result.state === spare) spares[p] = states[p]!;
          states[p] = result.state;
          if (result.dropped !== undefined) dropped++;
          // Bookkeeping inside the timed section: an indexed loop, as `for…of` allocated an iterator
          // per fix (88 B, measured), which is the harness's cost, not evaluateFix's.
          const changes = result.changes;
          for (let k = 0; k < changes.length; k++) if (changes[k]!.action === 'open') opened++;
        }
        wallNs += process.hrtime.bigint() - t;
        const cpu = process.cpuUsage(cpu0);
        cpuUs += cpu.user + cpu.system;
        count += to - from;
      }
    }
    evaluated += count;
    perRunCpu.push(count / (cpuUs / 1e6));
    perRunWall.push(count / (Number(wallNs) / 1e9));
  }
  return { states, spares, perRunCpu, perRunWall, evaluated, opened, dropped };
}

export default async function rules(args: Record<string, string>): Promise<BenchResult> {
  const persons = Number(args.persons ?? 100_000);
  const totalFixes = Number(args.fixes ?? 3_000_000);
  const runs = Number(args.runs ?? 5);
  const movingShare = Number(args.moving ?? 0.4);
  const rnd = prng(20261127);

  // Ten county polygons on a 4 × 3 layout, ~30 km across, 500–2,000 vertices each.
  const counties: CompiledZone[] = [];
  for (let i = 0; i < 10; i++) {
    const lat = LAT0 + ((Math.floor(i / 4) - 1) * 30_000) / KY;
    const lon = LON0 + (((i % 4) - 1.5) * 30_000) / KX;
    const n = 500 + Math.floor(rnd() * 1500);
    counties.push(
      compileZone(`county-${i}`, 'jurisdiction', {
        type: 'Polygon',
        coordinates: [star(lat, lon, n, 16_000, 0.12, rnd)],
      }),
    );
  }
  // 10,000 prohibition zones (~20 vertices, 40–250 m) scattered over the same area.
  const prohibitionZones: CompiledZone[] = [];
  for (let i = 0; i < 10_000; i++) {
    const lat = LAT0 + ((rnd() - 0.5) * 90_000) / KY;
    const lon = LON0 + ((rnd() - 0.5) * 120_000) / KX;
    prohibitionZones.push(
      compileZone(`proh-${i}`, 'prohibition', {
        type: 'Polygon',
        coordinates: [star(lat, lon, 20, 40 + rnd() * 210, 0.2, rnd)],
      }),
    );
  }
  const index = buildZoneIndex(prohibitionZones);
  const curfew = compileCurfew({
    weekly: [0, 1, 2, 3, 4, 5, 6].map((weekday) => ({ weekday, startMin: 22 * 60, endMin: 6 * 60 })),
    exceptions: [{ date: '2026-03-08', windows: [] }],
  });

  // Everybody is ordered away from all of them: one refs object, as the directory builds it for
  // people with the same zones (src/directory/prohibition-refs.ts).
  const allProhibitionZones = { index, ids: null };
  const contexts: PersonRulesContext[] = [];
  const movers: Mover[] = [];
  for (let p = 0; p < persons; p++) {
    const county = counties[p % counties.length]!;
    const c = county;
    const lat = c.lat0 + ((rnd() - 0.5) * 16_000) / KY;
    const lon = c.lon0 + ((rnd() - 0.5) * 16_000) / KX;
    const residence =
      p % 2 === 0
        ? compileZone(`res-${p}`, 'residence', {
            type: 'Circle',
            center: [lon, lat],
            radiusM: 60 + rnd() * 100,
          })
        : compileZone(`res-${p}`, 'residence', {
            type: 'Polygon',
            coordinates: [star(lat, lon, 6, 80, 0.1, rnd)],
          });
    const dest = compileZone(`dest-${p}`, 'leave', {
      type: 'Circle',
      center: [LON0 + 0.5, LAT0 + 0.4],
      radiusM: 5000,
    });
    const start = T0 + Math.floor(rnd() * 20) * DAY;
    contexts.push(
      personRulesContext({
        personId: `p${p}`,
        level: p % 3 === 0 ? 'strict' : p % 3 === 1 ? 'normal' : 'lenient',
        monitorDeviceId: `d${p}`,
        phoneDeviceId: null,
        orders: [{ start: T0 - 30 * DAY, end: T0 + 60 * DAY }],
        residence,
        curfew,
        jurisdiction: county,
        permits: [
          {
            id: `leave-${p}`,
            destination: dest,
            start,
            end: start + 3 * DAY,
            graceMs: 6 * 3_600_000,
            standing: false,
          },
        ],
        prohibition: allProhibitionZones,
        protectedPersons: [],
        linkedPersonIds: [],
      }),
    );
    // By default 60% stay near home (GNSS jitter only) and 40% travel all the time at 1–15 m/s
    // (uniform; turning 90° at random): a busier world than supervisees at home or work, on purpose.
    const moving = rnd() < movingShare;
    const speed = moving ? MIN_SPEED_MPS + rnd() * (MAX_SPEED_MPS - MIN_SPEED_MPS) : 0;
    const heading = rnd() * 2 * Math.PI;
    movers.push({
      lat,
      lon,
      vx: speed * Math.cos(heading),
      vy: speed * Math.sin(heading),
      ts: T0 + 20 * 3_600_000 + Math.floor(rnd() * 60_000),
    });
  }

  const gc = getGc();
  const deviceIds = contexts.map((c) => c.monitorDeviceId);
  const rounds = Math.max(1, Math.ceil(totalFixes / persons));
  const startingPoints = movers.map((m) => ({ ...m }));
  const headline = timeWorld(contexts, deviceIds, movers, runs, rounds, rnd);
  let states = headline.states;
  let spares = headline.spares;
  const perRunCpu = headline.perRunCpu;
  const perRunWall = headline.perRunWall;
  const { evaluated, opened, dropped } = headline;

  // Resident state per person, measured on the heap (gc forced, heap read when settled).
  let stateBytes = Number.NaN;
  let stateBytesTrials: number[] = [];
  let stateBytesDrop = Number.NaN;
  let stateBytesWithGap = Number.NaN;
  let stateBytesIdle = Number.NaN;
  let stateBytesSpare = Number.NaN;
  let openTracks = 0;
  for (const s of states) {
    if (s.curfew !== IDLE_TRACK || s.jurisdiction !== IDLE_TRACK || s.prohibition !== IDLE_TRACK)
      openTracks++;
  }
  if (gc && args['state-bytes'] !== 'off') {
    // (1) Copies of the final states, built like the engine builds them: heap with minus heap
    //     without, five times; median.
    for (let trial = 0; trial < 5; trial++) {
      const before = settledHeap(gc);
      let copies: PersonState[] | null = states.map(cloneState);
      const after = settledHeap(gc);
      stateBytesTrials.push(Math.round((after - before) / copies.length));
      copies = null;
    }
    stateBytes = median(stateBytesTrials);
    // (1b) The same states each remembering a gap (decision 0011: the state before the gap is kept
    //      for an hour after a monitor was quiet), the most a person can hold; median of three.
    const gapTrials: number[] = [];
    for (let trial = 0; trial < 3; trial++) {
      const before = settledHeap(gc);
      let copies: PersonState[] | null = states.map((st) =>
        patchState(cloneState(st), {
          gap: { from: st.lastTs - 600_000, to: st.lastTs, before: cloneState(st), settled: {} },
        }),
      );
      const after = settledHeap(gc);
      gapTrials.push(Math.round((after - before) / copies.length));
      copies = null;
    }
    stateBytesWithGap = median(gapTrials);
    // (1c) The spares (decision 0013: the in-memory store keeps the state each commit replaced, which
    //      the next evaluation writes into): dropped once, like (2).
    const withSpares = settledHeap(gc);
    const spareCount = spares.length;
    spares = [];
    stateBytesSpare = Math.round((withSpares - settledHeap(gc)) / spareCount);
    // (2) Cross-check: drop the real final states themselves (once; they cannot be re-made).
    const withStates = settledHeap(gc);
    const held = states.length;
    states = [];
    const without = settledHeap(gc);
    stateBytesDrop = Math.round((withStates - without) / held);
    // (3) A person before the first fix (initialPersonState), five times; median.
    const idle: number[] = [];
    for (let trial = 0; trial < 5; trial++) {
      const before = settledHeap(gc);
      let fresh: PersonState[] | null = Array.from({ length: persons }, () => initialPersonState(T0));
      const after = settledHeap(gc);
      idle.push(Math.round((after - before) / fresh.length));
      fresh = null;
    }
    stateBytesIdle = median(idle);
  } else stateBytesTrials = [];

  states = [];
  spares = [];
  // The same people and zones in other worlds (fewer runs), measured after the state bytes with the
  // headline's states dropped, so each starts from the same heap: everybody at home, everybody on the
  // move (what a fix costs depends mostly on this: clearance.ts, a fix far from every boundary it has
  // already been measured against skips the tests), and the headline's mix with and without spares.
  const sideWorlds = args['side-worlds'] !== 'off';
  const otherWorld = (share: number, withSpares = true) => {
    const r = prng(20261128 + Math.round(share * 100));
    const ms = startingPoints.map((m) => {
      const speed = r() < share ? MIN_SPEED_MPS + r() * (MAX_SPEED_MPS - MIN_SPEED_MPS) : 0;
      const heading = r() * 2 * Math.PI;
      return { ...m, vx: speed * Math.cos(heading), vy: speed * Math.sin(heading) };
    });
    const sideRounds = Math.max(1, Math.ceil(SIDE_FIXES / persons));
    const w = timeWorld(contexts, deviceIds, ms, SIDE_RUNS, sideRounds, r, withSpares);
    return Math.round(median(w.perRunCpu));
  };
  const atHome = sideWorlds ? otherWorld(0) : Number.NaN;
  const allMoving = sideWorlds ? otherWorld(1) : Number.NaN;
  // The headline's mix once more, with spares and then building a new state object per fix (no
  // spare: the Redis store), under the same conditions: the ratio is what spares are worth.
  const mixSpares = sideWorlds ? otherWorld(movingShare) : Number.NaN;
  const newObjects = sideWorlds ? otherWorld(movingShare, false) : Number.NaN;

  return {
    config: {
      load_avg_1m_at_end: Math.round(os.loadavg()[0]! * 100) / 100,
      persons,
      fixes_per_run: rounds * persons,
      runs,
      counties: counties.length,
      prohibition_zones: prohibitionZones.length,
      county_vertices: counties.map((c) => c.edges.length / 4),
      moving_share: movingShare,
      moving_speed_mps: [MIN_SPEED_MPS, MAX_SPEED_MPS],
      fix_interval_s: 60,
      sources: 'gnss 80% (4-24 m), wifi 10% (30-80 m), cell 10% (500-1500 m)',
      chunk: CHUNK,
    },
    figures: {
      evaluations_per_s_per_core: Math.round(median(perRunCpu)),
      evaluations_per_s_runs: perRunCpu.map(Math.round),
      evaluations_per_s_wall: Math.round(median(perRunWall)),
      evaluations_per_s_wall_runs: perRunWall.map(Math.round),
      evaluations_per_s_per_core_all_at_home: atHome,
      evaluations_per_s_per_core_all_travelling: allMoving,
      evaluations_per_s_per_core_new_state_objects: newObjects,
      evaluations_per_s_per_core_mix_with_spares: mixSpares,
      state_bytes_per_person: stateBytes,
      state_bytes_per_person_trials: stateBytesTrials,
      state_bytes_per_person_drop: stateBytesDrop,
      state_bytes_per_person_with_gap: stateBytesWithGap,
      state_bytes_per_person_idle: stateBytesIdle,
      state_bytes_per_person_spare: stateBytesSpare,
      persons_with_active_track_at_end: openTracks,
      evaluated,
      alerts_opened: opened,
      dropped,
    },
    ratios: {
      spares_vs_new_state_objects: Math.round((mixSpares / newObjects) * 100) / 100,
    },
    notes: [
      'Single thread; only evaluateFix is timed: fixes are generated in chunks between timed sections. evaluations_per_s_per_core = evaluations / CPU seconds of the whole process (user + system, all threads: GC helpers included) spent in the timed sections, median of runs; evaluations_per_s_wall = the same over wall time, which on this shared 2-core machine also counts time the thread was waiting for a core (see load_avg_1m_at_end).',
      `evaluations_per_s_per_core_all_at_home / _all_travelling: the same people, zones and fixes per person, with nobody / everybody travelling (${SIDE_RUNS} runs of ${SIDE_FIXES} fixes from the same start, median): a fix of someone at home skips most zone tests (clearances, src/domain/rules/clearance.ts); a traveller's fixes test the prohibition zones near them every time. Off with --side-worlds off.`,
      `Each person has a spare state that evaluateFix writes the next state into, swapped with the current one after each fix, as the in-memory state store does (decision 0013: the state the last commit replaced); evaluations_per_s_per_core_new_state_objects: the headline's people and share of travellers without spares (${SIDE_RUNS} runs of ${SIDE_FIXES} fixes, median), a new state object per fix, as with the Redis store, which decodes every state it leases; evaluations_per_s_per_core_mix_with_spares: the same with spares, just before it; ratios.spares_vs_new_state_objects: the one over the other. state_bytes_per_person_spare: heap freed by dropping the spares once (each is a whole state, holding what the state it replaced held).`,
      `World: ${movingShare * 100}% of people travel all the time at ${MIN_SPEED_MPS}-${MAX_SPEED_MPS} m/s (uniform; random 90° turns), the rest stay at home with GNSS jitter; one fix a minute each; time runs from 04:00 local, so the 22:00-06:00 curfew covers the first two hours; leave permits start 0-19 days after T0.`,
      'state_bytes_per_person: measured on the heap: the final states are copied with the engine’s own constructors (sharing only what the engine shares between people: IDLE_TRACK, NO_EPISODES), heapUsed after gc (forced, settled) with the copies minus without, divided by persons; median of 5 trials. Counts everything only the states hold (open tracks, evidence fixes, episodes); excludes shared constants and zone geometry. state_bytes_per_person_drop: the same by dropping the real final states once (cross-check). state_bytes_per_person_idle: initialPersonState, median of 5. state_bytes_per_person_with_gap: the final states each also remembering a gap with the state before it (decision 0011; held for an hour after a monitor was quiet, so the most one person holds), median of 3.',
    ],
  };
}
