// Clearances: the zone tests a fix can skip because an earlier fix already settled them (decision 0012).
//
// Signed distance to a boundary changes by at most the distance moved (it is 1-Lipschitz), and so
// does the gap to a box. Beyond a fix's saturation distance `need` (membership.ts: 4.5 σ) the rules
// use the distance only as "saturated inside" or "saturated outside" (`saturate`). So if a point P
// is known to be C metres from the jurisdiction boundary, a later fix Q is saturated on P's side,
// exactly as the full test would find, whenever |PQ| ≤ C − need; likewise for the residence, and for
// being farther than the approach band and `need` from every prohibition zone. Most fixes come from
// people at home, or travelling far from their home and county boundary, so most fixes skip most
// geometry (issue 4: ≥ 1M evaluations/s/core), and each skipped test is one cache miss fewer on a
// zone, its edges, a grid or an index.
//
// Exactness: a test is skipped only when its answer is already certain, and a clearance is only a
// lower bound, so no decision depends on whether it was there. test/domain/rules/clearance.test.ts
// checks that evaluation with clearances equals evaluation without them, change for change.
import { type CompiledZone, signedDistanceM } from '../geo/compiled-zone.js';
import { CONFIDENT_Z } from '../geo/membership.js';
import { M_PER_DEG_LAT } from '../geo/projection.js';
import { type Clearance, NO_CLEARANCE } from './person-state.js';

/**
 * Exact distances are measured out to at least this far when a test runs anyway, so the clearance it
 * leaves covers the next fixes of someone at home (GNSS jitter) and a few of someone travelling.
 */
const CLEARANCE_REACH_M = 400;

/**
 * The signed distance from the point to the zone's boundary when a test does run: exact out to
 * `need` (what the rules use, through `saturate`) and on to CLEARANCE_REACH_M (what the next
 * clearance keeps); beyond that a bound of the right sign (signedDistanceM).
 */
export function measure(zone: CompiledZone, lat: number, lon: number, need: number): number {
  return signedDistanceM(zone, lat, lon, Math.max(need, CLEARANCE_REACH_M));
}

/** Set by measureSide: the signed distance as the rules use it (see there). */
export const measured = { d: 0 };

/**
 * Measures a "must be inside" zone (jurisdiction, residence) that no clearance settled, far enough to
 * tell the fix's side (sideOf: CONFIDENT_Z σ), and sets `measured.d` to the distance as the rules use
 * it: saturated (`saturate`) where measured exactly, else -Infinity or +Infinity for "confidently
 * inside / outside, distance not measured" (settledDistance's convention). Returns the measured value
 * (the next clearance). Only a track that steps needs the distance itself (`forStep`). A cell-tower
 * fix (σ up to 1.5 km, `need` up to 6.75 km) then searches a county's edges only as far as its side
 * needs, and not at all when its track stays as it is (issue 4: 1M fixes/s/core).
 *
 * `extend`: also measure exactly out to CLEARANCE_REACH_M, for the clearance. Worth it for someone
 * who keeps near where they were (the next fix falls inside it); not for someone who moved farther
 * than that since the last measurement (extendsClearance), whose next fix will most likely be beyond
 * it too: for them a county's edges are searched only as far as the side needs.
 */
export function measureSide(
  zone: CompiledZone,
  lat: number,
  lon: number,
  need: number,
  sigma: number,
  extend: boolean,
): number {
  const reach = Math.min(need, CONFIDENT_Z * sigma + SIDE_MARGIN_M);
  const exactTo = extend ? Math.max(reach, CLEARANCE_REACH_M) : reach;
  const m = signedDistanceM(zone, lat, lon, exactTo);
  measured.d =
    exactTo >= need || Math.abs(m) < exactTo
      ? saturate(m, need)
      : m < 0
        ? Number.NEGATIVE_INFINITY
        : Number.POSITIVE_INFINITY;
  return m;
}

/** Whether measureSide should extend its measurement for the clearance (`moved2`: as movedSq). */
export function extendsClearance(moved2: number): boolean {
  return moved2 <= CLEARANCE_REACH_M * CLEARANCE_REACH_M;
}

/**
 * The distance a track step needs (its sample's probability): `d` itself when it is one, else
 * measured now, out to `need`.
 */
export function forStep(d: number, zone: CompiledZone, lat: number, lon: number, need: number): number {
  return Number.isFinite(d) ? d : saturate(measure(zone, lat, lon, need), need);
}

/** Searched beyond the side's threshold, so a bound exactly at it still decides the side. */
const SIDE_MARGIN_M = 1;

/**
 * Squared upper bound (m²) on the distance from the clearance's point to (lat, lon) in any zone's
 * frame and in the near grid's box metric: both axes at metres per degree of latitude, which a degree
 * of longitude never exceeds. Infinity when the clearance is for other geometry (or none).
 */
export function movedSq(c: Clearance, key: number, lat: number, lon: number): number {
  if (c.clearKey !== key) return Number.POSITIVE_INFINITY;
  const dy = (lat - c.clearLatE6 / E6) * M_PER_DEG_LAT;
  const dx = (lon - c.clearLonE6 / E6) * M_PER_DEG_LAT;
  return dy * dy + dx * dx;
}

