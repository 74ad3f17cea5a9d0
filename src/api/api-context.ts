// What the API routes need, and the one way they write: a use case and its audit entry in one
// transaction (issue 5: every action is recorded), with the directory reloaded after commit.
import type { FastifyRequest } from 'fastify';
import type pg from 'pg';
import type { AdminContext } from '../admin/admin-context.js';
import { type AuditEntry, appendAudit } from '../audit/audit-log.js';
import { type Caller, canWrite } from '../auth/access.js';
import { ForbiddenError } from '../auth/access-errors.js';
import type { LoginThrottle } from '../auth/login-throttle.js';
import type { TokenSigner } from '../auth/tokens.js';
import type { IncidentEventRow } from '../incidents/apply-alert-changes.js';

export interface ApiDeps {
  readonly pool: pg.Pool;
  readonly admin: AdminContext;
  readonly tokens: TokenSigner;
  readonly throttle: LoginThrottle;
  publish(rows: readonly IncidentEventRow[]): void;
  readonly clock: () => number;
}

declare module 'fastify' {
  interface FastifyRequest {
    caller: Caller | null;
  }
}

export function callerOf(req: FastifyRequest): Caller {
  if (!req.caller) throw new Error('route registered outside the authenticated scope');
  return req.caller;
}

/** The caller of a write route; read-only roles are refused before anything is looked up. */
export function writerOf(req: FastifyRequest): Caller {
  const caller = callerOf(req);
  if (!canWrite(caller.role)) throw new ForbiddenError('the auditor role is read-only');
  return caller;
}

export type AuditFields = Omit<AuditEntry, 'actorUserId' | 'actorRole'>;

/**
 * Runs `work` against a transaction-bound AdminContext (the admin use cases only call
 * `pool.query`), appends the audit entry in the same transaction, commits, then reloads the
 * directory if the use case changed it. Read-only roles are refused before anything runs.
 */
export async function auditedWrite<T>(
  deps: ApiDeps,
  caller: Caller,
  work: (ctx: AdminContext, client: pg.PoolClient) => Promise<T>,
  audit: (result: T) => AuditFields,
): Promise<T> {
  if (!canWrite(caller.role)) throw new ForbiddenError('the auditor role is read-only');
  const client = await deps.pool.connect();
  let directoryChanged = false;
  const tx: AdminContext = {
    pool: client as unknown as pg.Pool,
    brokerCredentials: deps.admin.brokerCredentials,
    directoryChanged: async () => {
      directoryChanged = true;
    },
  };
  let result: T;
  try {
    await client.query('begin');
    result = await work(tx, client);
    await appendAudit(
      client,
      { actorUserId: caller.userId, actorRole: caller.role, ...audit(result) },
      deps.clock(),
    );
    await client.query('commit');
  } catch (err) {
    await client.query('rollback').catch(() => {});
    throw err;
  } finally {
    client.release();
  }
  if (directoryChanged) await deps.admin.directoryChanged();
  return result;
}
