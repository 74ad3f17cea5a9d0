// The sampled review's evidence bundle for one person (issue 9 item 5): JSON with a sha256 over its
// content for machines, and the same content as a PDF for people. Any role may read a person in its
// scope (the auditor is the one who draws samples); every bundle served is recorded in the audit log
// with the person as subject, and so appears in that person's next bundle.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { appendAuditNow } from '../../audit/audit-log.js';
import type { Caller } from '../../auth/access.js';
import { renderEvidencePdfOffThread } from '../../oversight/evidence-pdf-thread.js';
import { readEvidence, readNames } from '../../oversight/readers.js';
import { contentHash } from '../../oversight/sample.js';
import { type ApiDeps, callerOf } from '../api-context.js';
import { IdParams, secured } from '../schemas.js';
import { personInScope } from '../scope.js';

export function oversightReviewRoutes(deps: ApiDeps) {
  /** Audits the read first (so a failed render still leaves its trace), then reads the bundle. */
  const bundle = async (caller: Caller, personId: string, format: 'json' | 'pdf') => {
    const person = await personInScope(deps.pool, caller, personId);
    await appendAuditNow(
      deps.pool,
      {
        actorUserId: caller.userId,
        actorRole: caller.role,
        action: 'oversight.review',
        subjectSuperviseeId: person.id,
        purpose: 'sampled review',
        detail: { report: 'review', format },
      },
      deps.clock(),
    );
    const content = {
      generatedAt: new Date(deps.clock()).toISOString(),
      ...(await readEvidence(deps.pool, person.id)),
    };
    return { content, sha256: contentHash(content) };
  };

  return async (app: FastifyInstance) => {
    const api = app.withTypeProvider<ZodTypeProvider>();
    const meta = { tags: ['oversight'], security: secured };

    api.get(
      '/oversight/review/:id',
      {
        schema: {
          ...meta,
          description:
            "One person's evidence bundle for a sampled review: orders and approvals, zones, leave, incidents " +
            'with handling history, a track summary and who viewed the person; with a sha256 over the content ' +
            '(canonical JSON, keys sorted).',
          params: IdParams,
        },
      },
      async (req) => bundle(callerOf(req), req.params.id, 'json'),
    );

    api.get(
      '/oversight/review/:id/pdf',
      {
        schema: {
          ...meta,
          description:
            'The same evidence bundle as a PDF (Chinese, with English headings) for people; every page carries ' +
            'the sha256 of the JSON content, which is also sent as the `x-content-sha256` header.',
          params: IdParams,
        },
      },
      async (req, reply) => {
        const caller = callerOf(req);
        const { content, sha256 } = await bundle(caller, req.params.id, 'pdf');
        const names = await readNames(deps.pool, content);
        const requester = await readNames(deps.pool, { viewedBy: [{ actorUserId: caller.userId }] });
        const pdf = await renderEvidencePdfOffThread({
          content,
          sha256,
          names,
          requestedBy: `${requester.get(caller.userId) ?? caller.userId} (${caller.role})`,
        });
        return reply
          .type('application/pdf')
          .header(
            'content-disposition',
            `attachment; filename="review-${encodeURIComponent(req.params.id)}.pdf"`,
          )
          .header('x-content-sha256', sha256)
          .header('cache-control', 'no-store')
          .send(pdf);
      },
    );
  };
}
