// Per-person decision state: small, immutable, and mostly shared constants while nothing is going
// on (an idle track is the one IDLE_TRACK object), so 100,000 people cost little memory.
import type { EvidenceFix } from './alert-change.js';

export const TrackPhase = { idle: 0, pending: 1, open: 2 } as const;
export type TrackPhase = (typeof TrackPhase)[keyof typeof TrackPhase];

/** Evidence and hysteresis for one zone rule (one episode at a time). */
export interface TrackState {
  readonly phase: TrackPhase;
  /** Event time of the first evidence fix: the episode's true start. */
  readonly since: number;
  /** Consecutive confident GNSS fixes in violation while pending. */
  readonly count: number;
  readonly clearCount: number;
  readonly clearSince: number;
  readonly zoneId: string | null;
  readonly evidence: readonly EvidenceFix[];
  /** Lowest violation probability among the evidence fixes. */
  readonly confidence: number;
  /** Curfew: end of the window the episode belongs to (it ends with the window); NaN otherwise. */
  readonly windowEnd: number;
}

/** Builds a track with one fixed field order (one hidden class for every track: monomorphic reads). */
export function makeTrack(t: TrackState): TrackState {
  return {
    phase: t.phase,
    since: t.since,
    count: t.count,
    clearCount: t.clearCount,
    clearSince: t.clearSince,
    zoneId: t.zoneId,
    evidence: t.evidence,
    confidence: t.confidence,
    windowEnd: t.windowEnd,
  };
}

/** The one idle track, shared by everybody (not frozen: frozen objects get another hidden class). */
export const IDLE_TRACK: TrackState = makeTrack({
  phase: TrackPhase.idle,
  since: 0,
  count: 0,
  clearCount: 0,
  clearSince: 0,
  zoneId: null,
  evidence: [],
  confidence: 0,
  windowEnd: Number.NaN,
});

/** An open alert that is not a zone track (timers and device events), keyed by kind or kind|zone. */
export interface OpenEpisode {
  readonly startedAt: number;
  readonly zoneId?: string;
  /** Lost contact: whole days off supervision already reported (脱管天数, Art. 30). */
  readonly days?: number;
  /**
   * Strap tamper: event time of the latest report of this cut (absent in states stored before it
   * existed: `startedAt` stands in). A report more than TAMPER_REPEAT_MS later is a new cut.
   */
  readonly lastAt?: number;
}

export type Episodes = Readonly<Record<string, OpenEpisode>>;
export const NO_EPISODES: Episodes = Object.freeze({});

export interface AnkleStill {
  readonly since: number;
  readonly lat: number;
  readonly lon: number;
  /** Accuracy (m, 68% radius) of the fix the anchor was taken from: a move must exceed it too. */
  readonly acc: number;
  /**
   * Consecutive monitor fixes confidently away from the anchor (absent: none). One is not enough to
   * end "lying still" (STILL_MOVED_FIXES, evaluate-separation.ts).
   */
  readonly moved?: number;
}

export interface PlacedFix {
  readonly ts: number;
  readonly lat: number;
  readonly lon: number;
  readonly acc: number;
}

/**
 * A person's position for rules about other people (gathering, 同案犯聚集): the most accurate recent
 * monitor fix that no later fix contradicts (steadyPosition, gathering.ts). `ts` is that fix's time,
 * `seen` the time of the latest fix consistent with it, `later` the most accurate fix since, which
 * takes over when this one is too old (a sliding-window best in two slots), `moved` a lone fix
 * that contradicted it.
 */
export interface SteadyPosition extends PlacedFix {
  readonly seen: number;
  readonly later: PlacedFix | null;
  /** A fix that contradicted this one, waiting for a second before the person counts as moved. */
  readonly moved?: PlacedFix | null;
}

/** One pair's gathering run (gathering.ts). */
export interface PairRun {
  /** When the pair was first confidently together in this run. */
  readonly since: number;
  readonly open: boolean;
  /** The last tick at which the pair was confidently together. */
  readonly together: number;
}

/**
 * The gathering runs of the linked groups a person keeps (the first of a group's ids in sort order
 * that is in the directory keeps them), by group key, as [pair key, run] entries (JSON as it is, for
 * the Redis store). Being person state, they are leased, versioned and shared between instances like
 * the rest: a new timer holder carries on a pair's half hour instead of starting it again, and never
 * acts on a run it saw before another instance closed it (decision 0006). Null for nearly everybody.
 */
export type GatheringRuns = Readonly<Record<string, ReadonlyArray<readonly [string, PairRun]>>>;

/** The zone rules whose tracks a backfill may judge (evaluate-backfill.ts). */
export type ZoneRule = 'curfew' | 'jurisdiction' | 'prohibition';

/**
 * The latest gap in the monitor's fixes (more than GAP_MIN_INTERVALS reporting intervals between two
 * evaluated fixes), kept so that stored fixes from inside it, arriving after the live fix that ended
 * it, are still judged (evaluate-backfill.ts; issue 4: late fixes are evaluated in order). `before`
 * is the state just before the fix at `to` was evaluated (with no gap of its own), so the backfill
 * runs from exactly where the rules stood when the monitor went quiet.
 */
