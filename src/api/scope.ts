// Loads one resource together with the org path it belongs to, and answers 404 when it is missing
// or outside the caller's scope (issue 5: reading another unit's person answers 404, not 403).
import type pg from 'pg';
import type { OrgLevel, SupervisionLevel } from '../../schemas/enums.js';
import { type Caller, inScope } from '../auth/access.js';
import { NotFoundError } from '../auth/access-errors.js';
import { ProblemError } from './problem.js';

type Queryable = Pick<pg.Pool, 'query'>;

export interface ScopedUnit {
  id: string;
  path: string;
  level: OrgLevel;
}

export interface ScopedPerson {
  id: string;
  org_unit_id: string;
  path: string;
  name: string;
  level: SupervisionLevel;
  officer_id: string | null;
  created_at: Date;
}

export async function unitInScope(db: Queryable, caller: Caller, unitId: string): Promise<ScopedUnit> {
  const res = await db.query<ScopedUnit>('select id, path, level from org_units where id = $1', [unitId]);
  const unit = res.rows[0];
  if (!unit || !inScope(caller, unit.path)) throw new NotFoundError('org unit');
  return unit;
}

export async function personInScope(db: Queryable, caller: Caller, personId: string): Promise<ScopedPerson> {
  const res = await db.query<ScopedPerson>(
    `select s.id, s.org_unit_id, o.path, s.name, s.level, s.officer_id, s.created_at
     from supervisees s join org_units o on o.id = s.org_unit_id where s.id = $1`,
    [personId],
  );
  const person = res.rows[0];
  if (!person || !inScope(caller, person.path)) throw new NotFoundError('supervisee');
  return person;
}

/**
 * A person's responsible officer: an enabled officer account who can see the person (its unit at or
 * above the person's) and whom the caller can see. Anything else, including an id that exists only in
 * another county, gets the same 422, so the answer says nothing about accounts outside the scope.
 */
export async function assertAssignableOfficer(
  db: Queryable,
  caller: Caller,
  personUnitPath: string,
  officerId: string,
): Promise<void> {
  const res = await db.query<{ path: string }>(
    `select o.path from users u join org_units o on o.id = u.org_unit_id
     where u.id = $1 and u.role = 'officer' and not u.disabled`,
    [officerId],
  );
  const officer = res.rows[0];
  if (officer && inScope(caller, officer.path) && inScope({ orgPath: officer.path }, personUnitPath)) return;
  throw new ProblemError(
    422,
    'Refused by a rule',
    'officerId: no officer of this person’s unit has that id',
    'rule-violation',
  );
}

export interface ScopedDevice {
  id: string;
  supervisee_id: string | null;
  kind: 'ankle' | 'phone';
  disabled: boolean;
  path: string | null;
}

/**
 * A device belongs to its supervisee's unit, a protected person's phone to the unit that registered
 * it; any other unassigned device is visible at city level only.
 */
export async function deviceInScope(db: Queryable, caller: Caller, deviceId: string): Promise<ScopedDevice> {
  const res = await db.query<ScopedDevice>(
    `select d.id, d.supervisee_id, d.kind, d.disabled, coalesce(o.path, du.path) as path
     from devices d left join supervisees s on s.id = d.supervisee_id left join org_units o on o.id = s.org_unit_id
       left join org_units du on du.id = d.org_unit_id
     where d.id = $1`,
    [deviceId],
  );
  const device = res.rows[0];
  const visible = device && (device.path ? inScope(caller, device.path) : caller.orgLevel === 'city');
  if (!device || !visible) throw new NotFoundError('device');
  return device;
}

export async function zoneInScope(
  db: Queryable,
  caller: Caller,
  zoneId: string,
): Promise<Record<string, unknown> & { id: string; path: string }> {
  const res = await db.query<Record<string, unknown> & { id: string; path: string }>(
    `select z.*, o.path from zones z join org_units o on o.id = z.org_unit_id where z.id = $1`,
    [zoneId],
  );
  const zone = res.rows[0];
  if (!zone || !inScope(caller, zone.path)) throw new NotFoundError('zone');
  return zone;
}
