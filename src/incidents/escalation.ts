// Unacknowledged incidents escalate (DOMAIN.md 分类管理: the category sets how fast an unacknowledged
// alert escalates): office → county (escalation_level 1) → city (2). Delays run from opened_at, or
// from reopened_at when a new violation reopened an acknowledged incident (apply-alert-changes.ts),
// and depend on severity and the person's supervision category. Deciding is a pure function of
// (incidents, now); the runner applies its decisions from the service's clock tick.
import type pg from 'pg';
import type { Severity, SupervisionLevel } from '../../schemas/enums.js';
import { INCIDENT_COLUMNS, type IncidentEventRow, recordIncidentEvent } from './apply-alert-changes.js';
import { incidentTransaction, lockIncidentEvents } from './incident-actions.js';

const MINUTE = 60_000;

/**
 * [to county, to city] after opening, per severity and category; null never escalates (low
 * severity: battery and the like are worked by the office alone).
 */
export const ESCALATION_AFTER_MS: Readonly<
  Record<Severity, Readonly<Record<SupervisionLevel, readonly [number, number]>> | null>
> = {
  critical: {
    strict: [5 * MINUTE, 15 * MINUTE],
    normal: [10 * MINUTE, 30 * MINUTE],
    lenient: [15 * MINUTE, 45 * MINUTE],
  },
  high: {
    strict: [10 * MINUTE, 30 * MINUTE],
    normal: [20 * MINUTE, 60 * MINUTE],
    lenient: [30 * MINUTE, 90 * MINUTE],
  },
  medium: {
    strict: [30 * MINUTE, 120 * MINUTE],
    normal: [60 * MINUTE, 240 * MINUTE],
    lenient: [120 * MINUTE, 480 * MINUTE],
  },
  low: null,
};

export const ESCALATION_TARGET = { 1: 'county', 2: 'city' } as const;

export interface EscalationCandidate {
  readonly id: number;
  readonly state: 'open' | 'acknowledged' | 'resolved';
  readonly severity: Severity;
  readonly level: SupervisionLevel;
  readonly openedAt: number;
  /** Set when a new violation reopened it after an acknowledgement: the wait restarts then. */
  readonly reopenedAt?: number | null;
  readonly escalationLevel: number;
}

export interface Escalation {
  readonly id: number;
  readonly from: number;
  readonly to: 1 | 2;
}

/**
 * The level an incident should be at by `now`; never lower than it already is (a reopened incident
 * keeps the level it reached: those above already know of it; the next step waits its full delay).
 */
export function dueEscalationLevel(c: EscalationCandidate, now: number): number {
  const delays = ESCALATION_AFTER_MS[c.severity]?.[c.level];
  if (c.state !== 'open' || !delays) return c.escalationLevel;
  const elapsed = now - (c.reopenedAt ?? c.openedAt);
  const due = elapsed >= delays[1] ? 2 : elapsed >= delays[0] ? 1 : 0;
  return Math.max(due, c.escalationLevel);
}

export function decideEscalations(incidents: readonly EscalationCandidate[], now: number): Escalation[] {
  const out: Escalation[] = [];
  for (const c of incidents) {
    const to = dueEscalationLevel(c, now);
    if (to > c.escalationLevel) out.push({ id: c.id, from: c.escalationLevel, to: to as 1 | 2 });
  }
  return out;
}

export interface EscalationRunnerDeps {
  readonly pool: pg.Pool;
  publish(rows: readonly IncidentEventRow[]): void;
}

/** Loads open incidents below the top level, decides, and records each escalation. */
export async function runEscalations(deps: EscalationRunnerDeps, now: number): Promise<Escalation[]> {
  const res = await deps.pool.query<{
    id: number;
    state: EscalationCandidate['state'];
    severity: Severity;
    level: SupervisionLevel;
    opened_at: Date;
    reopened_at: Date | null;
    escalation_level: number;
  }>(
    `select i.id, i.state, i.severity, s.level, i.opened_at, i.reopened_at, i.escalation_level
     from incidents i join supervisees s on s.id = i.supervisee_id
     where i.state = 'open' and i.escalation_level < 2`,
  );
  const decided = decideEscalations(
    res.rows.map((r) => ({
      id: r.id,
      state: r.state,
      severity: r.severity,
      level: r.level,
      openedAt: r.opened_at.getTime(),
      reopenedAt: r.reopened_at?.getTime() ?? null,
      escalationLevel: r.escalation_level,
    })),
    now,
  );
  const applied: Escalation[] = [];
  for (const e of decided) {
    const rows = await incidentTransaction(deps, async (client) => {
      // Re-checked under the row lock: an officer may have acknowledged it meanwhile.
      const locked = await client.query<Record<string, unknown>>(
        `select ${INCIDENT_COLUMNS} from incidents where id = $1 and state = 'open' and escalation_level < $2
         for update`,
        [e.id, e.to],
      );
      if (!locked.rows[0]) return [];
      await lockIncidentEvents(client);
      // updated_at never steps back (consoles keep it as the version): `now` is the tick's start, and
      // a batch or an officer may have updated the incident since (apply-alert-changes.ts).
      const updated = await client.query<Record<string, unknown>>(
        `update incidents set escalation_level = $2, updated_at = greatest(updated_at, $3) where id = $1
         returning ${INCIDENT_COLUMNS}`,
        [e.id, e.to, new Date(now)],
      );
      const detail = { escalated_from: e.from, escalated_to: ESCALATION_TARGET[e.to] };
      return [
        await recordIncidentEvent(client, { ...updated.rows[0]!, ...detail }, 'escalation', 'escalated'),
      ];
    });
    if (rows.length > 0) applied.push(e);
  }
  return applied;
}
