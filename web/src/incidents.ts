// The incident queue's state. Incidents arrive two ways: REST snapshots (camelCase) and live
// messages carrying the stored row (snake_case). A snapshot may answer after a live message that is
// newer than it, or before one that is older, so a change is applied only when its updated_at is not
// older than what is held: the queue never steps back.
import type { Severity } from '../../schemas/enums.js';
import type { Incident } from './types.js';

export const SEVERITY_RANK: Record<Severity, number> = { critical: 0, high: 1, medium: 2, low: 3 };

const str = (v: unknown): string | null => (typeof v === 'string' ? v : v == null ? null : String(v));

/** A live message's `incident` (the incidents row as stored) in the REST shape. */
export function fromLiveRow(row: Record<string, unknown>): Incident {
  return {
    id: Number(row.id),
    superviseeId: String(row.supervisee_id),
    orgUnitId: String(row.org_unit_id),
    kind: row.kind as Incident['kind'],
    zoneId: str(row.zone_id),
    severity: row.severity as Severity,
    state: row.state as Incident['state'],
    conditionActive: Boolean(row.condition_active),
    startedAt: String(row.started_at),
    openedAt: String(row.opened_at),
    updatedAt: String(row.updated_at),
    acknowledgedAt: str(row.acknowledged_at),
    acknowledgedBy: str(row.acknowledged_by),
    resolvedAt: str(row.resolved_at),
    resolvedBy: str(row.resolved_by),
    disposition: str(row.disposition),
    note: str(row.note),
    escalationLevel: Number(row.escalation_level ?? 0),
    confidence: typeof row.confidence === 'number' ? row.confidence : null,
    late: Boolean(row.late),
  };
}

/**
 * Most severe first; within a severity, unacknowledged before those already in an officer's hands,
 * then the longest waiting first: the oldest untouched alert is the one most likely forgotten.
 */
export function queueOrder(a: Incident, b: Incident): number {
  return (
    SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] ||
    Number(a.state !== 'open') - Number(b.state !== 'open') ||
    Date.parse(a.openedAt) - Date.parse(b.openedAt) ||
    a.id - b.id
  );
}

export class IncidentStore {
  private readonly byId = new Map<number, Incident>();
  private readonly listeners = new Set<() => void>();

  /** Applies a change unless it is older than the one held; true when it was applied. */
  apply(incident: Incident): boolean {
    const held = this.byId.get(incident.id);
    if (held && Date.parse(incident.updatedAt) < Date.parse(held.updatedAt)) return false;
    this.byId.set(incident.id, incident);
    return true;
  }

  applyAll(incidents: readonly Incident[]): void {
    for (const incident of incidents) this.apply(incident);
    this.changed();
  }

  changed(): void {
    for (const listener of this.listeners) listener();
  }

  get(id: number): Incident | undefined {
    return this.byId.get(id);
  }

  active(): Incident[] {
    return [...this.byId.values()].filter((i) => i.state !== 'resolved').sort(queueOrder);
  }

  resolved(): Incident[] {
    return [...this.byId.values()]
      .filter((i) => i.state === 'resolved')
      .sort((a, b) => Date.parse(b.resolvedAt ?? b.updatedAt) - Date.parse(a.resolvedAt ?? a.updatedAt));
  }

  criticalUnacknowledged(): number {
    return this.active().filter((i) => i.severity === 'critical' && i.state === 'open').length;
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
