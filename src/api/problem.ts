// Errors as problem details (RFC 9457): `application/problem+json` with type, title, status, detail.
// Out-of-scope resources answer 404 like missing ones (issue 5: never disclose another unit's person).
import type { FastifyError, FastifyInstance } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { ValidationError } from '../admin/admin-context.js';
import { LeaveStateError } from '../admin/leave-permits.js';
import { ConflictError, ForbiddenError, NotFoundError } from '../auth/access-errors.js';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  [extension: string]: unknown;
}

/** An error that already knows its problem document; `slug` names its type (RFC 9457 §3.1.1). */
export class ProblemError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail?: string,
    readonly slug?: string,
    readonly extensions: Record<string, unknown> = {},
  ) {
    super(detail ?? title);
  }
}

const typeOf = (slug?: string) => (slug ? `urn:em:problem:${slug}` : 'about:blank');

const PG_PROBLEMS: Record<string, [number, string, string]> = {
  '23505': [409, 'Conflict', 'already-exists'],
  '23503': [422, 'Refers to something that does not exist', 'unknown-reference'],
  '23514': [422, 'Violates a rule of the record', 'rule-violation'],
  '22P02': [400, 'Malformed value', 'malformed'],
};

export function toProblem(err: unknown): Problem {
  if (err instanceof ProblemError) {
    return {
      type: typeOf(err.slug),
      title: err.title,
      status: err.status,
      detail: err.detail,
      ...err.extensions,
    };
  }
  if (hasZodFastifySchemaValidationErrors(err)) {
    return {
      type: typeOf('invalid-request'),
      title: 'Invalid request',
      status: 400,
      detail: err.message,
      errors: err.validation.map((v) => ({ path: v.instancePath, message: v.message })),
    };
  }
  if (err instanceof NotFoundError)
    return { type: typeOf('not-found'), title: 'Not found', status: 404, detail: err.message };
  if (err instanceof ForbiddenError) {
    return { type: typeOf('forbidden'), title: 'Forbidden', status: 403, detail: err.message };
  }
  if (err instanceof ConflictError || err instanceof LeaveStateError) {
    return {
      type: typeOf('state-conflict'),
      title: 'Conflict with the current state',
      status: 409,
      detail: err.message,
      ...(err instanceof ConflictError && err.reason ? { reason: err.reason, ...err.extensions } : {}),
    };
  }
  if (err instanceof ValidationError) {
    return {
      type: typeOf('rule-violation'),
      title: 'Refused by a rule',
      status: 422,
      detail: err.message,
      reasons: err.reasons,
    };
  }
  const pgCode = (err as { code?: unknown }).code;
  if (typeof pgCode === 'string' && PG_PROBLEMS[pgCode]) {
    const [status, title, slug] = PG_PROBLEMS[pgCode];
    return { type: typeOf(slug), title, status, detail: (err as Error).message };
  }
  const status = (err as FastifyError).statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return { type: 'about:blank', title: (err as Error).name, status, detail: (err as Error).message };
  }
  return { type: 'about:blank', title: 'Internal Server Error', status: 500 };
}

export function registerProblemHandlers(app: FastifyInstance): void {
  app.setErrorHandler((err, req, reply) => {
    const problem = toProblem(err);
    if (problem.status >= 500) req.log.error({ err }, 'request failed');
    if (problem.status === 429 && typeof problem.retryAfterS === 'number') {
      reply.header('retry-after', String(problem.retryAfterS));
    }
    return reply
      .code(problem.status)
      .type(PROBLEM_CONTENT_TYPE)
      .send({ ...problem, instance: req.url });
  });
  app.setNotFoundHandler((req, reply) =>
    reply
      .code(404)
      .type(PROBLEM_CONTENT_TYPE)
      .send({
        type: 'about:blank',
        title: 'Not Found',
        status: 404,
        detail: `no route ${req.method} ${req.url}`,
      }),
  );
}
