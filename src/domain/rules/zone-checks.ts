// Membership of one fix in each kind of zone, turned into a verdict for the zone tracks.
// Pure and allocation-light: these run for every fix (bench target ≥ 1M fixes/s/core).
import type { FixSource } from '../../../schemas/enums.js';
import { type CompiledZone, signedDistanceM } from '../geo/compiled-zone.js';
import { needDistanceM, pOutside, SATURATION_SIGMAS, Side, sideOf, sigmaOf } from '../geo/membership.js';
import { ENTRY_SIZE, nearCell, nearReach } from '../geo/near-grid.js';
import { distanceM, M_PER_DEG_LAT } from '../geo/projection.js';
import type { PeerFix, ProhibitionRefs, ProtectedPerson } from './person-context.js';
import {
  PROHIBITION_APPROACH_M,
  PROHIBITION_SINGLE_FIX_DEPTH_M,
  PROTECTED_APPROACH_M,
} from './supervision-levels.js';
import { type TrackSample, Verdict } from './zone-track.js';

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

function prohibitionSample(zone: CompiledZone, d: number, acc: number, strong: boolean): TrackSample | null {
  if (d >= needDistanceM(acc)) return null;
  const side = sideOf(d, acc);
  const immediate = -d >= Math.max(SATURATION_SIGMAS * sigmaOf(acc), PROHIBITION_SINGLE_FIX_DEPTH_M);
  const verdict =
    side === Side.inside ? Verdict.violating : side === Side.outside ? Verdict.compliant : Verdict.uncertain;
  return sample(verdict, 1 - pOutside(d, acc), strong, zone.id, immediate);
}

/** Lower bound (metres, in the zone's frame) on the distance from the point to the zone: 0 inside its box. */
function boxDistanceM(zone: CompiledZone, lat: number, lon: number): number {
  const dLat = Math.max(zone.minLat - lat, 0, lat - zone.maxLat) * zone.ky;
  const dLon = Math.max(zone.minLon - lon, 0, lon - zone.maxLon) * zone.kx;
  return Math.max(dLat, dLon);
}

// The nearest zone found by the scans below (scratch, not state: single-threaded, never kept).
let nearestZone: CompiledZone | null = null;
let nearestD = 0;

function consider(
  zone: CompiledZone,
  ids: ReadonlySet<string> | null,
  lat: number,
  lon: number,
  need: number,
): void {
  if (ids !== null && !ids.has(zone.id)) return;
  const d = signedDistanceM(zone, lat, lon, need);
  if (d < nearestD) {
    nearestD = d;
    nearestZone = zone;
  }
}

/**
 * Prohibition zones (Art. 31): must not enter. Only zones within the fix's saturation distance
 * matter; the nearest (most inside) of them decides. Returns null when none is that near, which
 * the caller treats as a compliant sample. Answered from the shared index's near grid: one cell
 * (often its clearance alone), a few box tests on packed numbers, no allocation and no per-person
 * cache, so people on the move cost the same as people at home. Only a fix needing a wider search
 * than the cell covers (cell / Wi-Fi accuracy) with nothing found within the cell's reach queries
 * the index. A zone whose box alone puts it no nearer than the best so far is never tested exactly.
 */
export function checkProhibition(
  refs: ProhibitionRefs,
  lat: number,
  lon: number,
  acc: number,
  strong: boolean,
): TrackSample | null {
  const need = needDistanceM(acc);
  const g = refs.index.near;
  const cell = nearCell(g, lat, lon);
  const reach = nearReach.m;
  const cells = g.cells;
  if (need <= reach && need <= cells[2 * cell + 1]!) {
    prohibitionRoom.m = Math.min(reach, cells[2 * cell + 1]!);
    return null;
  }
  const ids = refs.ids;
  nearestZone = null;
  // Zones are measured out to ROOM_REACH_M even when the fix needs less, for the room it leaves
  // (prohibitionRoom); only a zone within `need` decides (prohibitionSample).
  const horizon = Math.max(need, ROOM_REACH_M);
  nearestD = horizon;
  const entries = g.entries;
  const end = ENTRY_SIZE * cells[2 * cell + 2]!;
  const kx = g.kxMin;
  for (let k = ENTRY_SIZE * cells[2 * cell]!; k < end; k += ENTRY_SIZE) {
    // Lower bound on the distance (fewest metres per degree of longitude in the grid).
    const box = Math.max(
      Math.max(entries[k]! - lat, 0, lat - entries[k + 1]!) * M_PER_DEG_LAT,
      Math.max(entries[k + 2]! - lon, 0, lon - entries[k + 3]!) * kx,
    );
    if (box > 0 && box >= nearestD) continue;
    consider(g.zones[entries[k + 4]!]!, ids, lat, lon, horizon);
  }
  // Anything off the cell's list is at least `reach` away: it matters only if nothing nearer was found.
  if (need > reach && nearestD >= reach) {
    const candidates = refs.index.candidates(lat, lon, need);
    for (let i = 0; i < candidates.length; i++) {
      const zone = candidates[i]!;
      const box = boxDistanceM(zone, lat, lon);
      if (box > 0 && box >= nearestD) continue;
      consider(zone, ids, lat, lon, horizon);
    }
  }
  const best = nearestZone;
  const d = nearestD;
  nearestZone = null;
  // Every zone of the person's is at least `d` away (zones skipped by their box were no nearer than
  // the best so far; those off the cell's list are beyond its reach, or were searched in the index).
  prohibitionRoom.m = Math.max(d, 0);
  return best === null ? null : prohibitionSample(best, d, acc, strong);
}

