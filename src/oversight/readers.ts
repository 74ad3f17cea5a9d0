// The SQL side of the oversight figures: one reader per report, each limited to the caller's scope
// (an org path prefix) and returning plain rows for the pure computations beside it.
import type pg from 'pg';
import { scopePattern } from '../auth/access.js';
import type { OrderRow } from './em-legality.js';
import type { HandlingIncident, HandlingInput, SupervisedPeriod } from './handling.js';
import type { LostContactRow } from './lost-contact.js';

type Queryable = Pick<pg.Pool, 'query'>;

const ms = (d: Date | null): number | null => (d ? d.getTime() : null);

/** The end of an order's force: its end, or its revocation if earlier. */
const ORDER_END = 'least(o.ends_at, coalesce(o.revoked_at, o.ends_at))';

export async function readHandling(
  db: Queryable,
  scopePath: string,
  period: { from: number; to: number; now: number },
): Promise<HandlingInput> {
  const scope = scopePattern(scopePath);
  const from = new Date(period.from);
  const to = new Date(period.to);
  const offices = await db.query<{ id: string; name: string }>(
    `select id, name from org_units where level = 'office' and path like $1 order by path`,
    [scope],
  );
  const incidents = await db.query<{
    id: string;
    org_unit_id: string;
    officer_id: string | null;
    opened_at: Date;
    acknowledged_at: Date | null;
    resolved_at: Date | null;
    state: string;
    disposition: string | null;
    escalation_level: number;
    ack_actor: string | null;
    resolve_actor: string | null;
  }>(
    `select i.id, i.org_unit_id, s.officer_id, i.opened_at, i.acknowledged_at, i.resolved_at, i.state, i.disposition,
       i.escalation_level,
       (select e.actor from incident_events e where e.incident_id = i.id and e.action = 'acknowledged'
          order by e.cursor limit 1) as ack_actor,
       (select e.actor from incident_events e where e.incident_id = i.id and e.action = 'resolved'
          order by e.cursor desc limit 1) as resolve_actor
     from incidents i join supervisees s on s.id = i.supervisee_id
     where i.org_path like $1 and ((i.opened_at >= $2 and i.opened_at < $3) or i.state <> 'resolved')`,
    [scope, from, to],
  );
  const periods = await db.query<{
    supervisee_id: string;
    org_unit_id: string;
    officer_id: string | null;
    starts_at: Date;
    end_at: Date;
  }>(
    `select o.supervisee_id, s.org_unit_id, s.officer_id, o.starts_at, ${ORDER_END} as end_at
     from em_orders o join supervisees s on s.id = o.supervisee_id join org_units u on u.id = s.org_unit_id
     where u.path like $1 and o.starts_at < $3 and ${ORDER_END} > $2`,
    [scope, from, to],
  );
  // Officers: those assigned people in scope, and any user who acknowledged or resolved an incident
  // of the period in scope (a county supervisor may act on an office's incident).
  const officers = await db.query<{ id: string; display_name: string; org_unit_id: string }>(
    `select u.id, u.display_name, u.org_unit_id from users u
     where u.id in (select s.officer_id from supervisees s join org_units o on o.id = s.org_unit_id
                    where o.path like $1)
        or u.id in (select e.actor from incidents i join incident_events e on e.incident_id = i.id
                    where i.org_path like $1 and i.opened_at >= $2 and i.opened_at < $3
                      and e.action in ('acknowledged', 'resolved'))
     order by u.id`,
    [scope, from, to],
  );
  return {
    ...period,
    offices: offices.rows,
    officers: officers.rows.map((u) => ({ id: u.id, name: u.display_name, orgUnitId: u.org_unit_id })),
    incidents: incidents.rows.map(
      (r): HandlingIncident => ({
        id: Number(r.id),
        orgUnitId: r.org_unit_id,
        assignedOfficerId: r.officer_id,
        openedAt: r.opened_at.getTime(),
        acknowledgedAt: ms(r.acknowledged_at),
        resolvedAt: ms(r.resolved_at),
        ackActor: r.ack_actor ?? (r.acknowledged_at ? r.resolve_actor : null),
        resolveActor: r.resolve_actor,
        disposition: r.disposition,
        escalationLevel: r.escalation_level,
        resolved: r.state === 'resolved',
      }),
    ),
    periods: periods.rows.map(
      (p): SupervisedPeriod => ({
        superviseeId: p.supervisee_id,
        orgUnitId: p.org_unit_id,
        officerId: p.officer_id,
        start: p.starts_at.getTime(),
        end: p.end_at.getTime(),
      }),
    ),
  };
}

