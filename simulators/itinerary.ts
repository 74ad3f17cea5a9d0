// Where a person (or a device left somewhere) truly is: contiguous stays and straight trips. The
// ground truth of every scenario is computed from this, never from what the devices report.
import { distanceM, type LatLon, lerp, offset } from './geo.js';

/** Indoors GNSS is weak (Wi-Fi/cell fall-back); `urban` is an outdoor street canyon. */
export type Env = 'indoor' | 'open' | 'urban';

export interface Stay {
  readonly kind: 'stay';
  readonly from: number;
  readonly to: number;
  readonly at: LatLon;
  readonly env: Env;
  /** Moving about the place (rooms, a stall): radius in metres. */
  readonly wanderM: number;
  readonly label: string;
}

export interface Trip {
  readonly kind: 'trip';
  readonly from: number;
  readonly to: number;
  readonly a: LatLon;
  readonly b: LatLon;
  readonly env: Env;
  readonly label: string;
}

export type Segment = Stay | Trip;

export interface TruthPoint {
  readonly pos: LatLon;
  readonly env: Env;
  readonly moving: boolean;
  /** Speed over ground, m/s. */
  readonly speed: number;
}

export const WALK_MPS = 1.3;
export const DRIVE_MPS = 9;

export class Itinerary {
  constructor(readonly segments: readonly Segment[]) {
    for (let i = 1; i < segments.length; i++) {
      if (segments[i]!.from !== segments[i - 1]!.to)
        throw new Error('itinerary: segments must be contiguous');
    }
  }

  get start(): number {
    return this.segments[0]!.from;
  }

  get end(): number {
    return this.segments[this.segments.length - 1]!.to;
  }

  segmentAt(t: number): Segment {
    let lo = 0;
    let hi = this.segments.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.segments[mid]!.from <= t) lo = mid;
      else hi = mid - 1;
    }
    return this.segments[lo]!;
  }

  at(t: number): TruthPoint {
    const s = this.segmentAt(t);
    if (s.kind === 'trip') {
      const f = s.to === s.from ? 1 : Math.min(1, Math.max(0, (t - s.from) / (s.to - s.from)));
      const speed = (distanceM(s.a, s.b) * 1000) / Math.max(1, s.to - s.from);
      return { pos: lerp(s.a, s.b, f), env: s.env, moving: true, speed };
    }
    // Slow deterministic wander (periods of minutes), so a stay is not one frozen point.
    const phase = (s.at.lat * 1e5 + s.at.lon * 1e5) % 6.283;
    const east = s.wanderM * Math.sin((2 * Math.PI * t) / 397_000 + phase);
    const north = s.wanderM * Math.cos((2 * Math.PI * t) / 611_000 + phase);
    return { pos: offset(s.at, east, north), env: s.env, moving: false, speed: 0 };
  }

  /** A copy in which [from, to) is replaced by a stay at `at` (a monitor left at home, say). */
  withStay(from: number, to: number, at: LatLon, env: Env, label: string): Itinerary {
    const out: Segment[] = [];
    for (const s of this.segments) {
      if (s.to <= from || s.from >= to) out.push(s);
      else {
        if (s.from < from)
          out.push({ ...s, to: from, ...(s.kind === 'trip' ? { b: this.at(from).pos } : {}) });
        if (s.to > to) out.push({ ...s, from: to, ...(s.kind === 'trip' ? { a: this.at(to).pos } : {}) });
      }
    }
    out.push({ kind: 'stay', from, to, at, env, wanderM: 0, label });
    out.sort((x, y) => x.from - y.from);
    return new Itinerary(out);
  }

  /** First time in [from, to) at which `pred` holds, to within `stepMs`; null if never. */
  firstTime(from: number, to: number, pred: (p: LatLon) => boolean, stepMs = 1000): number | null {
    for (let t = from; t < to; t += stepMs) if (pred(this.at(t).pos)) return t;
    return null;
  }
}

/** Builds an itinerary forward in time from a first place. */
export class ItineraryBuilder {
  private readonly segments: Segment[] = [];
  private t: number;
  private here: LatLon;
  private hereEnv: Env;
  private hereLabel: string;
  private hereWander: number;

  constructor(start: number, at: LatLon, env: Env = 'indoor', label = 'home', wanderM = 8) {
    this.t = start;
    this.here = at;
    this.hereEnv = env;
    this.hereLabel = label;
    this.hereWander = wanderM;
  }

  get now(): number {
    return this.t;
  }

  get position(): LatLon {
    return this.here;
  }

  /** Stay where we are until `t` (no-op if `t` is not later). */
  stayUntil(t: number): this {
    if (t > this.t) {
      this.segments.push({
        kind: 'stay',
        from: this.t,
        to: t,
        at: this.here,
        env: this.hereEnv,
        wanderM: this.hereWander,
        label: this.hereLabel,
      });
      this.t = t;
    }
    return this;
  }

  /** Travel in a straight line to `to`; walking under 1.2 km, else by vehicle (plus parking). */
  goTo(to: LatLon, label: string, opts: { env?: Env; wanderM?: number; speedMps?: number } = {}): this {
    const d = distanceM(this.here, to);
    const speed = opts.speedMps ?? (d < 1_200 ? WALK_MPS : DRIVE_MPS);
    const duration = Math.max(1_000, Math.round((d / speed) * 1000));
    this.segments.push({
      kind: 'trip',
      from: this.t,
      to: this.t + duration,
      a: this.here,
      b: to,
      env: d < 1_200 ? 'open' : 'urban',
      label: `to ${label}`,
    });
    this.t += duration;
    this.here = to;
    this.hereEnv = opts.env ?? 'indoor';
    this.hereLabel = label;
    this.hereWander = opts.wanderM ?? 8;
    return this;
  }

  build(end: number): Itinerary {
    this.stayUntil(end);
    return new Itinerary(this.segments);
  }
}
