// Parameters per supervision category (分类管理, DOMAIN.md): expected reporting interval,
// lost-contact timeout (Art. 30), the evidence needed before a violation is called, hysteresis
// before it is cleared, escalation delays (used by the incidents layer), and the speed above which
// a fix is an outlier.
import type { SupervisionLevel } from '../../../schemas/enums.js';

const SECOND = 1000;
const MINUTE = 60 * SECOND;

/**
 * Evidence to open a zone violation: `fixes` consecutive confident GNSS fixes AND at least
 * `seconds` between the first and the last (DOMAIN.md: more than one fix, always).
 */
export interface EvidenceRule {
  readonly fixes: number;
  readonly seconds: number;
}

export interface LevelParameters {
  readonly reportIntervalMs: number;
  /** Interval devices are told to use while a violation is pending or open (commercial monitors: 15 s). */
  readonly fastReportIntervalMs: number;
  /** No fix or event for longer than this opens lost contact (issue 4 defaults). */
  readonly lostContactMs: number;
  /** Curfew, jurisdiction, protected-person proximity and person–device separation. */
  readonly zoneEvidence: EvidenceRule;
  /** Prohibition entry (Art. 31) must be stopped at once: less evidence than curfew. */
  readonly prohibitionEvidence: EvidenceRule;
  /** Consecutive confident fixes on the right side (and seconds) before a violation clears. */
  readonly clearEvidence: EvidenceRule;
  /** A fix implying a faster move from the last good fix is an outlier (accuracy is allowed for). */
  readonly maxSpeedMps: number;
}

export const LEVEL_PARAMETERS: Readonly<Record<SupervisionLevel, LevelParameters>> = {
  strict: {
    reportIntervalMs: 60 * SECOND,
    fastReportIntervalMs: 15 * SECOND,
    lostContactMs: 5 * MINUTE,
    zoneEvidence: { fixes: 3, seconds: 30 },
    prohibitionEvidence: { fixes: 2, seconds: 0 },
    clearEvidence: { fixes: 3, seconds: 60 },
    maxSpeedMps: 70,
  },
  normal: {
    reportIntervalMs: 120 * SECOND,
    fastReportIntervalMs: 15 * SECOND,
    lostContactMs: 15 * MINUTE,
    zoneEvidence: { fixes: 3, seconds: 60 },
    prohibitionEvidence: { fixes: 2, seconds: 0 },
    clearEvidence: { fixes: 3, seconds: 90 },
    maxSpeedMps: 70,
  },
  lenient: {
    reportIntervalMs: 300 * SECOND,
    fastReportIntervalMs: 15 * SECOND,
    lostContactMs: 60 * MINUTE,
    zoneEvidence: { fixes: 4, seconds: 120 },
    prohibitionEvidence: { fixes: 2, seconds: 0 },
    clearEvidence: { fixes: 3, seconds: 120 },
    maxSpeedMps: 70,
  },
};

/**
 * A single fix may open a prohibition entry only when it is at least this deep inside and at
 * ≥ SATURATION confidence (4.5 σ): a lone GNSS outlier that deep also has to pass the speed filter.
 */
export const PROHIBITION_SINGLE_FIX_DEPTH_M = 40;

/**
 * Approach bands (issue 7: p95 detection delay within two reporting intervals). A fix this near a
 * prohibition zone's bounding box, or this near a protected person's circle, switches the devices
 * to fast reporting before the person is inside: evidence is then gathered at 15 s, and an indoor
 * run of uncertain fixes no longer drops the device back to the slow interval between attempts.
 * The prohibition band must stay within the near grid's margin (near-grid.ts), whose cell lists are
 * complete to that distance. Only fixes at least this accurate move the flag; a cell fix keeps it.
 */
export const PROHIBITION_APPROACH_M = 150;
export const PROTECTED_APPROACH_M = 1_000;
export const APPROACH_MAX_ACC_M = 100;

/** Battery thresholds for fix-reported battery (%): open below LOW, clear at or above CLEAR. */
export const BATTERY_LOW_PCT = 15;
export const BATTERY_CLEAR_PCT = 25;
/**
 * A charging report holds back a low-battery alert for at most this long: a charger lifts the level
 * above BATTERY_LOW_PCT well within it, so a low reading later means the charging stopped without a
 * charging_stop reaching us (R12: a device drained 90 % to 5 % with no alert).
 */
export const CHARGING_LIFTS_LOW_MS = 2 * 60 * MINUTE;

/**
 * A strap tamper (or case open) report this long after the previous one is a new cut, not the same
 * one going on: an episode that never ended made every later cut an update of an incident the
 * officer had already resolved, and it was dropped (a missed critical alert). Devices repeat the
 * report every few minutes while the strap stays open, so one open strap stays one episode.
 */
export const TAMPER_REPEAT_MS = 30 * MINUTE;

/**
 * A monitor's next fix is overdue this many reporting intervals after its last one: until then it may
 * still be on its way (normal jitter and delivery delay), and a check that judges the last known
 * position instead of waiting for it (the curfew presence check, evaluate-clock.ts) must not run.
 */
export const FIX_OVERDUE_INTERVALS = 1.5;

/**
 * How fast a person seen before a curfew window may have been heading home (city traffic, m/s): a
 * fix from before the window shows them confidently out at its start only if, from there, they
 * could not have been home by then (curfew-start.ts). A monitor that misses its fixes on the drive
 * home (3 km out at 21:55, through the door at 22:00:30) is not in breach at 22:00.
 */
export const PRESENCE_REACH_MPS = 10;

/** A decision made from a fix that arrived more than this after its own time is marked late. */
export const LATE_AFTER_MS = 2 * MINUTE;

/** Consecutive outlier rejections after which the track re-anchors on the new position. */
export const MAX_CONSECUTIVE_JUMPS = 3;

/**
 * Backfill (evaluate-backfill.ts): two judged fixes further apart than this many reporting intervals
 * leave a gap that stored fixes may fill later; below it the jitter of normal reporting never does.
 */
export const GAP_MIN_INTERVALS = 1.5;
/** A gap is remembered for stored fixes this long after the live fix that ended it (event time). */
export const BACKFILL_WINDOW_MS = 60 * MINUTE;