export async function readLostContact(db: Queryable, scopePath: string): Promise<LostContactRow[]> {
  const res = await db.query<{
    id: string;
    supervisee_id: string;
    name: string;
    org_unit_id: string;
    state: string;
    started_at: Date;
    opened_at: Date;
    resolved_at: Date | null;
    disposition: string | null;
  }>(
    `select i.id, i.supervisee_id, s.name, i.org_unit_id, i.state, i.started_at, i.opened_at, i.resolved_at,
       i.disposition
     from incidents i join supervisees s on s.id = i.supervisee_id
     where i.org_path like $1 and i.kind = 'lost_contact'
     order by i.started_at desc, i.id desc limit 10000`,
    [scopePattern(scopePath)],
  );
  return res.rows.map((r) => ({
    incidentId: Number(r.id),
    superviseeId: r.supervisee_id,
    superviseeName: r.name,
    orgUnitId: r.org_unit_id,
    state: r.state,
    startedAt: r.started_at.getTime(),
    openedAt: r.opened_at.getTime(),
    resolvedAt: ms(r.resolved_at),
    disposition: r.disposition,
  }));
}

export interface OrderWithFirstFix extends OrderRow {
  /** The person's first fix inside the order's period, if any. */
  readonly firstFixAt: number | null;
}

export async function readOrders(db: Queryable, scopePath: string): Promise<OrderWithFirstFix[]> {
  const res = await db.query<{
    id: string;
    supervisee_id: string;
    org_unit_id: string;
    starts_at: Date;
    ends_at: Date;
    revoked_at: Date | null;
    renews_order_id: string | null;
    first_fix: Date | null;
  }>(
    `select o.id, o.supervisee_id, s.org_unit_id, o.starts_at, o.ends_at, o.revoked_at, o.renews_order_id,
       (select min(f.ts) from fixes f where f.supervisee_id = o.supervisee_id and f.ts >= o.starts_at
          and f.ts < ${ORDER_END}) as first_fix
     from em_orders o join supervisees s on s.id = o.supervisee_id join org_units u on u.id = s.org_unit_id
     where u.path like $1 order by o.supervisee_id, o.starts_at, o.id`,
    [scopePattern(scopePath)],
  );
  return res.rows.map((r) => ({
    id: r.id,
    superviseeId: r.supervisee_id,
    orgUnitId: r.org_unit_id,
    startsAt: r.starts_at.getTime(),
    endsAt: r.ends_at.getTime(),
    revokedAt: ms(r.revoked_at),
    renewsOrderId: r.renews_order_id,
    firstFixAt: ms(r.first_fix),
  }));
}

/**
 * The checks that must find nothing (Art. 29): fixes stored for a person outside every order in
 * force for them, incidents opened outside one, and orders lacking a ground or an approver.
 */
