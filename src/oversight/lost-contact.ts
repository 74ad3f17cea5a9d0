// Lost supervision (脱管) register (Art. 30): every lost-contact case, its days off supervision and the
// sanction milestones it reached. Local practice escalates at fixed points (DOMAIN.md: over 10 days
// → warning, over a month → revocation proposal); the thresholds are parameters.
import { DAY_MS, round } from './stats.js';

export interface Milestone {
  readonly name: string;
  readonly days: number;
}

export const DEFAULT_MILESTONES: readonly Milestone[] = [
  { name: 'warning', days: 10 },
  { name: 'revocation_proposal', days: 30 },
];

export interface LostContactRow {
  readonly incidentId: number;
  readonly superviseeId: string;
  readonly superviseeName: string;
  readonly orgUnitId: string;
  readonly state: string;
  /** When contact was lost (incidents.started_at). */
  readonly startedAt: number;
  readonly openedAt: number;
  readonly resolvedAt: number | null;
  readonly disposition: string | null;
}

/**
 * One loss of contact, which may have been raised more than once: a silence that goes on after an
 * officer resolved its incident is raised again each whole day, with the same start
 * (src/incidents/incident-kinds.ts, REPORTED_AGAIN_AFTER_RESOLVE). Its time off supervision runs
 * from that start to the last incident's resolution, or on while one is unresolved.
 */
export interface LostContactEpisode extends LostContactRow {
  /** Every incident raised for it, oldest first; `incidentId` is the latest. */
  readonly incidentIds: readonly number[];
  /** Police were notified at any of its incidents. */
  readonly policeNotified: boolean;
}

/** Rows grouped into episodes (same person, same start), in the order of their latest incidents' rows. */
export function lostContactEpisodes(rows: readonly LostContactRow[]): LostContactEpisode[] {
  const groups = new Map<string, LostContactRow[]>();
  for (const r of rows) {
    const key = `${r.superviseeId}\u0000${r.startedAt}`;
    const group = groups.get(key);
    if (group) group.push(r);
    else groups.set(key, [r]);
  }
  return [...groups.values()].map((group) => {
    const byId = [...group].sort((a, b) => a.incidentId - b.incidentId);
    const latest = byId.at(-1)!;
    const open = byId.some((r) => r.resolvedAt === null);
    return {
      ...latest,
      openedAt: byId[0]!.openedAt,
      resolvedAt: open ? null : Math.max(...byId.map((r) => r.resolvedAt!)),
      incidentIds: byId.map((r) => r.incidentId),
      policeNotified: byId.some((r) => r.disposition === 'police_notified'),
    };
  });
}

export interface LostContactCase {
  /** The latest incident raised for the case; `incidentIds` has them all, oldest first. */
  incidentId: number;
  incidentIds: readonly number[];
  superviseeId: string;
  superviseeName: string;
  orgUnitId: string;
  state: string;
  startedAt: string;
  resolvedAt: string | null;
  /** Off supervision until resolution, or until now while unresolved. */
  ongoing: boolean;
  daysOff: number;
  milestones: { name: string; days: number; reached: boolean; reachedAt: string | null }[];
  disposition: string | null;
  policeNotified: boolean;
}

/**
 * One case: time off supervision runs from the loss of contact to resolution (or `now`); a milestone
 * of N days is reached when that time is at least N whole days, at start + N days.
 */
export function lostContactCase(
  row: LostContactRow | LostContactEpisode,
  now: number,
  milestones: readonly Milestone[],
): LostContactCase {
  const end = row.resolvedAt ?? now;
  const offMs = Math.max(0, end - row.startedAt);
  return {
    incidentId: row.incidentId,
    incidentIds: 'incidentIds' in row ? row.incidentIds : [row.incidentId],
    superviseeId: row.superviseeId,
    superviseeName: row.superviseeName,
    orgUnitId: row.orgUnitId,
    state: row.state,
    startedAt: new Date(row.startedAt).toISOString(),
    resolvedAt: row.resolvedAt === null ? null : new Date(row.resolvedAt).toISOString(),
    ongoing: row.resolvedAt === null,
    daysOff: round(offMs / DAY_MS, 2),
    milestones: milestones.map((m) => {
      const reached = offMs >= m.days * DAY_MS;
      return {
        name: m.name,
        days: m.days,
        reached,
        reachedAt: reached ? new Date(row.startedAt + m.days * DAY_MS).toISOString() : null,
      };
    }),
    disposition: row.disposition,
    policeNotified: 'policeNotified' in row ? row.policeNotified : row.disposition === 'police_notified',
  };
}

export function lostContactRegister(
  rows: readonly LostContactRow[],
  now: number,
  milestones: readonly Milestone[],
) {
  const cases = lostContactEpisodes(rows).map((r) => lostContactCase(r, now, milestones));
  return {
    now: new Date(now).toISOString(),
    summary: {
      cases: cases.length,
      ongoing: cases.filter((c) => c.ongoing).length,
      policeNotified: cases.filter((c) => c.policeNotified).length,
      milestonesReached: Object.fromEntries(
        milestones.map((m) => [
          m.name,
          cases.filter((c) => c.milestones.some((x) => x.name === m.name && x.reached)).length,
        ]),
      ),
    },
    cases,
  };
}
