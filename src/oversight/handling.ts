// Handling quality (虚管: supervision that exists only on paper), per judicial office and per officer,
// over a period [from, to). Pure: the SQL reader (readers.ts) supplies the rows, this computes.
//
// Cohort: incidents OPENED in [from, to). Their times to acknowledge / resolve are measured to the
// moment it happened, even after `to`. The open backlog is not a period figure: it is every
// incident unresolved at `now`, by its age at `now`.
// Offices: an incident counts for the office of its supervisee at the time it opened (org_unit_id).
// Officers: acknowledge/resolve figures go to the user who did it (incident_events actor); the rate
// and the open backlog go to the officer the supervisee is assigned to (supervisees.officer_id).
import { coveredMs, DAY_MS, type Interval, percentile, round } from './stats.js';

export interface HandlingIncident {
  readonly id: number;
  readonly orgUnitId: string;
  /** supervisees.officer_id of the incident's person. */
  readonly assignedOfficerId: string | null;
  readonly openedAt: number;
  readonly acknowledgedAt: number | null;
  readonly resolvedAt: number | null;
  /** Actor of the first 'acknowledged' event; for an incident resolved without one, the resolver. */
  readonly ackActor: string | null;
  /** Actor of the 'resolved' event. */
  readonly resolveActor: string | null;
  readonly disposition: string | null;
  readonly escalationLevel: number;
  readonly resolved: boolean;
}

/** One person's EM order period (already cut at revocation). */
export interface SupervisedPeriod extends Interval {
  readonly superviseeId: string;
  readonly orgUnitId: string;
  readonly officerId: string | null;
}

export interface HandlingInput {
  readonly from: number;
  readonly to: number;
  readonly now: number;
  readonly offices: readonly { id: string; name: string }[];
  readonly officers: readonly { id: string; name: string; orgUnitId: string }[];
  /** Incidents opened in [from, to) plus every incident unresolved at `now`. */
  readonly incidents: readonly HandlingIncident[];
  readonly periods: readonly SupervisedPeriod[];
}

export interface DurationStats {
  count: number;
  p50S: number | null;
  p95S: number | null;
}

export const AGE_BUCKETS = ['under1h', 'h1to24', 'd1to7', 'over7d'] as const;
export type AgeBucket = (typeof AGE_BUCKETS)[number];

export function ageBucket(ageMs: number): AgeBucket {
  if (ageMs < 3_600_000) return 'under1h';
  if (ageMs < DAY_MS) return 'h1to24';
  if (ageMs < 7 * DAY_MS) return 'd1to7';
  return 'over7d';
}

export interface OfficeHandling {
  orgUnitId: string;
  name: string;
  incidentsOpened: number;
  supervisedPersonDays: number;
  incidentsPerPersonDay: number | null;
  acknowledge: DurationStats;
  resolve: DurationStats;
  escalated: { toCounty: number; toCity: number };
  openByAge: Record<AgeBucket, number>;
  dispositions: Record<string, number>;
}

export interface OfficerHandling {
  userId: string;
  name: string;
  orgUnitId: string;
  /** Incidents of the cohort this user acknowledged or resolved. */
  handled: number;
  acknowledge: DurationStats;
  resolve: DurationStats;
  /** Of the incidents this user handled, how many had escalated (to county / to city). */
  escalated: { toCounty: number; toCity: number };
  dispositions: Record<string, number>;
  /** People assigned to this officer: their supervised person-days, incidents and open backlog. */
  assigned: {
    incidentsOpened: number;
    supervisedPersonDays: number;
    incidentsPerPersonDay: number | null;
    openByAge: Record<AgeBucket, number>;
  };
}

export interface HandlingReport {
  from: string;
  to: string;
  now: string;
  offices: OfficeHandling[];
  officers: OfficerHandling[];
}

function durations(incidents: readonly HandlingIncident[], at: (i: HandlingIncident) => number | null) {
  const values: number[] = [];
  for (const i of incidents) {
    const t = at(i);
    if (t !== null) values.push((t - i.openedAt) / 1000);
  }
  return {
    count: values.length,
    p50S: percentile(values, 0.5),
    p95S: percentile(values, 0.95),
  };
}

