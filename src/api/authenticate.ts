// Bearer tokens on every API route but login (RFC 6750). The caller is reloaded from the database on
// each request, so a disabled account or a moved user loses access at once, not at token expiry.
// Every request by the procuratorate's auditor is itself recorded (DOMAIN.md: every access it makes
// is logged), before any data is returned.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { appendAuditNow } from '../audit/audit-log.js';
import { loadCaller } from '../auth/access.js';
import { bearerToken } from '../http/bearer-token.js';
import type { ApiDeps } from './api-context.js';
import { ProblemError } from './problem.js';

export function authenticate(deps: ApiDeps) {
  return async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const token = bearerToken(req.headers.authorization);
    const claims = token ? deps.tokens.verify(token) : null;
    const caller = claims ? await loadCaller(deps.pool, claims.sub) : null;
    if (!caller) {
      reply.header('www-authenticate', 'Bearer realm="em", error="invalid_token"');
      throw new ProblemError(
        401,
        'Unauthorized',
        'a valid, unexpired bearer token is required',
        'unauthorized',
      );
    }
    req.caller = caller;
    if (caller.role === 'auditor') {
      await appendAuditNow(
        deps.pool,
        {
          actorUserId: caller.userId,
          actorRole: caller.role,
          action: 'api.access',
          detail: { method: req.method, route: req.routeOptions.url ?? req.url, url: req.url },
        },
        deps.clock(),
      );
    }
  };
}
