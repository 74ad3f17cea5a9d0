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

export interface LostContactCase {
  incidentId: number;
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
  row: LostContactRow,
  now: number,
  milestones: readonly Milestone[],
): LostContactCase {
  const end = row.resolvedAt ?? now;
  const offMs = Math.max(0, end - row.startedAt);
  return {
    incidentId: row.incidentId,
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
    policeNotified: row.disposition === 'police_notified',
  };
}

export function lostContactRegister(
  rows: readonly LostContactRow[],
  now: number,
  milestones: readonly Milestone[],
) {
  const cases = rows.map((r) => lostContactCase(r, now, milestones));
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
