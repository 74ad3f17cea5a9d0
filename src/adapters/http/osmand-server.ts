// OsmAnd protocol over HTTP as Traccar Client sends it (GET query, POST form, or POST JSON), on its own
// port (5055 by default, as Traccar). Each device presents its key: `key` in the query, a bearer token,
// or the last path segment (`/k/<key>`, for clients whose server URL is the only setting). The answer is
// 200 only after the fix, or its refusal as a dead letter, is committed (issue 3 item 5); the client
// retries anything else, so 4xx is kept for what it can mend (its id, its key, its rate).

import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyRequest } from 'fastify';
import { MAX_MESSAGE_BYTES } from '../../../schemas/wire/native.js';
import { bearerToken } from '../../http/bearer-token.js';
import { type OsmAndRequest, parseOsmAndForm } from '../../ingest/decode/index.js';
import type { IngestService } from '../../ingest/ingest-service.js';
import type { Logger } from '../../logger.js';

/**
 * Above the decoder's own payload limit (MAX_MESSAGE_BYTES), so an oversize request reaches the decoder
 * and is refused as oversize_payload, counted and dead-lettered, instead of a bare 413 from the framework.
 */
const MAX_BODY = 2 * MAX_MESSAGE_BYTES;

function keyOf(req: FastifyRequest, params: Record<string, unknown>): string | null {
  const bearer = bearerToken(req.headers.authorization);
  if (bearer !== null) return bearer;
  const fromPath = /^\/k\/([A-Za-z0-9_-]{16,})/.exec(req.url)?.[1];
  if (fromPath) return fromPath;
  const q = params.key;
  return typeof q === 'string' ? q : null;
}

/** The request as text for a dead letter, without the device's key. */
function scrub(text: string): string {
  return text.replace(/(^|[?&\n])key=[^&\s]*/g, '$1key=***').replace(/\/k\/[A-Za-z0-9_-]+/, '/k/***');
}

export async function buildOsmAndServer(ingest: IngestService, log: Logger): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: log.child({ component: 'osmand' }, { level: 'warn' }) as FastifyBaseLogger,
    bodyLimit: MAX_BODY,
  });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string', bodyLimit: MAX_BODY }, (_req, body, done) =>
    done(null, body),
  );

  const handler = async (req: FastifyRequest, reply: import('fastify').FastifyReply) => {
    const queryText = req.url.includes('?') ? req.url.slice(req.url.indexOf('?') + 1) : '';
    const body = typeof req.body === 'string' ? req.body : '';
    const isJson = (req.headers['content-type'] ?? '').includes('application/json');
    const query = parseOsmAndForm(queryText);
    const form = body && !isJson ? parseOsmAndForm(body) : null;
    const key = keyOf(req, { ...query, ...form });
    // The key authenticates; it is never decoded, stored or echoed into a dead letter.
    delete query.key;
    if (form) delete form.key;
    const request: OsmAndRequest =
      isJson && body ? { kind: 'json', body } : { kind: 'params', params: { ...query, ...form } };
    const raw = scrub(`${req.method} ${req.url}${body ? `\n${body}` : ''}`);
    const result = await ingest.handleOsmAnd(request, key, raw, req.ip);
    return reply.code(result.status).type('text/plain').send(result.message);
  };
  for (const url of ['/', '/k/:key']) {
    app.get(url, handler);
    app.post(url, handler);
  }
  return app;
}