export interface GapMark {
  /** Event time of the last fix judged before the gap (or of the last backfilled fix): exclusive. */
  readonly from: number;
  /** Event time of the first live fix after the gap: exclusive. */
  readonly to: number;
  readonly before: PersonState;
  /**
   * Per zone rule, the start of an episode found in the gap that is settled: reported already by an
   * earlier part of the backfill, or the live incident's own (evaluate-backfill.ts).
   */
  readonly settled?: Readonly<Partial<Record<ZoneRule, number>>>;
  /**
   * Alert kinds the live rules opened an episode of starting at `to` itself (set by evaluateFix): a
   * stored fix showing that violation already going before `to` is the same fact, already reported.
   */
  readonly openedAtReturn?: readonly string[];
}

/**
 * What a point is clear of, measured for the geometry named by `clearKey`
 * (PersonRulesContext.geometryKey): signed distances in whole metres (negative inside; 0 when not
 * measured) from the point to the jurisdiction and residence boundaries, and the distance to every
 * prohibition zone's box, each a bound no farther from zero than the truth. A later fix whose
 * saturation distance fits within one of them gets the answer an exact test would give, without the
 * test (clearance.ts). A cache: it never changes a decision (decision 0012).
 * Part of the person's state itself (PersonState extends it), not an object of its own: one fewer
 * allocation and one fewer cache miss per fix. All small integers, so V8 keeps them inside the state
 * object (a fractional field would be a separate 16-byte box, allocated with every new state).
 */
export interface Clearance {
  /** 0 for none measured (geometry keys are never 0). */
  readonly clearKey: number;
  /** The point, in whole microdegrees. */
  readonly clearLatE6: number;
  readonly clearLonE6: number;
  readonly clearCounty: number;
  readonly clearHome: number;
  readonly clearProhibition: number;
  /**
   * Room (metres ≥ 0) before the point could be inside one of the person's own prohibition zones:
   * a lower bound on the distance to each of their areas, from outside (0: not known, or inside).
   * Someone at home inside a zone's box but outside the zone skips the exact test with it.
   */
  readonly clearArea: number;
  /**
   * Room (metres ≥ 0) before the point could leave the approach band of the nearest of the
   * person's own zones (PROHIBITION_APPROACH_M less the distance to its box; 0: none that near, or
   * not known). Someone at home near a zone keeps "approaching" without looking it up (issue 7).
   */
  readonly clearNearOwn: number;
}

/** No clearance: every test runs (also what a state stored before clearances existed decodes to). */
export const NO_CLEARANCE: Clearance = {
  clearKey: 0,
  clearLatE6: 0,
  clearLonE6: 0,
  clearCounty: 0,
  clearHome: 0,
  clearProhibition: 0,
  clearArea: 0,
  clearNearOwn: 0,
};

export interface PersonState extends Clearance {
  /** Event time of the last evaluated monitor fix; 0 before the first. Older fixes are stale. */
  readonly lastTs: number;
  readonly lastLat: number;
  readonly lastLon: number;
  readonly lastAcc: number;
  /**
   * The last evaluated monitor fix was GNSS (isStrong, zone-checks.ts). A cell or Wi-Fi position
   * alone never opens a violation, so the curfew presence check at a window start may judge only a
   * GNSS one (evaluate-clock.ts). False in a state stored before this field: presence unknown until
   * the next fix.
   */
  readonly lastStrong: boolean;
  /** Latest event time of any fix or device event: the lost-contact timer runs from here (Art. 30). */
  readonly lastContactTs: number;
  /** Consecutive fixes dropped as impossible jumps. */
  readonly jumps: number;
  /**
   * Whole seconds between the last two evaluated monitor fixes (0: not known): the interval the
   * device is actually keeping, so a pause in fast reporting is a gap even when it is shorter than
   * the level's interval (nextGap, evaluate-fix.ts). A small integer: kept inside the object.
   */
  readonly lastIntervalS: number;
  /** Last event times the monitor was confidently inside / outside the jurisdiction (leave overdue). */
  readonly jurInsideTs: number;
  readonly jurOutsideTs: number;
  readonly curfew: TrackState;
  readonly jurisdiction: TrackState;
  readonly prohibition: TrackState;
  readonly proximity: TrackState;
  readonly separation: TrackState;
  readonly episodes: Episodes;
  /** Set by an ankle-monitor no_motion event, cleared when the monitor moves. */
  readonly ankleStill: AnkleStill | null;
  readonly phoneLastTs: number;
  /**
   * The last placed monitor fix was in the approach band of a prohibition zone or a protected
   * person (APPROACH_* in supervision-levels.ts): devices report fast from there on, so evidence is
   * gathered at 15 s and not at the level's interval once the person is inside (issue 7: detection
   * delay). Says nothing about alerts.
   */
  readonly approaching: boolean;
  /** Only for people with linked persons (gathering); null otherwise and before the first fix. */
  readonly steady: SteadyPosition | null;
  /**
   * A linked person (co-defendant) may be with this one and no gathering is open yet
   * (GatheringResult.watching): devices report fast, so the pair's evidence is gathered at 15 s and
   * not at the level's interval (issue 7: detection delay). Says nothing about alerts.
   */
  readonly nearLinked: boolean;
  /** Gathering runs of the linked groups this person keeps; null for nearly everybody. */
  readonly gatherings: GatheringRuns | null;
  /** The latest gap that stored fixes may still fill (null: none, or none recent). */
  readonly gap: GapMark | null;
}

