// Devices: registration and secret rotation (the secret is shown once, stored as a hash), disabling,
// and status (last fix, battery). A status read shows a position, so it is audited (Art. 54). A
// protected person's phone (the victim's, for protected-person zones) belongs to no supervisee: it is
// registered to, and scoped by, an org unit.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { disableDevice, OWNTRACKS_NAME, registerDevice, rotateDeviceSecret } from '../../admin/devices.js';
import { appendAuditNow } from '../../audit/audit-log.js';
import { scopePattern } from '../../auth/access.js';
import { type ApiDeps, auditedWrite, callerOf, writerOf } from '../api-context.js';
import { IdParams, iso, OffsetPage, offsetPage, secured } from '../schemas.js';
import { deviceInScope, personInScope, unitInScope } from '../scope.js';

const OwnTracksName = z
  .string()
  .regex(OWNTRACKS_NAME, 'one topic level: 1-64 characters, no "/", "+", "#" or spaces');
const OwnTracksNames = z
  .object({ user: OwnTracksName, device: OwnTracksName })
  .describe('the phone publishes on owntracks/{user}/{device}');

const NewDevice = z.object({
  superviseeId: z.string().min(1),
  kind: z.enum(['ankle', 'phone']),
  owntracks: OwnTracksNames.optional(),
});

const NewProtectedPersonPhone = z.object({
  orgUnitId: z.string().min(1).describe('the unit responsible for the protection order'),
  owntracks: OwnTracksNames.optional(),
});

const IssuedSecret = z.object({
  id: z.string(),
  secret: z.string().describe('shown once; store it on the device'),
});

export function deviceRoutes(deps: ApiDeps) {
  return async (app: FastifyInstance) => {
    const api = app.withTypeProvider<ZodTypeProvider>();
    const meta = { tags: ['devices'], security: secured };
    api.get(
      '/devices',
      { schema: { ...meta, querystring: OffsetPage.extend({ superviseeId: z.string().optional() }) } },
      async (req) => {
        const caller = callerOf(req);
        const q = req.query;
        const res = await deps.pool.query(
          `select d.id, d.supervisee_id as "superviseeId", o.id as "orgUnitId", d.kind, d.disabled,
                  d.secret_rotated_at as "secretRotatedAt"
           from devices d left join supervisees s on s.id = d.supervisee_id
             join org_units o on o.id = coalesce(s.org_unit_id, d.org_unit_id)
           where o.path like $1 and ($2::text is null or d.supervisee_id = $2) order by d.id limit $3 offset $4`,
          [scopePattern(caller.orgPath), q.superviseeId ?? null, q.limit, q.offset],
        );
        return offsetPage(res.rows, q);
      },
    );
    api.post(
      '/devices',
      { schema: { ...meta, body: NewDevice, response: { 201: IssuedSecret } } },
      async (req, reply) => {
        const caller = writerOf(req);
        await personInScope(deps.pool, caller, req.body.superviseeId);
        const issued = await auditedWrite(
          deps,
          caller,
          (ctx) => registerDevice(ctx, req.body),
          (d) => ({
            action: 'device.register',
            subjectSuperviseeId: req.body.superviseeId,
            detail: { deviceId: d.id },
          }),
        );
        return reply.code(201).send(issued);
      },
    );
    api.post(
      '/protected-person-phones',
      {
        schema: {
          ...meta,
          summary: "Registers a protected person's phone (no supervisee); its secret is shown once",
          body: NewProtectedPersonPhone,
          response: { 201: IssuedSecret },
        },
      },
      async (req, reply) => {
        const caller = writerOf(req);
        await unitInScope(deps.pool, caller, req.body.orgUnitId);
        const issued = await auditedWrite(
          deps,
          caller,
          (ctx) =>
            registerDevice(ctx, {
              superviseeId: null,
              orgUnitId: req.body.orgUnitId,
              kind: 'phone',
              owntracks: req.body.owntracks,
            }),
          (d) => ({
            action: 'device.register_protected_person_phone',
            detail: { deviceId: d.id, orgUnitId: req.body.orgUnitId },
          }),
        );
        return reply.code(201).send(issued);
      },
    );
    api.post(
      '/devices/:id/rotate-secret',
      { schema: { ...meta, params: IdParams, response: { 200: IssuedSecret } } },
      async (req) => {
        const caller = writerOf(req);
        const device = await deviceInScope(deps.pool, caller, req.params.id);
        return auditedWrite(
          deps,
          caller,
          (ctx) => rotateDeviceSecret(ctx, device.id),
          () => ({
            action: 'device.rotate_secret',
            subjectSuperviseeId: device.supervisee_id,
            detail: { deviceId: device.id },
          }),
        );
      },
    );
    api.post('/devices/:id/disable', { schema: { ...meta, params: IdParams } }, async (req, reply) => {
      const caller = writerOf(req);
      const device = await deviceInScope(deps.pool, caller, req.params.id);
      await auditedWrite(
        deps,
        caller,
        (ctx) => disableDevice(ctx, device.id),
        () => ({
          action: 'device.disable',
          subjectSuperviseeId: device.supervisee_id,
          detail: { deviceId: device.id },
        }),
      );
      return reply.code(204).send();
    });
    api.get('/devices/:id/status', { schema: { ...meta, params: IdParams } }, async (req) => {
      const caller = callerOf(req);
      const device = await deviceInScope(deps.pool, caller, req.params.id);
      await appendAuditNow(
        deps.pool,
        {
          actorUserId: caller.userId,
          actorRole: caller.role,
          action: 'device.status.read',
          subjectSuperviseeId: device.supervisee_id,
          detail: { deviceId: device.id },
        },
        deps.clock(),
      );
      const last = await deps.pool.query<{
        ts: Date;
        received_at: Date;
        lat: number;
        lon: number;
        acc: number;
        src: string;
      }>(
        'select ts, received_at, lat, lon, acc, src from fixes where device_id = $1 order by ts desc limit 1',
        [device.id],
      );
      const battery = await deps.pool.query<{ ts: Date; batt: number }>(
        'select ts, batt from fixes where device_id = $1 and batt is not null order by ts desc limit 1',
        [device.id],
      );
      const f = last.rows[0];
      const b = battery.rows[0];
      return {
        id: device.id,
        superviseeId: device.supervisee_id,
        kind: device.kind,
        disabled: device.disabled,
        lastFix: f
          ? {
              ts: iso(f.ts),
              receivedAt: iso(f.received_at),
              lat: f.lat,
              lon: f.lon,
              accuracyM: f.acc,
              source: f.src,
            }
          : null,
        battery: b ? { pct: b.batt, ts: iso(b.ts) } : null,
      };
    });
  };
}
