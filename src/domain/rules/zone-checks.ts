// Membership of one fix in each kind of zone, turned into a verdict for the zone tracks.
// Pure and allocation-light: these run for every fix (bench target ≥ 1M fixes/s/core).
import type { FixSource } from '../../../schemas/enums.js';
import { type CompiledZone, signedDistanceM } from '../geo/compiled-zone.js';
import { needDistanceM, pOutside, SATURATION_SIGMAS, Side, sideOf, sigmaOf } from '../geo/membership.js';
import { distanceM } from '../geo/projection.js';
import type { PeerFix, ProhibitionRefs, ProtectedPerson } from './person-context.js';
import type { PersonState } from './person-state.js';
import { PROHIBITION_SINGLE_FIX_DEPTH_M } from './supervision-levels.js';
import { type TrackSample, Verdict } from './zone-track.js';

/** Radius of the shared-index query; the result is cached as a safe radius around the fix. */
const PROHIBITION_QUERY_M = 250;

export function isStrong(source: FixSource): boolean {
  return source === 'gnss';
}

export function sample(
  verdict: Verdict,
  p: number,
  strong: boolean,
  zoneId: string | null,
  immediate = false,
  windowEnd = Number.NaN,
): TrackSample {
  return { verdict, p, strong, immediate, zoneId, windowEnd };
}

/** Rule "must be inside" (residence during curfew, jurisdiction): verdict from signed distance. */
export function mustBeInside(d: number, acc: number): Verdict {
  const side = sideOf(d, acc);
  return side === Side.outside
    ? Verdict.violating
    : side === Side.inside
      ? Verdict.compliant
      : Verdict.uncertain;
}

export interface ProhibitionResult {
  readonly sample: TrackSample | null;
  /** New cached safe radius (beyond `near`), anchored at the fix; -1 to keep the old cache. */
  readonly clearM: number;
  readonly near: CompiledZone | null;
}

const UNCHANGED: ProhibitionResult = { sample: null, clearM: -1, near: null };

function prohibitionSample(zone: CompiledZone, d: number, acc: number, strong: boolean): TrackSample | null {
  if (d >= needDistanceM(acc)) return null;
  const side = sideOf(d, acc);
  const immediate = -d >= Math.max(SATURATION_SIGMAS * sigmaOf(acc), PROHIBITION_SINGLE_FIX_DEPTH_M);
  const verdict =
    side === Side.inside ? Verdict.violating : side === Side.outside ? Verdict.compliant : Verdict.uncertain;
  return sample(verdict, 1 - pOutside(d, acc), strong, zone.id, immediate);
}

/**
 * Prohibition zones (Art. 31): must not enter. The state caches the nearest zone and a safe radius
 * for all the others; while the fix stays inside that radius only the nearest zone is tested and the
 * index is not touched (most people stand still most of the time).
 */
export function checkProhibition(
  refs: ProhibitionRefs,
  state: PersonState,
  lat: number,
  lon: number,
  acc: number,
  strong: boolean,
): ProhibitionResult {
  const need = needDistanceM(acc);
  if (state.prohClearM >= 0) {
    const fromAnchor = distanceM(state.prohAnchorLat, state.prohAnchorLon, lat, lon);
    if (state.prohClearM - fromAnchor >= need) {
      const near = state.prohNear;
      if (near === null) return UNCHANGED;
      const s = prohibitionSample(near, signedDistanceM(near, lat, lon, need), acc, strong);
      return s === null ? UNCHANGED : { sample: s, clearM: -1, near: null };
    }
  }
  const queryM = Math.max(need, PROHIBITION_QUERY_M);
  const candidates = refs.index.candidates(lat, lon, queryM);
  let bestD = queryM;
  let secondD = queryM;
  let best: CompiledZone | null = null;
  for (let i = 0; i < candidates.length; i++) {
    const zone = candidates[i]!;
    if (refs.ids !== null && !refs.ids.has(zone.id)) continue;
    const d = signedDistanceM(zone, lat, lon, queryM);
    if (d < bestD) {
      secondD = bestD;
      bestD = d;
      best = zone;
    } else if (d < secondD) secondD = d;
  }
  const clearM = Math.max(secondD, 0);
  if (best === null) return { sample: sample(Verdict.compliant, 0, strong, null), clearM, near: null };
  return {
    sample: prohibitionSample(best, bestD, acc, strong) ?? sample(Verdict.compliant, 0, strong, null),
    clearM,
    near: best,
  };
}

export interface ProximityResult {
  readonly sample: TrackSample;
  /** Protected persons whose phone's last fix is not fresh: proximity unknown (never silence). */
  readonly unknown: readonly string[];
}

/** Protected persons (victims): a moving circle of radiusM around their phone's fresh fix. */
export function checkProximity(
  persons: readonly ProtectedPerson[],
  fixes: ReadonlyMap<string, PeerFix>,
  ts: number,
  lat: number,
  lon: number,
  acc: number,
  strong: boolean,
): ProximityResult {
  let verdict: Verdict = Verdict.compliant;
  let p = 0;
  let zoneId: string | null = null;
  const unknown: string[] = [];
  for (const person of persons) {
    const peer = fixes.get(person.id);
    if (peer === undefined || Math.abs(ts - peer.ts) > person.freshMs) {
      unknown.push(person.id);
      continue;
    }
    // Both positions are uncertain: combine the two sigmas.
    const sigma = Math.hypot(sigmaOf(acc), sigmaOf(peer.acc));
    const d = distanceM(lat, lon, peer.lat, peer.lon) - person.radiusM;
    const v = mustBeInside(-d, sigma);
    const pNear = 1 - pOutside(d, sigma);
    if (v < verdict || (v === verdict && pNear > p)) {
      verdict = v;
      p = pNear;
      zoneId = person.id;
    }
  }
  return { sample: sample(verdict, p, strong, zoneId), unknown };
}