function escalated(incidents: readonly HandlingIncident[]) {
  return {
    toCounty: incidents.filter((i) => i.escalationLevel >= 1).length,
    toCity: incidents.filter((i) => i.escalationLevel >= 2).length,
  };
}

function dispositions(incidents: readonly HandlingIncident[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const i of incidents) {
    if (i.resolved && i.disposition) out[i.disposition] = (out[i.disposition] ?? 0) + 1;
  }
  return out;
}

function openByAge(incidents: readonly HandlingIncident[], now: number): Record<AgeBucket, number> {
  const out = { under1h: 0, h1to24: 0, d1to7: 0, over7d: 0 };
  for (const i of incidents) if (!i.resolved) out[ageBucket(now - i.openedAt)]++;
  return out;
}

function personDays(periods: readonly SupervisedPeriod[], from: number, to: number): number {
  const byPerson = new Map<string, Interval[]>();
  for (const p of periods) {
    const list = byPerson.get(p.superviseeId) ?? [];
    list.push(p);
    byPerson.set(p.superviseeId, list);
  }
  let ms = 0;
  for (const list of byPerson.values()) ms += coveredMs(list, from, to);
  return ms / DAY_MS;
}

export function aggregateHandling(input: HandlingInput): HandlingReport {
  const { from, to, now } = input;
  // Supervised time cannot lie in the future.
  const until = Math.min(to, now);
  const inCohort = (i: HandlingIncident) => i.openedAt >= from && i.openedAt < to;
  const cohort = input.incidents.filter(inCohort);
  const unresolved = input.incidents.filter((i) => !i.resolved && i.openedAt <= now);

  const offices = input.offices.map((o): OfficeHandling => {
    const mine = cohort.filter((i) => i.orgUnitId === o.id);
    const days = personDays(
      input.periods.filter((p) => p.orgUnitId === o.id),
      from,
      until,
    );
    return {
      orgUnitId: o.id,
      name: o.name,
      incidentsOpened: mine.length,
      supervisedPersonDays: round(days),
      incidentsPerPersonDay: days > 0 ? round(mine.length / days, 6) : null,
      acknowledge: durations(mine, (i) => i.acknowledgedAt),
      resolve: durations(mine, (i) => i.resolvedAt),
      escalated: escalated(mine),
      openByAge: openByAge(
        unresolved.filter((i) => i.orgUnitId === o.id),
        now,
      ),
      dispositions: dispositions(mine),
    };
  });

  const officers = input.officers.map((u): OfficerHandling => {
    const acked = cohort.filter((i) => i.ackActor === u.id && i.acknowledgedAt !== null);
    const resolved = cohort.filter((i) => i.resolveActor === u.id && i.resolved);
    const handled = cohort.filter((i) => i.ackActor === u.id || i.resolveActor === u.id);
    const assigned = cohort.filter((i) => i.assignedOfficerId === u.id);
    const days = personDays(
      input.periods.filter((p) => p.officerId === u.id),
      from,
      until,
    );
    return {
      userId: u.id,
      name: u.name,
      orgUnitId: u.orgUnitId,
      handled: handled.length,
      acknowledge: durations(acked, (i) => i.acknowledgedAt),
      resolve: durations(resolved, (i) => i.resolvedAt),
      escalated: escalated(handled),
      dispositions: dispositions(resolved),
      assigned: {
        incidentsOpened: assigned.length,
        supervisedPersonDays: round(days),
        incidentsPerPersonDay: days > 0 ? round(assigned.length / days, 6) : null,
        openByAge: openByAge(
          unresolved.filter((i) => i.assignedOfficerId === u.id),
          now,
        ),
      },
    };
  });

  return {
    from: new Date(from).toISOString(),
    to: new Date(to).toISOString(),
    now: new Date(now).toISOString(),
    offices,
    officers,
  };
}
