// Links between supervisees (co-defendants, 同案犯): created by a writer who has both people in scope,
// listed per person (only the linked people the caller may see). Links drive gathering alerts.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { linkSupervisees } from '../../admin/supervisee-links.js';
import { scopePattern } from '../../auth/access.js';
import { type ApiDeps, auditedWrite, callerOf, writerOf } from '../api-context.js';
import { IdParams, secured } from '../schemas.js';
import { personInScope } from '../scope.js';

const NewLink = z.object({
  a: z.string().min(1),
  b: z.string().min(1),
  reason: z.string().min(1).max(200).describe('e.g. co-defendants (同案犯) in case …'),
});

const Link = z.object({ a: z.string(), b: z.string(), reason: z.string() });

export function superviseeLinkRoutes(deps: ApiDeps) {
  return async (app: FastifyInstance) => {
    const api = app.withTypeProvider<ZodTypeProvider>();
    const meta = { tags: ['supervisees'], security: secured };
    api.post(
      '/supervisee-links',
      {
        schema: {
          ...meta,
          summary: 'Links two supervisees (co-defendants): their meeting raises a gathering alert',
          body: NewLink,
          response: { 201: Link },
        },
      },
      async (req, reply) => {
        const caller = writerOf(req);
        await personInScope(deps.pool, caller, req.body.a);
        await personInScope(deps.pool, caller, req.body.b);
        const link = await auditedWrite(
          deps,
          caller,
          (ctx) => linkSupervisees(ctx, req.body),
          ({ a, b }) => ({
            action: 'supervisee.link',
            subjectSuperviseeId: a,
            detail: { linkedTo: b, reason: req.body.reason },
          }),
        );
        return reply.code(201).send({ ...link, reason: req.body.reason });
      },
    );
    api.get('/supervisees/:id/links', { schema: { ...meta, params: IdParams } }, async (req) => {
      const caller = callerOf(req);
      await personInScope(deps.pool, caller, req.params.id);
      const res = await deps.pool.query<{ superviseeId: string; reason: string }>(
        `select s.id as "superviseeId", l.reason from supervisee_links l
           join supervisees s on s.id = case when l.a = $1 then l.b else l.a end
           join org_units o on o.id = s.org_unit_id
         where (l.a = $1 or l.b = $1) and o.path like $2 order by s.id`,
        [req.params.id, scopePattern(caller.orgPath)],
      );
      return { items: res.rows };
    });
  };
}
