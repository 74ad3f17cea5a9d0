// Supervisees (社区矫正对象) with their supervision category (分类管理), within the caller's scope.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { SupervisionLevel } from '../../../schemas/enums.js';
import { createSupervisee } from '../../admin/supervisees.js';
import { scopePattern } from '../../auth/access.js';
import { type ApiDeps, auditedWrite, callerOf, writerOf } from '../api-context.js';
import { IdParams, OffsetPage, offsetPage, secured } from '../schemas.js';
import { assertAssignableOfficer, personInScope, unitInScope } from '../scope.js';

const NewSupervisee = z.object({
  orgUnitId: z.string().min(1),
  name: z.string().min(1).max(100),
  level: SupervisionLevel,
  officerId: z
    .string()
    .nullable()
    .optional()
    .describe('the responsible officer: an enabled officer of the person’s unit'),
});

const ListQuery = OffsetPage.extend({ level: SupervisionLevel.optional(), orgUnitId: z.string().optional() });

const COLUMNS = `s.id, s.org_unit_id as "orgUnitId", s.name, s.level, s.officer_id as "officerId",
  s.created_at as "createdAt"`;

export function superviseeRoutes(deps: ApiDeps) {
  return async (app: FastifyInstance) => {
    const api = app.withTypeProvider<ZodTypeProvider>();
    const meta = { tags: ['supervisees'], security: secured };
    api.get('/supervisees', { schema: { ...meta, querystring: ListQuery } }, async (req) => {
      const caller = callerOf(req);
      const q = req.query;
      const res = await deps.pool.query(
        `select ${COLUMNS} from supervisees s join org_units o on o.id = s.org_unit_id
         where o.path like $1 and ($2::text is null or s.level = $2) and ($3::text is null or s.org_unit_id = $3)
         order by s.created_at, s.id limit $4 offset $5`,
        [scopePattern(caller.orgPath), q.level ?? null, q.orgUnitId ?? null, q.limit, q.offset],
      );
      return offsetPage(res.rows, q);
    });
    api.get('/supervisees/:id', { schema: { ...meta, params: IdParams } }, async (req) => {
      await personInScope(deps.pool, callerOf(req), req.params.id);
      const res = await deps.pool.query(`select ${COLUMNS} from supervisees s where s.id = $1`, [
        req.params.id,
      ]);
      return res.rows[0];
    });
    api.post('/supervisees', { schema: { ...meta, body: NewSupervisee } }, async (req, reply) => {
      const caller = writerOf(req);
      const unit = await unitInScope(deps.pool, caller, req.body.orgUnitId);
      if (req.body.officerId) await assertAssignableOfficer(deps.pool, caller, unit.path, req.body.officerId);
      const id = await auditedWrite(
        deps,
        caller,
        (ctx) => createSupervisee(ctx, req.body),
        (newId) => ({
          action: 'supervisee.create',
          subjectSuperviseeId: newId,
          detail: { level: req.body.level },
        }),
      );
      return reply.code(201).send({ id });
    });
  };
}
