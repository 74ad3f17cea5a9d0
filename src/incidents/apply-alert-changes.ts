// Turns the rules' alert changes into incidents: one incident per person, kind (and zone) and
// episode, updated while it lasts. Runs inside the batch's transaction, so an incident change is
// stored with the fixes that caused it and published only after commit (ARCHITECTURE.md).
import type pg from 'pg';
import type { AlertChange } from '../domain/rules/alert-change.js';
import {
  NEEDS_OFFICER_TO_CLOSE,
  REPORTED_AGAIN_AFTER_RESOLVE,
  UPDATE_EVENT_INTERVAL_MS,
} from './incident-kinds.js';

export interface IncidentEventRow {
  cursor: number;
  incidentId: number;
  orgPath: string;
  at: string;
  actor: string;
  action: string;
  data: Record<string, unknown>;
}

export interface PersonScope {
  readonly orgUnitId: string;
  readonly orgPath: string;
}

type Client = Pick<pg.PoolClient, 'query'>;

/** The incident as consoles and the incident events see it: one list for every query that returns one. */
export const INCIDENT_COLUMNS = `id, supervisee_id, org_unit_id, org_path, kind, zone_id, severity, state, condition_active,
  started_at, opened_at, updated_at, acknowledged_at, acknowledged_by, resolved_at, resolved_by, disposition, note,
  escalation_level, confidence, late, evidence, reopened_at`;

export async function recordIncidentEvent(
  client: Client,
  incident: Record<string, unknown>,
  actor: string,
  action: string,
): Promise<IncidentEventRow> {
  const res = await client.query<{ cursor: number; at: Date }>(
    `insert into incident_events (incident_id, org_path, actor, action, data) values ($1, $2, $3, $4, $5)
     returning cursor, at`,
    [incident.id, incident.org_path, actor, action, JSON.stringify(incident)],
  );
  const row = res.rows[0]!;
  return {
    cursor: row.cursor,
    incidentId: incident.id as number,
    orgPath: incident.org_path as string,
    at: row.at.toISOString(),
    actor,
    action,
    data: incident,
  };
}

async function openIncident(
  client: Client,
  superviseeId: string,
  scope: PersonScope,
  change: AlertChange,
  now: number,
): Promise<IncidentEventRow> {
  const res = await client.query<Record<string, unknown>>(
    `insert into incidents (supervisee_id, org_unit_id, org_path, kind, zone_id, severity, state, started_at,
       opened_at, updated_at, announced_at, confidence, late, evidence)
     values ($1, $2, $3, $4, $5, $6, 'open', $7, $8, $8, $8, $9, $10, $11) returning ${INCIDENT_COLUMNS}`,
    [
      superviseeId,
      scope.orgUnitId,
      scope.orgPath,
      change.kind,
      change.zoneId ?? null,
      change.severity,
      new Date(change.startedAt),
      new Date(now),
      change.confidence,
      change.late,
      JSON.stringify(change.evidence.slice(-10)),
    ],
  );
  return recordIncidentEvent(client, { ...res.rows[0]!, detail: change.detail ?? {} }, 'rules', 'opened');
}

/**
 * An update of a kind that says something new after a resolution (REPORTED_AGAIN_AFTER_RESOLVE), made
 * (event time) after the latest resolution of that kind for the person: a report from before it,
 * delivered late, is what the officer resolved.
 * With no incident at all the open was lost somewhere: raise it rather than stay silent.
 */
async function reportedAfterResolve(
  client: Client,
  superviseeId: string,
  change: AlertChange,
): Promise<boolean> {
  if (change.action !== 'update' || !REPORTED_AGAIN_AFTER_RESOLVE.has(change.kind)) return false;
  const res = await client.query<{ resolved: Date | null }>(
    `select max(resolved_at) as resolved from incidents
     where supervisee_id = $1 and kind = $2 and coalesce(zone_id, '') = $3 and state = 'resolved'`,
    [superviseeId, change.kind, change.zoneId ?? ''],
  );
  const resolved = res.rows[0]?.resolved ?? null;
  return resolved === null || change.at > resolved.getTime();
}

