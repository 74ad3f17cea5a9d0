// The zones that apply to one supervisee, as the rules engine sees them (load-directory.ts): their
// own zones (residence, prohibition...), zones assigned to them, the jurisdiction boundary of the
// deepest unit above them, and their leave destinations. GET /zones lists zones by the caller's
// unit instead, which misses the county boundary an office officer's people must stay inside.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { type ApiDeps, callerOf } from '../api-context.js';
import { IdParams, secured } from '../schemas.js';
import { personInScope } from '../scope.js';
import { zoneFeature } from './zones.js';

export function consolePersonRoutes(deps: ApiDeps) {
  return async (app: FastifyInstance) => {
    const api = app.withTypeProvider<ZodTypeProvider>();
    api.get(
      '/console/supervisees/:id/zones',
      { schema: { tags: ['console'], security: secured, params: IdParams } },
      async (req) => {
        const person = await personInScope(deps.pool, callerOf(req), req.params.id);
        const res = await deps.pool.query(
          `select z.* from zones z where z.supervisee_id = $1
             or z.id in (select zone_id from zone_assignments where supervisee_id = $1)
             or z.id in (select destination_zone_id from leave_permits where supervisee_id = $1)
             or z.id = (select j.id from zones j join org_units o on o.id = j.org_unit_id
                        where j.kind = 'jurisdiction' and starts_with($2, o.path)
                        order by length(o.path) desc, j.created_at limit 1)
           order by z.created_at, z.id`,
          [person.id, person.path],
        );
        return { type: 'FeatureCollection', features: res.rows.map(zoneFeature) };
      },
    );
  };
}
