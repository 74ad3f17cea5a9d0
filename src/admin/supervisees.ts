import { randomUUID } from 'node:crypto';
import type { SupervisionLevel } from '../../schemas/enums.js';
import type { AdminContext } from './admin-context.js';

export interface NewSupervisee {
  id?: string;
  orgUnitId: string;
  name: string;
  level: SupervisionLevel;
  officerId?: string | null;
}

export async function createSupervisee(ctx: AdminContext, input: NewSupervisee): Promise<string> {
  const id = input.id ?? randomUUID();
  await ctx.pool.query(
    'insert into supervisees (id, org_unit_id, name, level, officer_id) values ($1, $2, $3, $4, $5)',
    [id, input.orgUnitId, input.name, input.level, input.officerId ?? null],
  );
  await ctx.directoryChanged();
  return id;
}
