// Zones, GeoJSON in and out (RFC 7946). Polygons and multipolygons are plain GeoJSON geometries; a
// circle, which GeoJSON lacks, is a Point with `radiusM`. Out, each zone is a Feature.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ZoneKind } from '../../../schemas/enums.js';
import { createZone } from '../../admin/zones.js';
import { scopePattern } from '../../auth/access.js';
import { zoneGeometryOf } from '../../directory/load-directory.js';
import type { ZoneGeometry } from '../../domain/geo/compiled-zone.js';
import { type ApiDeps, auditedWrite, callerOf, writerOf } from '../api-context.js';
import { IdParams, OffsetPage, secured } from '../schemas.js';
import { deviceInScope, personInScope, unitInScope, zoneInScope } from '../scope.js';

const Position = z.tuple([z.number(), z.number()]).rest(z.number());
const Ring = z.array(Position).min(4);
const GeoJsonGeometry = z.discriminatedUnion('type', [
  z.object({ type: z.literal('Polygon'), coordinates: z.array(Ring).min(1) }),
  z.object({ type: z.literal('MultiPolygon'), coordinates: z.array(z.array(Ring).min(1)).min(1) }),
  z.object({ type: z.literal('Point'), coordinates: Position }),
]);

// A window starts within its local day (0-1439) and ends at most at its end (1440); an end at or
// before the start runs past midnight (src/domain/rules/curfew-schedule.ts).
const DailyWindow = z.object({ startMin: z.int().min(0).max(1439), endMin: z.int().min(0).max(1440) });
const CurfewSchedule = z.object({
  weekly: z.array(DailyWindow.extend({ weekday: z.int().min(0).max(6) })),
  exceptions: z.array(z.object({ date: z.iso.date(), windows: z.array(DailyWindow) })).default([]),
});

const NewZone = z.object({
  kind: ZoneKind,
  orgUnitId: z.string().min(1),
  superviseeId: z.string().nullable().optional(),
  name: z.string().min(1).max(200),
  geometry: GeoJsonGeometry,
  radiusM: z.number().positive().max(200_000).optional().describe('required when geometry is a Point'),
  schedule: CurfewSchedule.nullable().optional().describe('curfew windows, Asia/Shanghai local minutes'),
  protectedDeviceId: z.string().nullable().optional(),
  assignTo: z.array(z.string()).max(1000).optional(),
});

function toZoneGeometry(input: z.infer<typeof NewZone>): ZoneGeometry | null {
  const g = input.geometry;
  if (g.type !== 'Point') return g;
  return input.radiusM ? { type: 'Circle', center: g.coordinates, radiusM: input.radiusM } : null;
}

export function zoneFeature(row: Record<string, unknown>) {
  const g = zoneGeometryOf(row as Parameters<typeof zoneGeometryOf>[0]);
  const circle = g?.type === 'Circle' ? g : null;
  return {
    type: 'Feature' as const,
    id: row.id as string,
    geometry: circle ? { type: 'Point', coordinates: circle.center } : g,
    properties: {
      kind: row.kind,
      name: row.name,
      orgUnitId: row.org_unit_id,
      superviseeId: row.supervisee_id,
      radiusM: circle?.radiusM ?? null,
      schedule: row.schedule,
      protectedDeviceId: row.protected_device_id,
    },
  };
}

export function zoneRoutes(deps: ApiDeps) {
  return async (app: FastifyInstance) => {
    const api = app.withTypeProvider<ZodTypeProvider>();
    const meta = { tags: ['zones'], security: secured };
    api.get(
      '/zones',
      {
        schema: {
          ...meta,
          querystring: OffsetPage.extend({ kind: ZoneKind.optional(), superviseeId: z.string().optional() }),
        },
      },
      async (req) => {
        const q = req.query;
        const res = await deps.pool.query(
          `select z.* from zones z join org_units o on o.id = z.org_unit_id
           where o.path like $1 and ($2::text is null or z.kind = $2) and ($3::text is null or z.supervisee_id = $3
             or z.id in (select zone_id from zone_assignments where supervisee_id = $3))
           order by z.created_at, z.id limit $4 offset $5`,
          [scopePattern(callerOf(req).orgPath), q.kind ?? null, q.superviseeId ?? null, q.limit, q.offset],
        );
        const features = res.rows.map(zoneFeature);
        return {
          type: 'FeatureCollection',
          features,
          next: features.length === q.limit ? q.offset + q.limit : null,
        };
      },
    );
    api.get('/zones/:id', { schema: { ...meta, params: IdParams } }, async (req) =>
      zoneFeature(await zoneInScope(deps.pool, callerOf(req), req.params.id)),
    );
    api.post('/zones', { schema: { ...meta, body: NewZone } }, async (req, reply) => {
      const caller = writerOf(req);
      const input = req.body;
      const geometry = toZoneGeometry(input);
      if (!geometry) {
        return reply.code(400).type('application/problem+json').send({
          type: 'urn:em:problem:invalid-request',
          title: 'Invalid request',
          status: 400,
          detail: 'a Point zone needs radiusM',
        });
      }
      await unitInScope(deps.pool, caller, input.orgUnitId);
      for (const person of [input.superviseeId, ...(input.assignTo ?? [])]) {
        if (person) await personInScope(deps.pool, caller, person);
      }
      if (input.protectedDeviceId) await deviceInScope(deps.pool, caller, input.protectedDeviceId);
      const id = await auditedWrite(
        deps,
        caller,
        (ctx) => createZone(ctx, { ...input, geometry, schedule: input.schedule ?? null }),
        (zoneId) => ({
          action: 'zone.create',
          subjectSuperviseeId: input.superviseeId ?? null,
          detail: { zoneId, kind: input.kind },
        }),
      );
      return reply.code(201).send({ id });
    });
  };
}
