// A service on a fixed clock (so "now" in every figure is known to the test), on the embedded
// database or, when DATABASE_URL is set, on a fresh database created on that server for this suite;
// and a month of activity for two offices seeded directly with SQL.
import type pg from 'pg';
import { startTestServiceOnDatabaseUrl, type TestService } from '../support/service.js';

export function startOversightService(now: number): Promise<TestService> {
  return startTestServiceOnDatabaseUrl('em_oversight', {}, { clock: () => now });
}

export const DAY = 86_400_000;
export const S = 1000;

export interface SeedIncident {
  person: string;
  kind: string;
  startedAt?: number;
  openedAt: number;
  state: 'open' | 'acknowledged' | 'resolved';
  ack?: { at: number; by: string };
  resolve?: { at: number; by: string; disposition: string };
  escalationLevel: number;
}

/** Inserts one incident with its history (opened, escalations, acknowledged, resolved events). */
export async function insertIncident(db: pg.Pool, org: { id: string; path: string }, i: SeedIncident) {
  const updated = i.resolve?.at ?? i.ack?.at ?? i.openedAt;
  // As resolveIncident does: resolving an unacknowledged incident acknowledges it at the same moment.
  const ackAt = i.ack?.at ?? i.resolve?.at ?? null;
  const ackBy = i.ack?.by ?? i.resolve?.by ?? null;
  const res = await db.query<{ id: string }>(
    `insert into incidents (supervisee_id, org_unit_id, org_path, kind, severity, state, started_at, opened_at,
       updated_at, acknowledged_at, acknowledged_by, resolved_at, resolved_by, disposition, note, escalation_level)
     values ($1, $2, $3, $4, 'high', $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) returning id`,
    [
      i.person,
      org.id,
      org.path,
      i.kind,
      i.state,
      new Date(i.startedAt ?? i.openedAt),
      new Date(i.openedAt),
      new Date(updated),
      ackAt === null ? null : new Date(ackAt),
      ackBy,
      i.resolve ? new Date(i.resolve.at) : null,
      i.resolve?.by ?? null,
      i.resolve?.disposition ?? null,
      i.resolve ? 'seeded' : null,
      i.escalationLevel,
    ],
  );
  const id = res.rows[0]!.id;
  const event = (at: number, actor: string, action: string, data: Record<string, unknown> = {}) =>
    db.query(
      'insert into incident_events (incident_id, org_path, at, actor, action, data) values ($1, $2, $3, $4, $5, $6)',
      [id, org.path, new Date(at), actor, action, JSON.stringify(data)],
    );
  await event(i.openedAt, 'pipeline', 'opened');
  for (let level = 1; level <= i.escalationLevel; level++) {
    await event(i.openedAt + level * 60 * S, 'escalation', 'escalated', { escalated_to: level });
  }
  if (i.ack) await event(i.ack.at, i.ack.by, 'acknowledged');
  if (i.resolve) await event(i.resolve.at, i.resolve.by, 'resolved', { disposition: i.resolve.disposition });
  return Number(id);
}
