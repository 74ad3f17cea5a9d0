// The audit log (Art. 29, 54, 61: location data is confidential and used only for corrections work;
// every read of a track or position, and every action, is recorded: who, when, whose, what, why).
// Append-only and hash-chained: hash = sha256(prev_hash + canonical JSON of the row's fields), so
// changing, inserting or removing a row breaks every hash after it (scripts/audit-verify.ts).
import { createHash } from 'node:crypto';
import type pg from 'pg';
import type { Role } from '../../schemas/enums.js';

export const GENESIS_HASH = '0'.repeat(64);

export interface AuditEntry {
  readonly actorUserId: string | null;
  readonly actorRole: Role | null;
  readonly action: string;
  readonly subjectSuperviseeId?: string | null;
  /** Required for reads of a person's positions or track (Art. 54: only for corrections work). */
  readonly purpose?: string | null;
  readonly detail?: Record<string, unknown>;
}

/** The fields a row's hash covers, as stored. */
export interface AuditRecord {
  readonly id: number;
  readonly at: string;
  readonly actor_user_id: string | null;
  readonly actor_role: string | null;
  readonly action: string;
  readonly subject_supervisee_id: string | null;
  readonly purpose: string | null;
  readonly detail: unknown;
  readonly prev_hash: string;
}

/** JSON with object keys sorted at every depth, so jsonb's own key order cannot change a hash. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj)
    .filter((k) => obj[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`;
}

export function auditHash(record: AuditRecord): string {
  return createHash('sha256').update(record.prev_hash).update(canonicalJson(record)).digest('hex');
}

type Client = Pick<pg.PoolClient, 'query'>;

/**
 * Appends one entry inside the caller's transaction. The exclusive table lock serialises appends
 * across connections and instances, so the chain stays linear; it is held only until that commit.
 */
export async function appendAudit(client: Client, entry: AuditEntry, now = Date.now()): Promise<AuditRecord> {
  await client.query('lock table audit_log in exclusive mode');
  const last = await client.query<{ hash: string }>('select hash from audit_log order by id desc limit 1');
  const next = await client.query<{ id: number }>(
    "select nextval(pg_get_serial_sequence('audit_log', 'id'))::bigint as id",
  );
  const record: AuditRecord = {
    id: next.rows[0]!.id,
    at: new Date(now).toISOString(),
    actor_user_id: entry.actorUserId,
    actor_role: entry.actorRole,
    action: entry.action,
    subject_supervisee_id: entry.subjectSuperviseeId ?? null,
    purpose: entry.purpose ?? null,
    detail: entry.detail ?? {},
    prev_hash: last.rows[0]?.hash ?? GENESIS_HASH,
  };
  await client.query(
    `insert into audit_log (id, at, actor_user_id, actor_role, action, subject_supervisee_id, purpose, detail,
       prev_hash, hash) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
    [
      record.id,
      record.at,
      record.actor_user_id,
      record.actor_role,
      record.action,
      record.subject_supervisee_id,
      record.purpose,
      JSON.stringify(record.detail),
      record.prev_hash,
      auditHash(record),
    ],
  );
  return record;
}

/** Appends an entry in a transaction of its own (reads, which have no other write to join). */
export async function appendAuditNow(pool: pg.Pool, entry: AuditEntry, now = Date.now()): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('begin');
    await appendAudit(client, entry, now);
    await client.query('commit');
  } catch (err) {
    await client.query('rollback').catch(() => {});
    throw err;
  } finally {
    client.release();
  }
}