export async function readLegalityChecks(db: Queryable, scopePath: string) {
  const scope = scopePattern(scopePath);
  const fixes = await db.query<{ supervisee_id: string; n: number }>(
    `select f.supervisee_id, count(*)::int as n
     from fixes f join supervisees s on s.id = f.supervisee_id join org_units u on u.id = s.org_unit_id
     where u.path like $1 and not exists (
       select 1 from em_orders o where o.supervisee_id = f.supervisee_id and o.starts_at <= f.ts
         and f.ts < ${ORDER_END})
     group by f.supervisee_id order by f.supervisee_id`,
    [scope],
  );
  const incidents = await db.query<{ n: number }>(
    `select count(*)::int as n from incidents i
     where i.org_path like $1 and not exists (
       select 1 from em_orders o where o.supervisee_id = i.supervisee_id and o.starts_at <= i.opened_at
         and i.opened_at < ${ORDER_END})`,
    [scope],
  );
  const orders = await db.query<{ n: number }>(
    `select count(*)::int as n
     from em_orders o join supervisees s on s.id = o.supervisee_id join org_units u on u.id = s.org_unit_id
     where u.path like $1 and (o.ground is null or o.approver is null or length(trim(o.approver)) = 0)`,
    [scope],
  );
  return {
    fixesOutsideOrder: fixes.rows.reduce((sum, r) => sum + r.n, 0),
    fixesOutsideOrderByPerson: fixes.rows.map((r) => ({ superviseeId: r.supervisee_id, fixes: r.n })),
    incidentsOutsideOrder: incidents.rows[0]?.n ?? 0,
    ordersWithoutGroundOrApprover: orders.rows[0]?.n ?? 0,
  };
}

/** Devices that reported while assigned to nobody: refused as unknown_device, yet registered. */
export async function readUnassignedReporting(db: Queryable) {
  const res = await db.query<{ device_id: string; kind: string; n: number; first_at: Date; last_at: Date }>(
    `select l.device_id, d.kind, count(*)::int as n, min(l.received_at) as first_at, max(l.received_at) as last_at
     from dead_letters l join devices d on d.id = l.device_id
     where l.reason = 'unknown_device' and d.supervisee_id is null
     group by l.device_id, d.kind order by l.device_id`,
  );
  return res.rows.map((r) => ({
    deviceId: r.device_id,
    kind: r.kind,
    refusedMessages: r.n,
    firstAt: r.first_at.toISOString(),
    lastAt: r.last_at.toISOString(),
  }));
}

/** Everyone in scope with their office, for drawing a sample; and the offices in scope. */
export async function readSampleFrame(db: Queryable, scopePath: string) {
  const scope = scopePattern(scopePath);
  const offices = await db.query<{ id: string }>(
    `select id from org_units where level = 'office' and path like $1 order by path`,
    [scope],
  );
  const people = await db.query<{ id: string; org_unit_id: string }>(
    `select s.id, s.org_unit_id from supervisees s join org_units o on o.id = s.org_unit_id
     where o.path like $1 order by s.id`,
    [scope],
  );
  return {
    offices: offices.rows.map((o) => o.id),
    people: people.rows.map((p) => ({ id: p.id, orgUnitId: p.org_unit_id })),
  };
}

const isoOf = (d: Date | null) => (d ? d.toISOString() : null);

/**
 * One person's review bundle: EM orders with their approvals, zones and leave permits, incidents with
 * their handling history, a track summary (counts and first/last times, no positions) and the audit
 * records of who read or acted on the person.
 */