export async function applyAlertChange(
  client: Client,
  superviseeId: string,
  scope: PersonScope,
  change: AlertChange,
  now: number,
): Promise<IncidentEventRow | null> {
  const zone = change.zoneId ?? '';
  const open = await client.query<Record<string, unknown> & { id: number; announced_at: Date | null }>(
    `select ${INCIDENT_COLUMNS}, announced_at from incidents
     where supervisee_id = $1 and kind = $2 and coalesce(zone_id, '') = $3 and state <> 'resolved' for update`,
    [superviseeId, change.kind, zone],
  );
  const existing = open.rows[0];
  const evidence = JSON.stringify(change.evidence.slice(-10));
  const detail = change.detail ?? {};
  if (change.action === 'open' && !existing) return openIncident(client, superviseeId, scope, change, now);
  if (!existing) {
    // An update or clear for an episode an officer already closed: dropped, unless it tells of
    // something the officer has not seen (REPORTED_AGAIN_AFTER_RESOLVE: a strap cut again, another
    // whole day off supervision).
    if (!(await reportedAfterResolve(client, superviseeId, change))) return null;
    const startedAt =
      REPORTED_AGAIN_AFTER_RESOLVE.get(change.kind) === 'still_going' ? change.startedAt : change.at;
    return openIncident(client, superviseeId, scope, { ...change, startedAt }, now);
  }
  // updated_at never steps back: it is the version consoles keep (web/src/incidents.ts applies a
  // change only when it is not older than the one held), and the batch's `now` was taken before this
  // lock; an officer's action may have committed a later one meanwhile, or on an instance whose clock
  // runs ahead. An older one here and consoles drop this change.
  if (change.action === 'clear') {
    const autoResolve = !NEEDS_OFFICER_TO_CLOSE.has(change.kind);
    const res = await client.query<Record<string, unknown>>(
      `update incidents set condition_active = false, updated_at = greatest(updated_at, $2),
         state = case when $3 then 'resolved' else state end,
         resolved_at = case when $3 then $2 else resolved_at end,
         disposition = case when $3 then 'condition_cleared' else disposition end
       where id = $1 returning ${INCIDENT_COLUMNS}`,
      [existing.id, new Date(now), autoResolve],
    );
    return recordIncidentEvent(
      client,
      { ...res.rows[0]!, detail },
      'rules',
      autoResolve ? 'auto_resolved' : 'cleared',
    );
  }
  // open (again) or update of a running episode: refresh evidence; announce at most once a minute.
  // A condition that had cleared and is back (the person in the prohibition zone again, an incident
  // kept open for the officer: NEEDS_OFFICER_TO_CLOSE) is announced at once: the once-a-minute limit
  // is for repeats, and held back here the consoles' last word would stay 'cleared' while the
  // violation goes on (what the console is told must match the incident). So is a new episode (an
  // 'open'): a new violation, not a repeat.
  const lastAnnounced = existing.announced_at?.getTime() ?? 0;
  const announce =
    change.action === 'open' ||
    existing.condition_active === false ||
    now - lastAnnounced >= UPDATE_EVENT_INTERVAL_MS;
  const reopen = isNewViolationOnAcknowledged(existing, change);
  const res = await client.query<Record<string, unknown>>(
    `update incidents set condition_active = true, updated_at = greatest(updated_at, $2), confidence = $3,
       evidence = $4, late = late or $5, severity = $6, announced_at = case when $7 then $2 else announced_at end,
       state = case when $8 then 'open' else state end, reopened_at = case when $8 then $2 else reopened_at end
     where id = $1 returning ${INCIDENT_COLUMNS}`,
    [existing.id, new Date(now), change.confidence, evidence, change.late, change.severity, announce, reopen],
  );
  if (!announce) return null;
  return recordIncidentEvent(client, { ...res.rows[0]!, detail }, 'rules', reopen ? 'reopened' : 'updated');
}

/**
 * A new violation (a new episode, or a condition that had cleared and is back) on an incident an
 * officer acknowledged: the acknowledgement was for the first one. It goes back to 'open' so every
 * console sees an unacknowledged incident again and escalation restarts from now (escalation.ts,
 * DOMAIN.md: officers are told at once when a rule is broken; an unacknowledged alert escalates).
 */
function isNewViolationOnAcknowledged(existing: Record<string, unknown>, change: AlertChange): boolean {
  if (existing.state !== 'acknowledged') return false;
  return change.action === 'open' || existing.condition_active === false;
}
