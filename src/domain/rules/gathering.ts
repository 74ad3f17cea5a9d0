// Gathering of linked supervisees (同案犯聚集, DOMAIN.md): two linked people within radiusM of each
// other for at least minDurationMs, judged at each clock tick from both people's steady positions
// (below) and their accuracies.
import { CONFIDENT_P, pOutside, sigmaOf } from '../geo/membership.js';
import { distanceM } from '../geo/projection.js';
import { type AlertChange, alertChange, NO_CHANGES } from './alert-change.js';
import type { PairRun, PlacedFix, SteadyPosition } from './person-state.js';
import { APPROACH_MAX_ACC_M } from './supervision-levels.js';

export interface GatheringParams {
  readonly radiusM: number;
  readonly minDurationMs: number;
  /**
   * A position older than this (at `now`) is not used; and a pair not confidently together for
   * longer than this is no longer counted as together (an uncertain reading only bridges a gap).
   */
  readonly freshMs: number;
}

export const DEFAULT_GATHERING: GatheringParams = {
  radiusM: 100,
  minDurationMs: 30 * 60_000,
  freshMs: 10 * 60_000,
};

export interface LinkedPosition {
  readonly personId: string;
  /** Time of the fix the position comes from. */
  readonly ts: number;
  /** Latest time the person was still known there (a later fix agreed); `ts` when absent. */
  readonly seen?: number;
  /** A lone fix elsewhere: the person may have moved there (SteadyPosition.moved). */
  readonly moved?: PlacedFix | null;
  readonly lat: number;
  readonly lon: number;
  readonly acc: number;
}

/**
 * How long a fix may stand as someone's steady position. A person who walks off into a building
 * sends only fixes too coarse to contradict it, so this bounds how long a position they have left
 * can still read as "together" (well under the 30 minutes a gathering needs); while a pair may be
 * together their devices report every 15 s (GatheringResult.watching), so the window holds many.
 */
export const STEADY_WINDOW_MS = 5 * 60_000;

/**
 * A person's steady position after one more monitor fix: the most accurate fix of the last
 * STEADY_WINDOW_MS that no later fix contradicts. Indoors (a teahouse) most fixes are Wi-Fi or cell
 * fixes of 25 m to 1,500 m, and two such fixes can never show two people confidently within 100 m
 * (that needs √(σa² + σb²) under 43 m): judged from the latest fix alone, a pair sitting together
 * read "uncertain" for up to half an hour before a lucky pair of GNSS fixes started the clock
 * (quality bench: gathering opened 49 min after the meeting began, against 30). A fix contradicts
 * the steady one when the two are confidently apart (> 2.33 σ combined); a second such fix within
 * the window means the person moved, and it is taken whatever its accuracy. One is not enough: a
 * lone multipath outlier read "confidently apart" and restarted a pair's 30 minutes (DOMAIN.md: more
 * than one fix). Nothing is averaged: indoor errors are correlated from fix to fix.
 */
export function steadyPosition(
  prev: SteadyPosition | null,
  ts: number,
  lat: number,
  lon: number,
  acc: number,
  windowMs = STEADY_WINDOW_MS,
): SteadyPosition {
  const fix: PlacedFix = { ts, lat, lon, acc };
  if (prev === null) return { ...fix, seen: ts, later: null, moved: null };
  const pending = prev.moved && ts - prev.moved.ts <= windowMs ? prev.moved : null;
  if (apart(prev, fix)) {
    // A second fix away from it within the window (coarse fixes between neither confirm nor refute).
    if (pending) return { ...fix, seen: ts, later: null, moved: null };
    return { ...prev, moved: fix };
  }
  // Agrees with the steady position; a lone fix away from it is refuted by one confidently elsewhere.
  const moved = pending && !apart(pending, fix) ? pending : null;
  if (acc <= prev.acc) return { ...fix, seen: ts, later: null, moved };
  const later = prev.later === null || acc <= prev.later.acc ? fix : prev.later;
  // Too old to stand for "now": the best fix since takes over, a lone contradicting one included
  // (what it contradicted is gone; a device back from an outage may have sent nothing better).
  if (ts - prev.ts > windowMs) {
    const best = moved && moved.acc < later.acc ? moved : later;
    return { ...best, seen: ts, later: best === fix ? null : fix, moved: null };
  }
  return { ts: prev.ts, lat: prev.lat, lon: prev.lon, acc: prev.acc, seen: ts, later, moved };
}

/** Two fixes confidently apart (> 2.33 σ combined): not the same place. */
function apart(a: PlacedFix, b: PlacedFix): boolean {
  return pApartOf(a, b, 0) >= CONFIDENT_P;
}

/** Keyed by "a+b" with a < b. Pairs apart are absent, so the state is empty most of the time. */
export type GatheringState = ReadonlyMap<string, PairRun>;
export const NO_GATHERING: GatheringState = new Map();

/** The earliest coverage end of a pair's members (`a+b`), or NaN when both are still covered. */
function pairEnd(key: string, ended: ReadonlyMap<string, number>): number {
  let at = Number.NaN;
  for (const id of key.split('+')) {
    const end = ended.get(id);
    if (end !== undefined && !(end >= at)) at = end;
  }
  return at;
}

/** Probability the two positions are more than radiusM apart, from both accuracies. */
function pApartOf(a: PlacedFix, b: PlacedFix, radiusM: number): number {
  const sigma = Math.hypot(sigmaOf(a.acc), sigmaOf(b.acc));
  return pOutside(distanceM(a.lat, a.lon, b.lat, b.lon) - radiusM, sigma);
}