/** State at the start of monitoring; `since` starts the lost-contact clock (usually the order start). */
export function initialPersonState(since: number): PersonState {
  return {
    lastTs: 0,
    lastLat: 0,
    lastLon: 0,
    lastAcc: 0,
    lastStrong: false,
    lastContactTs: since,
    jumps: 0,
    lastIntervalS: 0,
    jurInsideTs: 0,
    jurOutsideTs: 0,
    curfew: IDLE_TRACK,
    jurisdiction: IDLE_TRACK,
    prohibition: IDLE_TRACK,
    proximity: IDLE_TRACK,
    separation: IDLE_TRACK,
    episodes: NO_EPISODES,
    ankleStill: null,
    phoneLastTs: 0,
    approaching: false,
    steady: null,
    nearLinked: false,
    gatherings: null,
    gap: null,
    clearKey: 0,
    clearLatE6: 0,
    clearLonE6: 0,
    clearCounty: 0,
    clearHome: 0,
    clearProhibition: 0,
    clearArea: 0,
    clearNearOwn: 0,
  };
}

/**
 * A state being written: evaluateFix's target (decision 0013). Written only by the evaluation it is
 * handed to, and only while nothing else can see it (a store's spare, a new object).
 */
export type StateDraft = { -readonly [K in keyof PersonState]: PersonState[K] };

export function withEpisode(episodes: Episodes, key: string, episode: OpenEpisode | null): Episodes {
  if (episode !== null) return { ...episodes, [key]: episode };
  const { [key]: _removed, ...rest } = episodes;
  return Object.keys(rest).length === 0 ? NO_EPISODES : rest;
}

/**
 * A copy of `s` with `patch` applied, built field by field: every state object then has one hidden
 * class, which keeps the per-fix code monomorphic (object spread would not guarantee that).
 */
export function patchState(s: PersonState, patch: Partial<PersonState>): PersonState {
  const p = { ...s, ...patch };
  return {
    lastTs: p.lastTs,
    lastLat: p.lastLat,
    lastLon: p.lastLon,
    lastAcc: p.lastAcc,
    lastStrong: p.lastStrong ?? false,
    lastContactTs: p.lastContactTs,
    jumps: p.jumps,
    // A state stored before this field existed reads as "interval not known".
    lastIntervalS: p.lastIntervalS ?? 0,
    jurInsideTs: p.jurInsideTs,
    jurOutsideTs: p.jurOutsideTs,
    curfew: p.curfew,
    jurisdiction: p.jurisdiction,
    prohibition: p.prohibition,
    proximity: p.proximity,
    separation: p.separation,
    episodes: p.episodes,
    ankleStill: p.ankleStill,
    phoneLastTs: p.phoneLastTs,
    approaching: p.approaching,
    steady: p.steady ?? null,
    nearLinked: p.nearLinked ?? false,
    gatherings: p.gatherings ?? null,
    gap: p.gap ?? null,
    clearKey: p.clearKey ?? 0,
    clearLatE6: p.clearLatE6 ?? 0,
    clearLonE6: p.clearLonE6 ?? 0,
    clearCounty: p.clearCounty ?? 0,
    clearHome: p.clearHome ?? 0,
    clearProhibition: p.clearProhibition ?? 0,
    clearArea: p.clearArea ?? 0,
    clearNearOwn: p.clearNearOwn ?? 0,
  };
}

/**
 * True while a zone rule is gathering evidence (pending) or has a violation open: reporting faster
 * already while evidence is pending is what shortens detection (src/reporting/reporting-mode.ts).
 */
export function zoneTrackActive(state: PersonState): boolean {
  return (
    state.curfew.phase !== TrackPhase.idle ||
    state.jurisdiction.phase !== TrackPhase.idle ||
    state.prohibition.phase !== TrackPhase.idle ||
    state.proximity.phase !== TrackPhase.idle ||
    state.separation.phase !== TrackPhase.idle
  );
}

/**
 * Whether the person's devices are told to report fast after this state (DOMAIN.md: 1 fix/min →
 * 1 fix/15 s in violation): a zone track active, an approach band, a linked person near, or leave
 * overdue (src/reporting/reporting-mode.ts turns the same facts into the device's config).
 */
export function toldToReportFast(state: PersonState): boolean {
  return (
    state.approaching ||
    state.nearLinked ||
    zoneTrackActive(state) ||
    state.episodes.leave_overdue !== undefined
  );
}
