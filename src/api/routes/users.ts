// User accounts within the caller's scope. An administrator creates any role, a supervisor creates
// officers; each role sits at its level of unit (officer: office, supervisor: county, administrator:
// city; an auditor at any level). Passwords are stored as scrypt hashes only.
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { Role } from '../../../schemas/enums.js';
import { mayCreateRole, ROLE_LEVEL, scopePattern } from '../../auth/access.js';
import { ForbiddenError } from '../../auth/access-errors.js';
import { hashPassword } from '../../auth/passwords.js';
import { type ApiDeps, auditedWrite, callerOf, writerOf } from '../api-context.js';
import { ProblemError } from '../problem.js';
import { OffsetPage, offsetPage, secured } from '../schemas.js';
import { unitInScope } from '../scope.js';

const NewUser = z.object({
  username: z.string().regex(/^[a-zA-Z0-9._-]{3,64}$/),
  displayName: z.string().min(1).max(100),
  role: Role,
  orgUnitId: z.string().min(1),
  password: z.string().min(12).max(200),
});

const COLUMNS = `u.id, u.username, u.display_name as "displayName", u.role, u.org_unit_id as "orgUnitId",
  u.disabled, u.created_at as "createdAt"`;

export function userRoutes(deps: ApiDeps) {
  return async (app: FastifyInstance) => {
    const api = app.withTypeProvider<ZodTypeProvider>();
    const meta = { tags: ['users'], security: secured };
    api.get(
      '/users',
      { schema: { ...meta, querystring: OffsetPage.extend({ role: Role.optional() }) } },
      async (req) => {
        const caller = callerOf(req);
        const q = req.query;
        const res = await deps.pool.query(
          `select ${COLUMNS} from users u join org_units o on o.id = u.org_unit_id
         where o.path like $1 and ($2::text is null or u.role = $2) order by u.username limit $3 offset $4`,
          [scopePattern(caller.orgPath), q.role ?? null, q.limit, q.offset],
        );
        return offsetPage(res.rows, q);
      },
    );
    api.post('/users', { schema: { ...meta, body: NewUser } }, async (req, reply) => {
      const caller = writerOf(req);
      const input = req.body;
      if (!mayCreateRole(caller.role, input.role)) {
        throw new ForbiddenError(`a ${caller.role} may not create ${input.role} accounts`);
      }
      const unit = await unitInScope(deps.pool, caller, input.orgUnitId);
      const level = ROLE_LEVEL[input.role];
      if (level && unit.level !== level) {
        throw new ProblemError(
          422,
          'Refused by a rule',
          `a ${input.role} belongs to a ${level} unit`,
          'rule-violation',
        );
      }
      const hash = await hashPassword(input.password);
      const id = await auditedWrite(
        deps,
        caller,
        async (_ctx, client) => {
          const newId = randomUUID();
          await client.query(
            `insert into users (id, org_unit_id, username, display_name, role, password_hash)
             values ($1, $2, $3, $4, $5, $6)`,
            [newId, input.orgUnitId, input.username, input.displayName, input.role, hash],
          );
          return newId;
        },
        (newId) => ({
          action: 'user.create',
          detail: { userId: newId, role: input.role, orgUnitId: input.orgUnitId },
        }),
      );
      return reply
        .code(201)
        .send({ id, username: input.username, role: input.role, orgUnitId: input.orgUnitId });
    });
  };
}
