// Org units at or below the caller's unit (DOMAIN.md hierarchy: never beside or above).
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { scopePattern } from '../../auth/access.js';
import { type ApiDeps, callerOf } from '../api-context.js';
import { IdParams, secured } from '../schemas.js';
import { unitInScope } from '../scope.js';

const COLUMNS = 'id, parent_id as "parentId", level, name, name_en as "nameEn", path';

export function orgUnitRoutes(deps: ApiDeps) {
  return async (app: FastifyInstance) => {
    const api = app.withTypeProvider<ZodTypeProvider>();
    const meta = { tags: ['org units'], security: secured };
    api.get('/org-units', { schema: meta }, async (req) => {
      const caller = callerOf(req);
      const res = await deps.pool.query(`select ${COLUMNS} from org_units where path like $1 order by path`, [
        scopePattern(caller.orgPath),
      ]);
      return { items: res.rows };
    });
    api.get('/org-units/:id', { schema: { ...meta, params: IdParams } }, async (req) => {
      await unitInScope(deps.pool, callerOf(req), req.params.id);
      const res = await deps.pool.query(`select ${COLUMNS} from org_units where id = $1`, [req.params.id]);
      return res.rows[0];
    });
  };
}
