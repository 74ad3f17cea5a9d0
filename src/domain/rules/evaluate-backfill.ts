// Stored fixes that fill a gap, arriving after the live fix that ended it (a monitor back in coverage
// that sends its position first and its buffer after). Issue 4: "late fixes are evaluated in order;
// a violation found late is raised with its true start and marked late". Without this, every fix
// from the gap would be older than the last one judged, so stale: kept, never decisive, and a
// prohibition entry made while out of coverage would never be raised.
//
// The rules run over the gap's fixes in event-time order from the state remembered just before the
// gap (GapMark.before, set by evaluateFix), exactly as if they had come in time. What they find is
// reported only where it cannot contradict what the live fixes already decided (one incident per
// fact), for the zone rules (curfew, county, prohibition), each episode known by its true start:
// - an episode the live rules own (reported before the gap, carried on by the first live fix after
//   it: GapMark.settled; or running now, same start) is theirs;
// - an episode that opens and ends inside the gap is reported as such, late, with its true start;
// - one still open at the gap's last stored fix ends at the live fix after the gap, unless the live
//   rules have an episode of that rule going since then, or opened one starting at that fix: the
//   same fact, and the live incident is its one incident (its start is then the live one's);
// - an episode in the zone of a live episode that is open now is left on the stored track: incidents
//   are one per person, kind and zone, and its end would end the live incident mid-violation;
// - either way it is settled: later parts of the same backfill (a long buffer comes in several
//   messages) continue from where this one left off and do not report it again.
import type { AlertKind } from '../../../schemas/enums.js';
import type { Fix } from '../fix.js';
import { type AlertChange, alertChange } from './alert-change.js';
import { evaluateFix } from './evaluate-fix.js';
import type { Evaluation } from './evaluation.js';
import { NO_PEERS, type PeerPositions, type PersonRulesContext } from './person-context.js';
import { IDLE_TRACK, type PersonState, patchState, TrackPhase, type ZoneRule } from './person-state.js';

const ZONE_RULES = [
  ['curfew', 'curfew_breach'],
  ['jurisdiction', 'jurisdiction_exit'],
  ['prohibition', 'prohibition_entry'],
] as const satisfies ReadonlyArray<readonly [ZoneRule, AlertKind]>;

/** The changes of one rule split by episode (its true start), in order. */
function episodes(list: readonly AlertChange[]): AlertChange[][] {
  const out: AlertChange[][] = [];
  for (const c of list) {
    const current = out[out.length - 1];
    if (current && current[0]!.startedAt === c.startedAt) current.push(c);
    else out.push([c]);
  }
  return out;
}

/** Whether a fix older than the last judged one falls in the gap the state remembers. */
export function fillsGap(state: PersonState, ts: number): boolean {
  const gap = state.gap;
  return gap !== null && ts > gap.from && ts < gap.to;
}

export interface BackfillResult {
  /** The live state, its gap mark moved past the fixes judged here. */
  readonly state: PersonState;
  readonly changes: readonly AlertChange[];
  /** One evaluation per fix, in the order given (a fix may still be dropped: outlier, invalid...). */
  readonly results: readonly Evaluation[];
}

/** `fixes`: monitor fixes inside the live state's gap (fillsGap), in event-time order. */
export function evaluateBackfill(
  ctx: PersonRulesContext,
  live: PersonState,
  fixes: readonly Fix[],
  peers: PeerPositions = NO_PEERS,
): BackfillResult {
  const gap = live.gap;
  if (gap === null || fixes.length === 0) return { state: live, changes: [], results: [] };
  const settled: Partial<Record<ZoneRule, number>> = { ...gap.settled };
  const owned = (rule: ZoneRule, startedAt: number): boolean =>
    (live[rule] !== IDLE_TRACK && live[rule].since === startedAt) || settled[rule] === startedAt;
  const found = new Map<ZoneRule, AlertChange[]>();
  const results: Evaluation[] = [];
  let s = gap.before;
  let lastTs = gap.from;
  for (const fix of fixes) {
    if (!(fix.ts > lastTs && fix.ts < gap.to)) {
      results.push({ state: s, changes: [], dropped: 'stale' });
      continue;
    }
    const r = evaluateFix(ctx, s, fix, peers);
    results.push(r);
    s = r.state;
    if (r.dropped === undefined) lastTs = fix.ts;
    for (const c of r.changes) {
      const rule = ZONE_RULES.find(([, kind]) => kind === c.kind)?.[0];
      if (rule === undefined || owned(rule, c.startedAt)) continue;
      const list = found.get(rule) ?? [];
      list.push({ ...c, late: true });
      found.set(rule, list);
    }
  }

  const changes: AlertChange[] = [];
  for (const [rule, kind] of ZONE_RULES) {
    const liveTrack = live[rule];
    // Incidents are one per person, kind and zone while not resolved (apply-alert-changes.ts): a
    // clear for the zone of a live episode that is open would end that incident while its violation
    // goes on. A gap episode in that zone is left on the stored track (the live incident stands).
    const runningZone = liveTrack.phase === TrackPhase.open ? (liveTrack.zoneId ?? '') : null;
    for (const episode of episodes(found.get(rule) ?? [])) {
      const first = episode[0]!;
      const sameZoneAsRunning = runningZone !== null && (first.zoneId ?? '') === runningZone;
      if (episode[episode.length - 1]!.action === 'clear') {
        if (!sameZoneAsRunning) changes.push(...episode);
        continue;
      }
      // Still going at the gap's last stored fix (only the last episode can be).
      settled[rule] = first.startedAt;
      const liveHasIt =
        (liveTrack !== IDLE_TRACK && liveTrack.since >= gap.to) || gap.openedAtReturn?.includes(kind);
      // Still going when the monitor came back: the live incident is this fact.
      if (liveHasIt || sameZoneAsRunning) continue;
      changes.push(
        ...episode,
        alertChange({
          kind,
          action: 'clear',
          startedAt: first.startedAt,
          at: gap.to,
          confidence: 1,
          late: true,
          ...(first.zoneId !== undefined ? { zoneId: first.zoneId } : {}),
          detail: { reason: 'over_by_live_fix' },
        }),
      );
    }
  }

  const before = patchState(s, { gap: null });
  const mark = { ...gap, from: lastTs, before, settled };
  return { state: patchState(live, { gap: mark }), changes, results };
}
