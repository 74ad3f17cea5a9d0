// Ordinary days: home at night, work or the market by day, an evening walk, home well before the
// curfew. Also the ordinary imperfections of a device's day (outages, indoor signal loss, street
// canyons, charging, clock skew), all drawn from a seed and kept below the level's lost-contact timeout.
import type { SupervisionLevel } from '../schemas/enums.js';
import type { LatLon } from './geo.js';
import { type Itinerary, ItineraryBuilder } from './itinerary.js';
import { LEVELS } from './levels.js';
import { randomWindows } from './noise.js';
import type { Rng } from './rng.js';
import type { CurfewWindow, DeviceBehaviour, DeviceProtocol, DeviceSpec, Outage } from './scenario.js';
import { homeLocation, placeNear } from './world.js';

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;
/** Asia/Shanghai is UTC+8 all year. */
export const SHANGHAI_OFFSET_MS = 8 * HOUR;

/** Local midnight (Asia/Shanghai) at or before `t`. */
export function localMidnight(t: number): number {
  return Math.floor((t + SHANGHAI_OFFSET_MS) / DAY) * DAY - SHANGHAI_OFFSET_MS;
}

/** `dayStart` + local clock time "HH:MM" (+ minutes of jitter). */
export function clock(dayStart: number, hhmm: string, jitterMin = 0): number {
  const [h, m] = hhmm.split(':').map(Number);
  return dayStart + ((h ?? 0) * 60 + (m ?? 0) + jitterMin) * MINUTE;
}

/** Curfew 22:00–06:00 every day (the common 夜间 rule; set per person by the office). */
export const NIGHT_CURFEW: readonly CurfewWindow[] = [0, 1, 2, 3, 4, 5, 6].map((weekday) => ({
  weekday,
  startMin: 22 * 60,
  endMin: 6 * 60,
}));

export interface Places {
  readonly home: LatLon;
  readonly work: LatLon | null;
  readonly market: LatLon;
  readonly teahouse: LatLon;
}

export function placesFor(rng: Rng, home: LatLon = homeLocation(rng)): Places {
  const work = rng.chance(0.7) ? placeNear(rng, home, 1_000, 6_000) : null;
  const market = placeNear(rng, home, 400, 2_000, work ? [home, work] : [home]);
  const teahouse = placeNear(rng, home, 500, 3_000);
  return { home, work, market, teahouse };
}

/** Appends one compliant day (the builder is at home at `dayStart`); ends at home at midnight. */
export function compliantDay(b: ItineraryBuilder, rng: Rng, dayStart: number, p: Places): void {
  const j = () => rng.uniform(-15, 15);
  if (p.work) {
    b.stayUntil(clock(dayStart, '07:45', j())).goTo(p.work, 'work', { wanderM: 15 });
    if (rng.chance(0.4)) {
      b.stayUntil(clock(dayStart, '12:05', j() / 3))
        .goTo(p.market, 'market', { env: 'open', wanderM: 30 })
        .stayUntil(clock(dayStart, '12:50', j() / 3))
        .goTo(p.work, 'work', { wanderM: 15 });
    }
    b.stayUntil(clock(dayStart, '17:45', j())).goTo(p.home, 'home');
  } else {
    b.stayUntil(clock(dayStart, '09:00', j()))
      .goTo(p.market, 'market', { env: 'open', wanderM: 30 })
      .stayUntil(clock(dayStart, '10:30', j()))
      .goTo(p.home, 'home')
      .stayUntil(clock(dayStart, '14:30', j()))
      .goTo(p.teahouse, 'teahouse', { wanderM: 10 })
      .stayUntil(clock(dayStart, '16:30', j()))
      .goTo(p.home, 'home');
  }
  if (rng.chance(0.5)) {
    b.stayUntil(clock(dayStart, '19:10', j()))
      .goTo(p.market, 'market', { env: 'open', wanderM: 30 })
      .stayUntil(clock(dayStart, '20:40', j() / 2))
      .goTo(p.home, 'home');
  }
  b.stayUntil(dayStart + DAY);
}