/** A signed distance as the rules use it: beyond `need` on either side only the side matters. */
export function saturate(signedDistM: number, need: number): number {
  return Math.min(need, Math.max(-need, signedDistM));
}

/** Kept between a bound and a threshold, so rounding in the exact test can never tip it the other way. */
const MARGIN_M = 1e-6;

/**
 * The signed distance as the rules would use it, if the clearance settles it: ±need (saturated,
 * `saturate`) when the move cannot have brought the fix within `need` of the boundary; -Infinity
 * ("confidently inside, distance not measured") when the rule's track is idle and the fix is still
 * CONFIDENT_Z σ inside, which is all an idle "must be inside" rule asks (sideOf, mustBeInside and
 * pOutside all read -Infinity as inside); NaN when only a test can tell.
 */
export function settledDistance(
  signedDistM: number,
  need: number,
  sigma: number,
  idle: boolean,
  moved2: number,
): number {
  const far = Math.abs(signedDistM) - need - MARGIN_M;
  if (far >= 0 && moved2 <= far * far) return signedDistM < 0 ? -need : need;
  if (!idle || signedDistM >= 0) return Number.NaN;
  const inside = -signedDistM - CONFIDENT_Z * sigma - MARGIN_M;
  return inside >= 0 && moved2 <= inside * inside ? Number.NEGATIVE_INFINITY : Number.NaN;
}

/**
 * Whether a fix cannot be confidently outside (CONFIDENT_Z σ beyond the boundary) of a zone the
 * clearance puts the earlier point inside of: for an idle "must be inside" rule, the only sample
 * that changes anything is a confident violation (zone-track.ts), so no test is needed then.
 */
export function cannotBeOutside(signedDistM: number, sigma: number, moved2: number): boolean {
  if (!(signedDistM < 0)) return false;
  const room = CONFIDENT_Z * sigma - signedDistM - MARGIN_M;
  return moved2 < room * room;
}

/** Whether a point `moved2` (squared) from a point `clear` metres clear is still at least `need` clear. */
export function stillClear(clear: number, need: number, moved2: number): boolean {
  const room = clear - need - MARGIN_M;
  return room >= 0 && moved2 <= room * room;
}

/**
 * The clearance at (lat, lon) after a fix: a value measured at this fix where there is one (NaN
 * where none was), otherwise the old one less the distance moved (still a bound, by the triangle
 * inequality). Returns `c` itself when nothing was measured, else a scratch object to copy from at
 * once (the clearance lives in the state's own fields: no allocation, no pointer to follow).
 */
// Where nextClearance writes (scratch, not state: single-threaded; the caller copies it at once).
const scratch: { -readonly [K in keyof Clearance]: Clearance[K] } = { ...NO_CLEARANCE };

export function nextClearance(
  c: Clearance,
  key: number,
  moved2: number,
  lat: number,
  lon: number,
  county: number,
  home: number,
  prohibition: number,
  area: number,
  nearOwn: number,
): Clearance {
  // `area` and `nearOwn` are measured only with `prohibition` (the same look-up), never without it.
  if (Number.isNaN(county) && Number.isNaN(home) && Number.isNaN(prohibition)) return c;
  const moved = c.clearKey === key ? Math.sqrt(moved2) : Number.POSITIVE_INFINITY;
  const next = scratch;
  next.clearKey = key;
  next.clearLatE6 = Math.round(lat * E6) | 0;
  next.clearLonE6 = Math.round(lon * E6) | 0;
  next.clearCounty = whole(Number.isNaN(county) ? carry(c.clearCounty, moved) : county);
  next.clearHome = whole(Number.isNaN(home) ? carry(c.clearHome, moved) : home);
  next.clearProhibition = whole(Number.isNaN(prohibition) ? carry(c.clearProhibition, moved) : prohibition);
  next.clearArea = whole(Number.isNaN(area) ? carry(c.clearArea, moved) : area);
  next.clearNearOwn = whole(Number.isNaN(nearOwn) ? carry(c.clearNearOwn, moved) : nearOwn);
  return next.clearCounty === 0 &&
    next.clearHome === 0 &&
    next.clearProhibition === 0 &&
    next.clearArea === 0 &&
    next.clearNearOwn === 0
    ? NO_CLEARANCE
    : next;
}

/** A signed distance (or a clearance ≥ 0) moved `moved` metres: its magnitude shrinks by as much. */
function carry(old: number, moved: number): number {
  return old > moved ? old - moved : old < -moved ? old + moved : 0;
}

// Stored as small integers, which V8 keeps inside the object: a fractional number would be a
// separate 16-byte box per field, allocated with every new clearance (issue 4: GC is a fifth of the
// per-fix cost). The anchor is rounded to a microdegree (≤ 0.08 m), and every clearance is taken in
// by ANCHOR_SLACK_M and then to whole metres towards zero, so it stays a bound from the rounded anchor.
const E6 = 1e6;
const ANCHOR_SLACK_M = 1;
const MAX_WHOLE_M = 1e9;

function whole(m: number): number {
  const v = carry(m, ANCHOR_SLACK_M);
  return Math.min(MAX_WHOLE_M, Math.max(-MAX_WHOLE_M, v)) | 0;
}
