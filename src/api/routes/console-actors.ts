// Who handled an incident, by name: incident_events.actor holds a user id, and GET /users shows only
// users at or below the caller's unit, so an auditor or a county reviewer could not name a city
// officer who acted in their scope. This names exactly the users who acted on incidents the caller
// may see, and nobody else.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { scopePattern } from '../../auth/access.js';
import { type ApiDeps, callerOf } from '../api-context.js';
import { secured } from '../schemas.js';

const ActorQuery = z.object({
  ids: z
    .string()
    .max(4000)
    .transform((s) => s.split(',').filter(Boolean).slice(0, 100))
    .describe('comma-separated user ids, as in incident histories'),
});

export function consoleActorRoutes(deps: ApiDeps) {
  return async (app: FastifyInstance) => {
    const api = app.withTypeProvider<ZodTypeProvider>();
    api.get(
      '/console/actors',
      { schema: { tags: ['console'], security: secured, querystring: ActorQuery } },
      async (req) => {
        const res = await deps.pool.query(
          `select u.id, u.username, u.display_name as "displayName", u.role, o.name as "orgUnitName"
         from users u join org_units o on o.id = u.org_unit_id
         where u.id = any($1::text[])
           and exists (select 1 from incident_events e where e.actor = u.id and e.org_path like $2)`,
          [req.query.ids, scopePattern(callerOf(req).orgPath)],
        );
        return { items: res.rows };
      },
    );
  };
}