/** How far checkProhibition measures zones, for the room it leaves (below the near grid's margin). */
const ROOM_REACH_M = 150;

/**
 * Set by checkProhibition: a lower bound (metres ≥ 0) on the distance from the fix to every one of
 * the person's zones, from outside (0 when inside one or not known): the room a clearance keeps.
 */
export const prohibitionRoom = { m: 0 };

/**
 * Set by prohibitionClearance: whether one of the person's zones is in the approach band (`own`),
 * and the room before the point leaves the band of the nearest such zone (`ownRoom`, metres; 0 when none).
 */
export const prohibitionNear = { own: false, ownRoom: 0 };

/**
 * Lower bound (metres, in the near grid's box metric) on the distance from the point to the box of
 * every zone in the shared index, at most the reach of the point's cell list: a clearance
 * (clearance.ts), taken over all zones, so it holds for this person's whichever they are. Also sets
 * `prohibitionNear.own`: whether one of the person's zones has its box within
 * PROHIBITION_APPROACH_M (reporting only: never an alert). One near-grid cell: its list is complete
 * within its reach, and its clearance answers most points without looking at the list.
 */
export function prohibitionClearance(refs: ProhibitionRefs, lat: number, lon: number): number {
  const g = refs.index.near;
  const cell = nearCell(g, lat, lon);
  const reach = nearReach.m;
  const cells = g.cells;
  prohibitionNear.own = false;
  prohibitionNear.ownRoom = 0;
  if (cells[2 * cell + 1]! >= reach) return reach;
  let clear = reach;
  const ids = refs.ids;
  const entries = g.entries;
  const end = ENTRY_SIZE * cells[2 * cell + 2]!;
  const kx = g.kxMin;
  for (let k = ENTRY_SIZE * cells[2 * cell]!; k < end; k += ENTRY_SIZE) {
    const box = Math.max(
      Math.max(entries[k]! - lat, 0, lat - entries[k + 1]!) * M_PER_DEG_LAT,
      Math.max(entries[k + 2]! - lon, 0, lon - entries[k + 3]!) * kx,
    );
    if (box < clear) clear = box;
    const room = PROHIBITION_APPROACH_M - box;
    if (
      room >= 0 &&
      (room > prohibitionNear.ownRoom || !prohibitionNear.own) &&
      (ids === null || ids.has(g.zones[entries[k + 4]!]!.id))
    ) {
      prohibitionNear.own = true;
      prohibitionNear.ownRoom = room;
    }
  }
  return clear;
}

export interface ProximityResult {
  /** null when no protected person could be judged from this fix (all undecided): no track step. */
  readonly sample: TrackSample | null;
  /** Protected persons whose phone's last fix is not fresh: proximity unknown (never silence). */
  readonly unknown: readonly string[];
  /**
   * Protected persons whose phone's latest fix is newer than this (late, store-and-forward) fix by
   * more than the freshness window, or who have not been heard from while no fix was due yet
   * (PeerPositions.protectedSince): the fix cannot be judged against them, so it neither opens
   * "unknown" nor real proximity for them, nor clears either.
   */
  readonly undecided: readonly string[];
  /** A judged protected person's circle is within PROTECTED_APPROACH_M of the fix (reporting only). */
  readonly near: boolean;
}

const NONE: readonly string[] = Object.freeze([]);

/**
 * Protected persons (victims): a moving circle of radiusM around their phone's fix, judged only when
 * that fix is within freshMs of the monitor fix's own time. A phone fix older than that is "unknown";
 * one newer than that (the monitor fix arrived late) says nothing about where the victim was then.
 */
export function checkProximity(
  persons: readonly ProtectedPerson[],
  fixes: ReadonlyMap<string, PeerFix>,
  since: number,
  ts: number,
  lat: number,
  lon: number,
  acc: number,
  strong: boolean,
): ProximityResult {
  let verdict: Verdict = Verdict.compliant;
  let p = 0;
  let zoneId: string | null = null;
  let judged = 0;
  let near = false;
  let unknown: string[] | null = null;
  let undecided: string[] | null = null;
  for (const person of persons) {
    const peer = fixes.get(person.id);
    if (peer === undefined && ts - since < person.freshMs) {
      // Nothing heard yet, but no fix was due yet either since fixes have been collected.
      if (undecided === null) undecided = [];
      undecided.push(person.id);
      continue;
    }
    if (peer === undefined || ts - peer.ts > person.freshMs) {
      if (unknown === null) unknown = [];
      unknown.push(person.id);
      continue;
    }
    if (peer.ts - ts > person.freshMs) {
      if (undecided === null) undecided = [];
      undecided.push(person.id);
      continue;
    }
    judged++;
    // Both positions are uncertain: combine the two sigmas.
    const sigma = Math.hypot(sigmaOf(acc), sigmaOf(peer.acc));
    const d = distanceM(lat, lon, peer.lat, peer.lon) - person.radiusM;
    if (d < PROTECTED_APPROACH_M) near = true;
    const v = mustBeInside(-d, sigma);
    const pNear = 1 - pOutside(d, sigma);
    if (v < verdict || (v === verdict && pNear > p)) {
      verdict = v;
      p = pNear;
      zoneId = person.id;
    }
  }
  // Nothing judged and someone undecided: say nothing rather than "compliant" (which would count
  // towards clearing a real proximity episode on a fix that cannot tell).
  const s = judged === 0 && undecided !== null ? null : sample(verdict, p, strong, zoneId);
  return { sample: s, unknown: unknown ?? NONE, undecided: undecided ?? NONE, near };
}
