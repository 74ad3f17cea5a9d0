// What a receiver reports for a true position: an accuracy (68 % radius, as the wire contract
// defines `acc`) and an error drawn to match it. Figures per environment follow the brief and
// Zandbergen 2009: GNSS 5–15 m in the open, 30–80 m in street canyons, Wi-Fi tens of metres, cell
// 300–1,500 m. A small share of GNSS fixes are multipath outliers whose error exceeds what they claim.
import type { FixSource } from '../schemas/enums.js';
import { type LatLon, offset } from './geo.js';
import type { Env } from './itinerary.js';
import type { Rng } from './rng.js';

export interface NoisyFix {
  readonly pos: LatLon;
  readonly acc: number;
  readonly src: FixSource;
}

/** Rayleigh: 68 % of radial errors fall within 1.51 σ (σ per axis). */
const RADIUS68_PER_SIGMA = 1.51;
/** Share of GNSS fixes that are multipath outliers (error several times the claimed accuracy). */
export const OUTLIER_RATE = 0.003;

function withError(rng: Rng, p: LatLon, acc: number, src: FixSource, errorScale = 1): NoisyFix {
  const sigma = (acc / RADIUS68_PER_SIGMA) * errorScale;
  return {
    pos: offset(p, rng.gaussian() * sigma, rng.gaussian() * sigma),
    acc: Math.round(acc * 10) / 10,
    src,
  };
}

function gnss(rng: Rng, p: LatLon, acc: number): NoisyFix {
  const outlier = rng.chance(OUTLIER_RATE);
  return withError(rng, p, acc, 'gnss', outlier ? rng.uniform(3, 4) : 1);
}

/** An ankle monitor: GNSS, with Wi-Fi and cell fall-back indoors. */
export function ankleFix(rng: Rng, p: LatLon, env: Env, canyon: boolean): NoisyFix {
  if (env === 'indoor') {
    const r = rng.next();
    if (r < 0.55) return gnss(rng, p, rng.uniform(12, 35));
    if (r < 0.9) return withError(rng, p, rng.uniform(25, 90), 'wifi');
    return withError(rng, p, rng.uniform(300, 1_500), 'cell');
  }
  if (canyon) return gnss(rng, p, rng.uniform(30, 80));
  return gnss(rng, p, rng.uniform(5, 15));
}

/**
 * A phone (OwnTracks, Traccar Client): fused location, whose source the service infers from the
 * accuracy alone, so only `pos` and `acc` reach the wire.
 */
export function phoneFix(rng: Rng, p: LatLon, env: Env, canyon: boolean): NoisyFix {
  if (env === 'indoor') {
    const r = rng.next();
    if (r < 0.7) return withError(rng, p, rng.uniform(15, 50), 'gnss');
    if (r < 0.98) return withError(rng, p, rng.uniform(60, 200), 'wifi');
    return withError(rng, p, rng.uniform(500, 1_500), 'cell');
  }
  if (canyon) return gnss(rng, p, rng.uniform(30, 80));
  return gnss(rng, p, rng.uniform(5, 20));
}

export interface Window {
  readonly from: number;
  readonly to: number;
}

/** Random windows over [start, end): on average one every `meanGapMs`, each `minMs`–`maxMs` long. */
export function randomWindows(
  rng: Rng,
  start: number,
  end: number,
  meanGapMs: number,
  minMs: number,
  maxMs: number,
): Window[] {
  const out: Window[] = [];
  let t = start;
  for (;;) {
    t += -Math.log(Math.max(rng.next(), 1e-9)) * meanGapMs;
    if (t >= end) return out;
    const len = rng.uniform(minMs, maxMs);
    out.push({ from: t, to: t + len });
    t += len;
  }
}

export function inWindow(windows: readonly Window[], t: number): Window | null {
  for (const w of windows) if (t >= w.from && t < w.to) return w;
  return null;
}