export async function readEvidence(db: Queryable, personId: string) {
  const person = await db.query(
    `select s.id, s.name, s.level, s.org_unit_id as "orgUnitId", s.officer_id as "officerId", s.created_at as "createdAt"
     from supervisees s where s.id = $1`,
    [personId],
  );
  const orders = await db.query(
    `select id, ground, approver, approved_by_user_id as "approvedByUserId", approved_at as "approvedAt",
       starts_at as "startsAt", ends_at as "endsAt", renews_order_id as "renewsOrderId", revoked_at as "revokedAt"
     from em_orders where supervisee_id = $1 order by starts_at, id`,
    [personId],
  );
  const zones = await db.query(
    `select z.id, z.kind, z.name, z.org_unit_id as "orgUnitId", z.schedule from zones z
     where z.supervisee_id = $1 or z.id in (select zone_id from zone_assignments where supervisee_id = $1)
     order by z.id`,
    [personId],
  );
  const leave = await db.query(
    `select id, destination_zone_id as "destinationZoneId", starts_at as "startsAt", ends_at as "endsAt", reason,
       status, approved_by_user_id as "approvedByUserId", approver_level as "approverLevel",
       returned_at as "returnedAt"
     from leave_permits where supervisee_id = $1 order by starts_at, id`,
    [personId],
  );
  const incidents = await db.query<{ id: string }>(
    `select id, kind, severity, state, started_at as "startedAt", opened_at as "openedAt",
       acknowledged_at as "acknowledgedAt", acknowledged_by as "acknowledgedBy", resolved_at as "resolvedAt",
       resolved_by as "resolvedBy", disposition, note, escalation_level as "escalationLevel"
     from incidents where supervisee_id = $1 order by opened_at, id`,
    [personId],
  );
  const events = await db.query<{
    incident_id: string;
    cursor: string;
    at: Date;
    actor: string;
    action: string;
  }>(
    `select e.incident_id, e.cursor, e.at, e.actor, e.action from incident_events e
     join incidents i on i.id = e.incident_id where i.supervisee_id = $1 order by e.cursor`,
    [personId],
  );
  const track = await db.query<{ fixes: number; first: Date | null; last: Date | null; days: number }>(
    `select count(*)::int as fixes, min(ts) as first, max(ts) as last,
       count(distinct date_trunc('day', ts))::int as days
     from fixes where supervisee_id = $1`,
    [personId],
  );
  const audit = await db.query<{
    id: string;
    at: Date;
    actor_user_id: string | null;
    actor_role: string | null;
    action: string;
    purpose: string | null;
  }>(
    `select id, at, actor_user_id, actor_role, action, purpose from audit_log
     where subject_supervisee_id = $1 order by id`,
    [personId],
  );
  const history = new Map<string, { at: string | null; actor: string; action: string }[]>();
  for (const e of events.rows) {
    const list = history.get(String(e.incident_id)) ?? [];
    list.push({ at: isoOf(e.at), actor: e.actor, action: e.action });
    history.set(String(e.incident_id), list);
  }
  const json = <T>(rows: T[]): T[] => JSON.parse(JSON.stringify(rows));
  const t = track.rows[0];
  return {
    person: json(person.rows)[0] ?? null,
    orders: json(orders.rows),
    zones: json(zones.rows),
    leavePermits: json(leave.rows),
    incidents: json(incidents.rows).map((i) => ({
      ...i,
      id: Number(i.id),
      history: history.get(String(i.id)) ?? [],
    })),
    track: {
      fixes: t?.fixes ?? 0,
      first: isoOf(t?.first ?? null),
      last: isoOf(t?.last ?? null),
      daysWithFixes: t?.days ?? 0,
    },
    viewedBy: audit.rows.map((a) => ({
      auditId: Number(a.id),
      at: a.at.toISOString(),
      actorUserId: a.actor_user_id,
      actorRole: a.actor_role,
      action: a.action,
      purpose: a.purpose,
    })),
  };
}

/**
 * Display names of the units and users a bundle names (its person's office and officer, approvers,
 * incident actors, readers in the audit log), so a printed bundle shows people rather than ids.
 */
export async function readNames(
  db: Queryable,
  bundle: {
    person?: { orgUnitId?: unknown; officerId?: unknown } | null;
    leavePermits?: { approvedByUserId?: unknown }[];
    incidents?: { history: { actor: string }[] }[];
    viewedBy?: { actorUserId: string | null }[];
  },
): Promise<Map<string, string>> {
  const ids = new Set<string>();
  const add = (v: unknown) => typeof v === 'string' && ids.add(v);
  add(bundle.person?.orgUnitId);
  add(bundle.person?.officerId);
  for (const l of bundle.leavePermits ?? []) add(l.approvedByUserId);
  for (const i of bundle.incidents ?? []) for (const e of i.history) add(e.actor);
  for (const a of bundle.viewedBy ?? []) add(a.actorUserId);
  const list = [...ids];
  const res = await db.query<{ id: string; name: string }>(
    `select id, display_name || ' (' || username || ')' as name from users where id = any($1)
     union all select id, name from org_units where id = any($1)`,
    [list],
  );
  return new Map(res.rows.map((r) => [r.id, r.name]));
}
