// The evidence / hysteresis state machine shared by the zone rules. Membership is computed first
// (geo/), then this decides what changed (ARCHITECTURE.md: membership separate from transitions).
// It never acts on a single uncertain fix: a violation needs consecutive confident GNSS fixes over a
// minimum time, and clears only after consecutive confident fixes on the right side, so a device
// parked on a boundary never flaps (Traccar issue 2189; DOMAIN.md: false alerts).
import type { AlertKind } from '../../../schemas/enums.js';
import {
  type AlertChange,
  type AlertDetail,
  alertChange,
  type EvidenceFix,
  evidenceOf,
  type FixLike,
} from './alert-change.js';
import { IDLE_TRACK, makeTrack, TrackPhase, type TrackState } from './person-state.js';
import type { EvidenceRule } from './supervision-levels.js';

export const Verdict = { violating: -1, uncertain: 0, compliant: 1 } as const;
export type Verdict = (typeof Verdict)[keyof typeof Verdict];

/** Evidence fixes kept per episode: enough to show the decision, bounded so state stays small. */
const MAX_EVIDENCE = 5;

export interface TrackSample {
  readonly verdict: Verdict;
  /** Probability the rule is being broken (0..1). */
  readonly p: number;
  /** GNSS fix: only these may start or advance a violation (cell / Wi-Fi alone never open one). */
  readonly strong: boolean;
  /** Opens at once (still subject to `strong`): reserved for very deep, very confident prohibition fixes. */
  readonly immediate: boolean;
  readonly zoneId: string | null;
  readonly windowEnd: number;
}

function evidenceAt(ts: number, lat: number, lon: number, acc: number): EvidenceFix {
  return { ts, lat, lon, acc };
}

/**
 * Whether stepTrack would hand back the track itself for a sample with this verdict: an open episode
 * seeing one more violation, with no clearing run to break. Callers ask first to skip building the
 * sample; someone in a long breach, far from home or out of the county, passes here at every fix.
 */
export function keepsOpen(t: TrackState, verdict: Verdict): boolean {
  return verdict === Verdict.violating && t.phase === TrackPhase.open && t.clearCount === 0;
}

export function stepTrack(
  t: TrackState,
  s: TrackSample,
  ts: number,
  lat: number,
  lon: number,
  acc: number,
  open: EvidenceRule,
  clear: EvidenceRule,
): TrackState {
  if (keepsOpen(t, s.verdict)) return t;
  if (s.verdict === Verdict.violating) {
    if (t.phase === TrackPhase.open) return withClearing(t, 0, 0);
    if (!s.strong) return t;
    const restart = t.phase === TrackPhase.idle || t.zoneId !== s.zoneId;
    const fix = evidenceAt(ts, lat, lon, acc);
    const count = restart ? 1 : t.count + 1;
    const since = restart ? ts : t.since;
    const evidence = restart ? [fix] : t.evidence.length < MAX_EVIDENCE ? [...t.evidence, fix] : t.evidence;
    const confidence = restart ? s.p : Math.min(t.confidence, s.p);
    const enough = s.immediate || (count >= open.fixes && ts - since >= open.seconds * 1000);
    return makeTrack({
      phase: enough ? TrackPhase.open : TrackPhase.pending,
      since,
      count,
      clearCount: 0,
      clearSince: 0,
      zoneId: s.zoneId,
      evidence,
      confidence,
      windowEnd: s.windowEnd,
    });
  }
  if (t.phase === TrackPhase.idle) return t;
  if (s.verdict === Verdict.uncertain) {
    // Consecutive means consecutive: an uncertain fix breaks a pending run and a clearing run.
    if (t.phase === TrackPhase.pending) return s.strong ? IDLE_TRACK : t;
    return t.clearCount === 0 ? t : withClearing(t, 0, 0);
  }
  if (t.phase === TrackPhase.pending) return IDLE_TRACK;
  const clearSince = t.clearCount === 0 ? ts : t.clearSince;
  const clearCount = t.clearCount + 1;
  if (clearCount >= clear.fixes && ts - clearSince >= clear.seconds * 1000) return IDLE_TRACK;
  return withClearing(t, clearCount, clearSince);
}

/**
 * The track with another clearing run, built field by field from the track itself: a spread made a
 * temporary object of its own hidden class first, and makeTrack's reads of those went megamorphic
 * (issue 4: rules bench, an open prohibition or breach track counting its clearing fixes).
 */
function withClearing(t: TrackState, clearCount: number, clearSince: number): TrackState {
  return makeTrack({
    phase: t.phase,
    since: t.since,
    count: t.count,
    clearCount,
    clearSince,
    zoneId: t.zoneId,
    evidence: t.evidence,
    confidence: t.confidence,
    windowEnd: t.windowEnd,
  });
}

/** The alert change implied by a track moving from `before` to `after`, or null. */
export function trackChange(
  kind: AlertKind,
  before: TrackState,
  after: TrackState,
  at: number,
  closing: FixLike | null,
  late: boolean,
  detail?: AlertDetail,
): AlertChange | null {
  if (after.phase === TrackPhase.open && before.phase !== TrackPhase.open) {
    return alertChange({
      kind,
      action: 'open',
      startedAt: after.since,
      at,
      confidence: after.confidence,
      evidence: after.evidence,
      late,
      zoneId: after.zoneId,
      ...(detail ? { detail } : {}),
    });
  }
  if (before.phase === TrackPhase.open && after.phase !== TrackPhase.open) {
    return alertChange({
      kind,
      action: 'clear',
      startedAt: before.since,
      at,
      confidence: closing ? 1 : before.confidence,
      evidence: closing ? [evidenceOf(closing)] : [],
      late,
      zoneId: before.zoneId,
      ...(detail ? { detail } : {}),
    });
  }
  return null;
}
