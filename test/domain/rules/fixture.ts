// A small world around Ziyang, Sichuan, with explicit times: the fake clock is just a number.
import type { FixSource } from '../../../schemas/enums.js';
import type { DeviceEvent, Fix } from '../../../src/domain/fix.js';
import { compileZone } from '../../../src/domain/geo/compiled-zone.js';
import { buildZoneIndex } from '../../../src/domain/geo/zone-index.js';
import type { AlertChange } from '../../../src/domain/rules/alert-change.js';
import { compileCurfew } from '../../../src/domain/rules/curfew-schedule.js';
import { evaluateFix } from '../../../src/domain/rules/evaluate-fix.js';
import type { Evaluation } from '../../../src/domain/rules/evaluation.js';
import type { LeavePermit } from '../../../src/domain/rules/leave-permit.js';
import {
  type PeerPositions,
  type PersonRulesContext,
  personRulesContext,
} from '../../../src/domain/rules/person-context.js';
import { initialPersonState, type PersonState } from '../../../src/domain/rules/person-state.js';

export const LAT0 = 30.12;
export const LON0 = 104.63;
const KY = 111_195;
const KX = KY * Math.cos((LAT0 * Math.PI) / 180);
export const MIN = 60_000;
export const HOUR = 3_600_000;
export const DAY = 86_400_000;
/** Monday 2026-03-02 00:00 in Asia/Shanghai. */
export const MONDAY = Date.UTC(2026, 2, 1, 16, 0, 0);

/** WGS-84 position `east`, `north` metres from the centre of Ziyang. */
export function at(east: number, north: number): { lat: number; lon: number } {
  return { lat: LAT0 + north / KY, lon: LON0 + east / KX };
}

function square(cx: number, cy: number, half: number): number[][] {
  const c = [
    at(cx - half, cy - half),
    at(cx + half, cy - half),
    at(cx + half, cy + half),
    at(cx - half, cy + half),
  ];
  return [...c, c[0]!].map((p) => [p.lon, p.lat]);
}

/** County: 20 km square centred on Ziyang. Home: 100 m circle at the centre. School: 200 m square 3 km east. */
export const county = compileZone('county', 'jurisdiction', {
  type: 'Polygon',
  coordinates: [square(0, 0, 10_000)],
});
export const home = compileZone('home', 'residence', { type: 'Circle', center: [LON0, LAT0], radiusM: 100 });
export const school = compileZone('school', 'prohibition', {
  type: 'Polygon',
  coordinates: [square(3000, 0, 100)],
});
export const chengdu = compileZone('chengdu', 'leave', {
  type: 'Circle',
  center: [at(-80_000, 60_000).lon, at(-80_000, 60_000).lat],
  radiusM: 20_000,
});
export const prohibitionIndex = buildZoneIndex([school]);
/** Curfew every night 22:00–06:00 local. */
export const nightly = compileCurfew({
  weekly: [0, 1, 2, 3, 4, 5, 6].map((weekday) => ({ weekday, startMin: 22 * 60, endMin: 6 * 60 })),
  exceptions: [],
});

export function leave(start: number, end: number, extra: Partial<LeavePermit> = {}): LeavePermit {
  return { id: 'leave-1', destination: chengdu, start, end, graceMs: 2 * HOUR, standing: false, ...extra };
}

export function context(extra: Partial<Parameters<typeof personRulesContext>[0]> = {}): PersonRulesContext {
  return personRulesContext({
    personId: 'p1',
    level: 'normal',
    monitorDeviceId: 'ankle-1',
    phoneDeviceId: 'phone-1',
    orders: [{ start: MONDAY - 10 * DAY, end: MONDAY + 60 * DAY }],
    residence: home,
    curfew: nightly,
    jurisdiction: county,
    prohibition: { index: prohibitionIndex, ids: null },
    ...extra,
  });
}

export interface FixSpec {
  ts: number;
  east: number;
  north: number;
  acc?: number;
  source?: FixSource;
  receivedAt?: number;
  deviceId?: string;
  batteryPct?: number;
}

export function fix(s: FixSpec): Fix {
  const p = at(s.east, s.north);
  return {
    deviceId: s.deviceId ?? 'ankle-1',
    seq: null,
    ts: s.ts,
    receivedAt: s.receivedAt ?? s.ts + 1000,
    lat: p.lat,
    lon: p.lon,
    accuracyM: s.acc ?? 8,
    source: s.source ?? 'gnss',
    protocol: 'native',
    ...(s.batteryPct !== undefined ? { batteryPct: s.batteryPct } : {}),
  };
}

export function event(ts: number, type: DeviceEvent['type'], receivedAt = ts + 1000): DeviceEvent {
  return { deviceId: 'ankle-1', seq: null, ts, receivedAt, type, protocol: 'native' };
}

/** Runs fixes in order, returning every result and all changes. */
export function run(
  ctx: PersonRulesContext,
  fixes: readonly Fix[],
  state: PersonState = initialPersonState(MONDAY - DAY),
  peers?: PeerPositions,
): { state: PersonState; results: Evaluation[]; changes: AlertChange[] } {
  const results: Evaluation[] = [];
  let s = state;
  for (const f of fixes) {
    const r = evaluateFix(ctx, s, f, peers);
    results.push(r);
    s = r.state;
  }
  return { state: s, results, changes: results.flatMap((r) => r.changes) };
}

/** `n` fixes every `stepMs` from `start` at the same place. */
export function series(n: number, start: number, stepMs: number, spec: Omit<FixSpec, 'ts'>): Fix[] {
  return Array.from({ length: n }, (_, i) =>
    fix({ ...spec, ts: start + i * stepMs, receivedAt: spec.receivedAt }),
  );
}

export function summary(changes: readonly AlertChange[]): string[] {
  return changes.map((c) => `${c.action} ${c.kind}${c.zoneId ? `@${c.zoneId}` : ''}`);
}
