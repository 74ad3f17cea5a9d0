// Gathering of linked supervisees (同案犯聚集, DOMAIN.md): two linked people within radiusM of each
// other for at least minDurationMs, judged from both latest positions and their accuracies.
import { CONFIDENT_P, pOutside, sigmaOf } from '../geo/membership.js';
import { distanceM } from '../geo/projection.js';
import { type AlertChange, alertChange, NO_CHANGES } from './alert-change.js';

export interface GatheringParams {
  readonly radiusM: number;
  readonly minDurationMs: number;
  /** A latest position older than this (at `now`) is not used. */
  readonly freshMs: number;
}

export const DEFAULT_GATHERING: GatheringParams = {
  radiusM: 100,
  minDurationMs: 30 * 60_000,
  freshMs: 10 * 60_000,
};

export interface LinkedPosition {
  readonly personId: string;
  readonly ts: number;
  readonly lat: number;
  readonly lon: number;
  readonly acc: number;
}

interface PairState {
  /** When the pair was first confidently together in this run. */
  readonly since: number;
  readonly open: boolean;
}

/** Keyed by "a+b" with a < b. Pairs apart are absent, so the state is empty most of the time. */
export type GatheringState = ReadonlyMap<string, PairState>;
export const NO_GATHERING: GatheringState = new Map();

export function evaluateGathering(
  params: GatheringParams,
  state: GatheringState,
  positions: readonly LinkedPosition[],
  now: number,
): { state: GatheringState; changes: readonly AlertChange[] } {
  const fresh = positions
    .filter((p) => now - p.ts <= params.freshMs)
    .sort((a, b) => (a.personId < b.personId ? -1 : 1));
  const next = new Map<string, PairState>();
  const changes: AlertChange[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < fresh.length; i++) {
    for (let j = i + 1; j < fresh.length; j++) {
      const a = fresh[i]!;
      const b = fresh[j]!;
      const key = `${a.personId}+${b.personId}`;
      seen.add(key);
      const sigma = Math.hypot(sigmaOf(a.acc), sigmaOf(b.acc));
      const pApart = pOutside(distanceM(a.lat, a.lon, b.lat, b.lon) - params.radiusM, sigma);
      const prev = state.get(key);
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
        // Uncertain: keep whatever was there, neither start nor end an episode.
        if (prev) next.set(key, prev);
        continue;
      }
      const since = prev?.since ?? Math.max(a.ts, b.ts);
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
      next.set(key, { since, open });
    }
  }
  // A pair without fresh positions keeps its state: unknown is not "apart".
  for (const [key, pair] of state) if (!seen.has(key)) next.set(key, pair);
  return {
    state: next.size === 0 ? NO_GATHERING : next,
    changes: changes.length === 0 ? NO_CHANGES : changes,
  };
}
