// POST /auth/login → bearer token (HS256, expiry TOKEN_TTL_S). Throttled per client address and
// username; unknown users cost the same scrypt work as known ones, so timing reveals nothing.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { Role } from '../../../schemas/enums.js';
import { appendAuditNow } from '../../audit/audit-log.js';
import { hashPassword, verifyPassword } from '../../auth/passwords.js';
import { type ApiDeps, callerOf } from '../api-context.js';
import { ProblemError } from '../problem.js';
import { IsoInstant, secured } from '../schemas.js';

const LoginBody = z.object({ username: z.string().min(1).max(100), password: z.string().min(1).max(200) });

const LoginResponse = z.object({
  token: z.string(),
  tokenType: z.literal('Bearer'),
  expiresAt: IsoInstant,
  user: z.object({ id: z.string(), username: z.string(), role: Role, orgUnitId: z.string() }),
});

let dummyHash: Promise<string> | undefined;

export function loginRoutes(deps: ApiDeps) {
  return async (app: FastifyInstance) => {
    const api = app.withTypeProvider<ZodTypeProvider>();
    api.post(
      '/auth/login',
      { schema: { tags: ['auth'], body: LoginBody, response: { 200: LoginResponse } } },
      async (req) => {
        const { username, password } = req.body;
        const key = `${req.ip}|${username.toLowerCase()}`;
        const waitMs = deps.throttle.retryAfterMs(key);
        if (waitMs > 0) {
          throw new ProblemError(429, 'Too many failed logins', 'try again later', 'login-throttled', {
            retryAfterS: Math.ceil(waitMs / 1000),
          });
        }
        const res = await deps.pool.query<{
          id: string;
          role: Role;
          password_hash: string;
          org_unit_id: string;
        }>('select id, role, password_hash, org_unit_id from users where username = $1 and not disabled', [
          username,
        ]);
        const user = res.rows[0];
        dummyHash ??= hashPassword('not-a-password');
        const ok = await verifyPassword(password, user?.password_hash ?? (await dummyHash));
        if (!user || !ok) {
          deps.throttle.recordFailure(key);
          await appendAuditNow(deps.pool, {
            actorUserId: user?.id ?? null,
            actorRole: user?.role ?? null,
            action: 'auth.login_failed',
            detail: { username, ip: req.ip },
          });
          throw new ProblemError(401, 'Unauthorized', 'unknown user or wrong password', 'bad-credentials');
        }
        deps.throttle.recordSuccess(key);
        await appendAuditNow(deps.pool, {
          actorUserId: user.id,
          actorRole: user.role,
          action: 'auth.login',
          detail: { ip: req.ip },
        });
        const { token, expiresAt } = deps.tokens.sign(user.id, user.role);
        return {
          token,
          tokenType: 'Bearer' as const,
          expiresAt: new Date(expiresAt).toISOString(),
          user: { id: user.id, username, role: user.role, orgUnitId: user.org_unit_id },
        };
      },
    );
  };
}

export async function meRoutes(app: FastifyInstance) {
  app.get('/auth/me', { schema: { tags: ['auth'], security: secured } }, async (req) => callerOf(req));
}
