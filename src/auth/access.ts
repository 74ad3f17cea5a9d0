// Who may see and do what (DOMAIN.md "Who uses it"). Scope is the caller's org unit path: a user sees
// and acts on what lies at or below their unit, never beside or above it. The procuratorate's
// auditor reads everything in its scope (检察监督) and writes nothing.
import type pg from 'pg';
import type { OrgLevel, Role } from '../../schemas/enums.js';

export interface Caller {
  readonly userId: string;
  readonly username: string;
  readonly role: Role;
  readonly orgUnitId: string;
  /** '/city/county/office/' of the caller's unit. */
  readonly orgPath: string;
  readonly orgLevel: OrgLevel;
}

export function inScope(caller: Pick<Caller, 'orgPath'>, path: string | null | undefined): boolean {
  return typeof path === 'string' && path.startsWith(caller.orgPath);
}

/** A LIKE pattern matching every path at or below `path` (wildcards in the path escaped). */
export function scopePattern(path: string): string {
  return `${path.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

export const canWrite = (role: Role): boolean => role !== 'auditor';

/** The unit level each role works at; an auditor may sit at any level of the procuratorate's view. */
export const ROLE_LEVEL: Readonly<Record<Role, OrgLevel | null>> = {
  officer: 'office',
  supervisor: 'county',
  administrator: 'city',
  auditor: null,
};

/** Which roles a caller may create user accounts for (always within its own scope). */
export function mayCreateRole(creator: Role, role: Role): boolean {
  if (creator === 'administrator') return true;
  if (creator === 'supervisor') return role === 'officer';
  return false;
}

/**
 * EM use is approved by the county agency (Art. 29): recording an order is a county or city action.
 */
export const mayRecordEmOrder = (role: Role): boolean => role === 'supervisor' || role === 'administrator';

/** Art. 27: the office approves leave up to 7 days, the county (or above) longer. */
export const approverLevelOf = (caller: Pick<Caller, 'orgLevel'>): 'office' | 'county' =>
  caller.orgLevel === 'office' ? 'office' : 'county';

export async function loadCaller(pool: pg.Pool, userId: string): Promise<Caller | null> {
  const res = await pool.query<{
    id: string;
    username: string;
    role: Role;
    disabled: boolean;
    org_unit_id: string;
    path: string;
    level: OrgLevel;
  }>(
    `select u.id, u.username, u.role, u.disabled, u.org_unit_id, o.path, o.level
     from users u join org_units o on o.id = u.org_unit_id where u.id = $1`,
    [userId],
  );
  const u = res.rows[0];
  if (!u || u.disabled) return null;
  return {
    userId: u.id,
    username: u.username,
    role: u.role,
    orgUnitId: u.org_unit_id,
    orgPath: u.path,
    orgLevel: u.level,
  };
}
