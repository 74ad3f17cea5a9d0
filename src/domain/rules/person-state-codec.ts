// Person state as text, for a state store shared by several instances (issue 8). JSON alone would not
// do: `windowEnd` is NaN on tracks outside a curfew window (JSON writes null), and the rules compare
// tracks and episodes with the shared constants by identity (`curfew !== IDLE_TRACK`), so decoding
// must hand back those very objects. An idle track is always IDLE_TRACK (zone-track.ts returns it
// whenever a track goes idle), and no episodes is always NO_EPISODES (withEpisode).
import {
  IDLE_TRACK,
  makeTrack,
  NO_EPISODES,
  type PersonState,
  patchState,
  TrackPhase,
  type TrackState,
} from './person-state.js';

const TRACKS = ['curfew', 'jurisdiction', 'prohibition', 'proximity', 'separation'] as const;

export function encodePersonState(state: PersonState): string {
  return JSON.stringify(state, (_key, value) =>
    typeof value === 'number' && Number.isNaN(value) ? 'NaN' : value,
  );
}

function decodeTrack(raw: TrackState): TrackState {
  if (raw.phase === TrackPhase.idle) return IDLE_TRACK;
  return makeTrack({ ...raw, windowEnd: raw.windowEnd === null ? Number.NaN : Number(raw.windowEnd) });
}

function decodeRaw(raw: PersonState): PersonState {
  const patch: { -readonly [K in keyof PersonState]?: PersonState[K] } = {};
  for (const name of TRACKS) patch[name] = decodeTrack(raw[name]);
  patch.episodes = Object.keys(raw.episodes).length === 0 ? NO_EPISODES : raw.episodes;
  // The state before a gap is a state too (one level: it never has a gap of its own).
  const gap = raw.gap ?? null;
  patch.gap =
    gap === null
      ? null
      : {
          from: gap.from,
          to: gap.to,
          before: decodeRaw(gap.before),
          ...(gap.settled ? { settled: gap.settled } : {}),
          ...(gap.openedAtReturn ? { openedAtReturn: gap.openedAtReturn } : {}),
        };
  // A state written before clearances existed has none: patchState reads the missing fields as 0.
  return patchState(raw, patch);
}

export function decodePersonState(text: string): PersonState {
  return decodeRaw(JSON.parse(text) as PersonState);
}
