// `npm run bench -- rules [--persons 100000] [--fixes 3000000] [--runs 5]`: fix evaluations per
// second on one core for supervisees with residence + curfew, jurisdiction (shared county polygons
// of 500–2,000 vertices) and a leave permit, plus 10,000 shared prohibition polygons around Ziyang,
// Sichuan; and the resident decision state per person. Seeded: every run sees the same world.

import os from 'node:os';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Fix } from '../src/domain/fix.js';
import { type CompiledZone, compileZone } from '../src/domain/geo/compiled-zone.js';
import { buildZoneIndex } from '../src/domain/geo/zone-index.js';
import { compileCurfew } from '../src/domain/rules/curfew-schedule.js';
import { evaluateFix } from '../src/domain/rules/evaluate-fix.js';
import { type PersonRulesContext, personRulesContext } from '../src/domain/rules/person-context.js';
import { initialPersonState, type PersonState } from '../src/domain/rules/person-state.js';
import type { BenchResult } from './bench-types.js';

const LAT0 = 30.12;
const LON0 = 104.63;
const KY = 111_195;
const KX = KY * Math.cos((LAT0 * Math.PI) / 180);
const DAY = 86_400_000;
const T0 = Date.UTC(2026, 2, 2, 0, 0, 0);

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

export default async function rules(args: Record<string, string>): Promise<BenchResult> {
  const persons = Number(args.persons ?? 100_000);
  const totalFixes = Number(args.fixes ?? 3_000_000);
  const runs = Number(args.runs ?? 5);
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

  const contexts: PersonRulesContext[] = [];
  const movers: Mover[] = [];
  for (let p = 0; p < persons; p++) {
    const county = counties[p % counties.length]!;
    const c = county.frame;
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
        prohibition: { index, ids: null },
        protectedPersons: [],
        linkedPersonIds: [],
      }),
    );
    // 60% stay near home (GNSS jitter), 40% travel at 1–15 m/s.
    const moving = rnd() < 0.4;
    const speed = moving ? 1 + rnd() * 14 : 0;
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
  const states: PersonState[] = [];
  gc?.();
  const heapNoStates = process.memoryUsage().heapUsed;
  for (let p = 0; p < persons; p++) states.push(initialPersonState(T0));
  gc?.();
  const idleStateBytes = gc
    ? Math.round((process.memoryUsage().heapUsed - heapNoStates) / persons)
    : Number.NaN;
  const rounds = Math.max(1, Math.ceil(totalFixes / persons));

  const sources = ['gnss', 'gnss', 'gnss', 'gnss', 'gnss', 'gnss', 'gnss', 'gnss', 'wifi', 'cell'] as const;
  const makeRound = (): Fix[] => {
    const fixes: Fix[] = new Array(persons);
    for (let p = 0; p < persons; p++) {
      const m = movers[p]!;
      m.ts += 60_000;
      m.lat += (m.vy * 60) / KY;
      m.lon += (m.vx * 60) / KX;
      if (rnd() < 0.05) [m.vx, m.vy] = [-m.vy, m.vx];
      const source = sources[Math.floor(rnd() * sources.length)]!;
      const acc =
        source === 'gnss' ? 4 + rnd() * 20 : source === 'wifi' ? 30 + rnd() * 50 : 500 + rnd() * 1000;
      const noise = source === 'gnss' ? acc : acc * 0.5;
      fixes[p] = {
        deviceId: `d${p}`,
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
    return fixes;
  };

  const perRun: number[] = [];
  let evaluated = 0;
  let opened = 0;
  let dropped = 0;
  for (let run = 0; run < runs; run++) {
    let elapsedNs = 0n;
    let count = 0;
    for (let r = 0; r < rounds; r++) {
      const fixes = makeRound();
      const t = process.hrtime.bigint();
      for (let p = 0; p < persons; p++) {
        const result = evaluateFix(contexts[p]!, states[p]!, fixes[p]!);
        states[p] = result.state;
        if (result.dropped !== undefined) dropped++;
        for (const c of result.changes) if (c.action === 'open') opened++;
      }
      elapsedNs += process.hrtime.bigint() - t;
      count += persons;
    }
    evaluated += count;
    perRun.push(count / (Number(elapsedNs) / 1e9));
  }
  // Resident state: heap held by the states alone (drop them, collect, compare).
  gc?.();
  const heapWithStates = process.memoryUsage().heapUsed;
  const held = states.length;
  states.length = 0;
  gc?.();
  const heapWithout = process.memoryUsage().heapUsed;
  perRun.sort((a, b) => a - b);
  const median = perRun[Math.floor(perRun.length / 2)]!;
  const stateBytes = gc ? Math.round((heapWithStates - heapWithout) / held) : Number.NaN;

  return {
    config: {
      load_avg_1m_at_end: Math.round(os.loadavg()[0]! * 100) / 100,
      persons,
      fixes_per_run: rounds * persons,
      runs,
      counties: counties.length,
      prohibition_zones: prohibitionZones.length,
      county_vertices: counties.map((c) => c.edges.length / 4),
    },
    figures: {
      evaluations_per_s_per_core: Math.round(median),
      evaluations_per_s_runs: perRun.map(Math.round),
      state_bytes_per_person: stateBytes,
      state_bytes_per_person_idle: idleStateBytes,
      evaluated,
      alerts_opened: opened,
      dropped,
    },
    notes: [
      'Single thread; timing covers evaluateFix only (fix generation is outside the timed loop); median of runs.',
      'state_bytes_per_person: measured, not estimated: after all runs, heapUsed with the final states minus heapUsed once they are dropped (gc forced, exposed via v8.setFlagsFromString("--expose-gc")), divided by persons. Counts everything only the states hold (open episodes, evidence fixes); excludes shared constants (IDLE_TRACK) and zone geometry.',
    ],
  };
}