export interface GatheringResult {
  readonly state: GatheringState;
  readonly changes: readonly AlertChange[];
  /**
   * People in a pair that may be together and has no gathering open: a run under way, or an
   * uncertain reading from placed positions (accuracy ≤ APPROACH_MAX_ACC_M; a cell fix places
   * nobody). Their devices report fast (PersonState.nearLinked): at the normal 120 s, two people
   * arriving at a teahouse were first confidently together minutes after they truly were.
   */
  readonly watching: ReadonlySet<string>;
}

const NOBODY: ReadonlySet<string> = new Set();
const NONE_ENDED: ReadonlyMap<string, number> = new Map();

/**
 * `ended`: people of the group outside EM coverage at `now` (Art. 29: nothing of them is observed
 * or judged any more; em-order.ts), with when their coverage ended. Their positions are not used,
 * and an open gathering with one of them is closed at that end with reason `order_ended`, as the
 * person's own alerts are (order-end.ts). Left to staleness, it stayed open for ever: a pair
 * without fresh positions keeps its state (unknown is not "apart").
 */
export function evaluateGathering(
  params: GatheringParams,
  state: GatheringState,
  positions: readonly LinkedPosition[],
  now: number,
  ended: ReadonlyMap<string, number> = NONE_ENDED,
): GatheringResult {
  const fresh = positions
    .filter((p) => now - (p.seen ?? p.ts) <= params.freshMs && !ended.has(p.personId))
    .sort((a, b) => (a.personId < b.personId ? -1 : 1));
  const next = new Map<string, PairRun>();
  const changes: AlertChange[] = [];
  const seen = new Set<string>();
  const watching = new Set<string>();
  for (let i = 0; i < fresh.length; i++) {
    for (let j = i + 1; j < fresh.length; j++) {
      const a = fresh[i]!;
      const b = fresh[j]!;
      const key = `${a.personId}+${b.personId}`;
      seen.add(key);
      // A person with a move pending (SteadyPosition.moved) is at one of two places: the reading
      // is confident only if it holds for both (the least confident of the combinations decides).
      let lo = pApartOf(a, b, params.radiusM);
      let hi = lo;
      for (const [x, y] of [
        [a.moved, b],
        [a, b.moved],
        [a.moved, b.moved],
      ] as const) {
        if (!x || !y) continue;
        const p = pApartOf(x, y, params.radiusM);
        lo = Math.min(lo, p);
        hi = Math.max(hi, p);
      }
      // Apart if apart at every combination, together if together at every one, else uncertain.
      const pApart = lo >= CONFIDENT_P ? lo : 1 - hi >= CONFIDENT_P ? hi : 0.5;
      const kept = state.get(key);
      // A run not confidently seen for freshMs (uncertain or no fresh positions) is over, unless open.
      const prev = kept && (kept.open || now - kept.together <= params.freshMs) ? kept : undefined;
      const evidence = [a, b].map((p) => ({ ts: p.ts, lat: p.lat, lon: p.lon, acc: p.acc }));
      const detail = { persons: key };
      if (pApart >= CONFIDENT_P) {
        if (prev?.open) {
          changes.push(
            alertChange({
              kind: 'gathering',
              action: 'clear',
              startedAt: prev.since,
              at: now,
              confidence: pApart,
              evidence,
              zoneId: key,
              detail,
            }),
          );
        }
        continue;
      }
      if (1 - pApart < CONFIDENT_P) {
        // Uncertain: neither starts nor ends an episode. It bridges a short gap in a run, but a run
        // with no confident reading for freshMs is over: two people who passed each other and then
        // sat 150 m apart on coarse indoor fixes must not count as together for 30 minutes.
        if (prev) next.set(key, prev);
        if (!prev?.open && (prev || Math.max(a.acc, b.acc) <= APPROACH_MAX_ACC_M)) {
          watching.add(a.personId).add(b.personId);
        }
        continue;
      }
      const since = prev?.since ?? Math.max(a.ts, b.ts);
      // Opens only on a confident reading: the evidence spans the whole window, start and end.
      const open = prev?.open === true || now - since >= params.minDurationMs;
      if (open && !prev?.open) {
        changes.push(
          alertChange({
            kind: 'gathering',
            action: 'open',
            startedAt: since,
            at: now,
            confidence: 1 - pApart,
            evidence,
            zoneId: key,
            detail,
          }),
        );
      }
      next.set(key, { since, open, together: now });
      if (!open) watching.add(a.personId).add(b.personId);
    }
  }
  // A pair without fresh positions keeps its state: unknown is not "apart"; unless one of them is no
  // longer covered by an EM order, which ends it.
  for (const [key, pair] of state) {
    if (seen.has(key)) continue;
    const endedAt = ended.size === 0 ? Number.NaN : pairEnd(key, ended);
    if (Number.isNaN(endedAt)) {
      next.set(key, pair);
      continue;
    }
    if (!pair.open) continue;
    changes.push(
      alertChange({
        kind: 'gathering',
        action: 'clear',
        startedAt: pair.since,
        at: Math.max(pair.since, endedAt),
        confidence: 1,
        evidence: [],
        zoneId: key,
        detail: { persons: key, reason: 'order_ended' },
      }),
    );
  }
  return {
    state: next.size === 0 ? NO_GATHERING : next,
    changes: changes.length === 0 ? NO_CHANGES : changes,
    watching: watching.size === 0 ? NOBODY : watching,
  };
}
