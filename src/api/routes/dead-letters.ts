// Dead letters: what the pipeline refused, with its reason (ARCHITECTURE.md: dropped explicitly,
// counted and kept). Scoped through the device's supervisee; unattributed ones are for the city.
// Shown with positions taken out (redact-positions.ts): a dead letter is for debugging a device, and
// a refused fix is no read of where a person was, so none is made and none needs auditing.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { scopePattern } from '../../auth/access.js';
import { type ApiDeps, callerOf } from '../api-context.js';
import { redactPositions } from '../redact-positions.js';
import { OffsetPage, offsetPage, secured } from '../schemas.js';

export function deadLetterRoutes(deps: ApiDeps) {
  return async (app: FastifyInstance) => {
    const api = app.withTypeProvider<ZodTypeProvider>();
    api.get(
      '/dead-letters',
      {
        schema: {
          tags: ['dead letters'],
          security: secured,
          description:
            'Refused messages. Coordinates in `raw` and `detail` are replaced by placeholders; `rawBytes` is the size kept.',
          querystring: OffsetPage.extend({
            reason: z.string().max(64).optional(),
            deviceId: z.string().optional(),
          }),
        },
      },
      async (req) => {
        const caller = callerOf(req);
        const q = req.query;
        const res = await deps.pool.query(
          `select l.id, l.received_at as "receivedAt", l.protocol, l.device_id as "deviceId", l.topic, l.reason, l.detail,
             l.raw, octet_length(l.raw) as "rawBytes"
           from dead_letters l left join devices d on d.id = l.device_id left join supervisees s on s.id = d.supervisee_id
           left join org_units o on o.id = s.org_unit_id
           where (o.path like $1 or (o.path is null and $2)) and ($3::text is null or l.reason = $3)
             and ($4::text is null or l.device_id = $4)
           order by l.id desc limit $5 offset $6`,
          [
            scopePattern(caller.orgPath),
            caller.orgLevel === 'city',
            q.reason ?? null,
            q.deviceId ?? null,
            q.limit,
            q.offset,
          ],
        );
        const letters = res.rows.map((l: { raw: string | null; detail: string }) => ({
          ...l,
          detail: redactPositions(l.detail),
          raw: redactPositions(l.raw),
        }));
        return offsetPage(letters, q);
      },
    );
    api.get(
      '/dead-letters/reasons',
      { schema: { tags: ['dead letters'], security: secured } },
      async (req) => {
        const caller = callerOf(req);
        const res = await deps.pool.query(
          `select l.reason, count(*)::int as count, max(l.received_at) as "lastAt"
         from dead_letters l left join devices d on d.id = l.device_id left join supervisees s on s.id = d.supervisee_id
         left join org_units o on o.id = s.org_unit_id
         where o.path like $1 or (o.path is null and $2) group by l.reason order by l.reason`,
          [scopePattern(caller.orgPath), caller.orgLevel === 'city'],
        );
        return { items: res.rows };
      },
    );
  };
}
