// Recomputes the audit chain from the first row: each row must name the previous row's hash and
// carry the hash of its own fields (audit-log.ts). Reads in pages so a long log needs little memory.
import type pg from 'pg';
import { type AuditRecord, auditHash, GENESIS_HASH } from './audit-log.js';

export interface ChainVerdict {
  readonly ok: boolean;
  readonly rows: number;
  /** The first row that does not fit the chain, and why. */
  readonly broken?: { readonly id: number; readonly reason: string };
}

const PAGE = 5000;

export async function verifyAuditChain(pool: pg.Pool): Promise<ChainVerdict> {
  let prev = GENESIS_HASH;
  let afterId = -1;
  let rows = 0;
  for (;;) {
    const page = await pool.query<Omit<AuditRecord, 'at'> & { at: Date; hash: string }>(
      `select id, at, actor_user_id, actor_role, action, subject_supervisee_id, purpose, detail, prev_hash, hash
       from audit_log where id > $1 order by id limit ${PAGE}`,
      [afterId],
    );
    for (const row of page.rows) {
      rows++;
      if (row.prev_hash !== prev) {
        return {
          ok: false,
          rows,
          broken: { id: row.id, reason: 'prev_hash does not match the previous row' },
        };
      }
      const { hash, ...fields } = row;
      if (auditHash({ ...fields, at: row.at.toISOString() }) !== hash) {
        return { ok: false, rows, broken: { id: row.id, reason: 'hash does not match the row’s contents' } };
      }
      prev = hash;
      afterId = row.id;
    }
    if (page.rows.length < PAGE) return { ok: true, rows };
  }
}