/**
 * `days` days from `start` (local midnight). `special(b, day, dayStart)` may write a whole day
 * instead (returning true), ending at home at midnight.
 */
export function buildDays(
  rng: Rng,
  start: number,
  days: number,
  p: Places,
  special?: (b: ItineraryBuilder, day: number, dayStart: number) => boolean,
): Itinerary {
  const b = new ItineraryBuilder(start, p.home);
  for (let d = 0; d < days; d++) {
    const dayStart = start + d * DAY;
    if (!special?.(b, d, dayStart)) compliantDay(b, rng, dayStart, p);
    b.stayUntil(dayStart + DAY);
  }
  return b.build(start + days * DAY);
}

/** An ordinary device day: imperfect, never silent for as long as the lost-contact timeout. */
export function ordinaryBehaviour(
  rng: Rng,
  level: SupervisionLevel,
  start: number,
  end: number,
  kind: 'ankle' | 'phone',
): DeviceBehaviour {
  const c = LEVELS[level];
  // Outage plus one interval stays under 60 % of the timeout, so no true lost contact happens. Two
  // outages a few seconds apart are one silence to the service (no fix falls between them): the
  // second is dropped unless the device is back in coverage for the timeout in between (quality
  // bench: two draws 35 s apart made a compliant monitor silent for 16 min, a true lost contact
  // that the ground truth called compliant).
  const maxOutage = Math.max(30_000, 0.6 * c.lostContactMs - c.reportIntervalMs);
  const outages: Outage[] = [];
  for (const w of randomWindows(rng, start, end, 10 * HOUR, 0.3 * maxOutage, maxOutage)) {
    const last = outages[outages.length - 1];
    if (last === undefined || w.from - last.to >= c.lostContactMs)
      outages.push({ ...w, storeAndForward: true });
  }
  const days = Math.ceil((end - start) / DAY);
  const charging = Array.from({ length: days }, (_, d) => {
    const from = clock(start + d * DAY, '21:30', rng.uniform(0, 60));
    return { from, to: from + rng.uniform(1.5, 2.5) * HOUR };
  });
  const r = rng.next();
  const skewMs =
    r < 0.85
      ? rng.uniform(-3_000, 3_000)
      : r < 0.97
        ? rng.uniform(-40_000, 40_000)
        : rng.uniform(60_000, 150_000);
  return {
    outages: kind === 'ankle' ? outages : [],
    noFix:
      kind === 'ankle'
        ? randomWindows(rng, start, end, 3 * HOUR, 3 * MINUTE, Math.min(10 * MINUTE, maxOutage))
        : [],
    canyon: randomWindows(rng, start, end, 20 * MINUTE, 2 * MINUTE, 6 * MINUTE),
    events: [],
    charging: kind === 'ankle' ? charging : [],
    batteryStartPct: rng.uniform(80, 100),
    drainPctPerHour: kind === 'ankle' ? rng.uniform(1.5, 2) : 0,
    skewMs,
    duplicateRate: 0.005,
    motionSensor: kind === 'ankle',
  };
}

export type BehaviourOverride =
  | Partial<DeviceBehaviour>
  | ((base: DeviceBehaviour) => Partial<DeviceBehaviour>);

export function deviceSpec(
  rng: Rng,
  key: string,
  personKey: string | null,
  kind: 'ankle' | 'phone',
  protocol: DeviceProtocol,
  level: SupervisionLevel,
  carrier: Itinerary,
  override: BehaviourOverride = {},
): DeviceSpec {
  const base = ordinaryBehaviour(rng.fork(key), level, carrier.start, carrier.end, kind);
  const behaviour = { ...base, ...(typeof override === 'function' ? override(base) : override) };
  const intervalMs = kind === 'ankle' || personKey === null ? LEVELS[level].reportIntervalMs : 60_000;
  return { key, personKey, kind, protocol, carrier, intervalMs, behaviour, seed: `${key}:${rng.next()}` };
}
