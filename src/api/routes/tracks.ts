// A person's track over a time range (Art. 29, 54, 61: location data only for corrections work). The
// stated purpose is required and audited before any position is read. Ranges over two days come from
// the hourly summary (device_hourly), shorter ones as the stored fixes.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { appendAuditNow } from '../../audit/audit-log.js';
import { type ApiDeps, callerOf } from '../api-context.js';
import { ProblemError } from '../problem.js';
import { IdParams, IsoInstant, iso, ReadPurpose, secured } from '../schemas.js';
import { personInScope } from '../scope.js';

const DAY_MS = 86_400_000;
export const RAW_TRACK_MAX_MS = 2 * DAY_MS;
const MAX_RANGE_MS = 93 * DAY_MS;
const MAX_RAW_POINTS = 50_000;

const TrackQuery = z.object({
  from: IsoInstant,
  to: IsoInstant,
  purpose: ReadPurpose,
});

export function trackRoutes(deps: ApiDeps) {
  return async (app: FastifyInstance) => {
    const api = app.withTypeProvider<ZodTypeProvider>();
    api.get(
      '/supervisees/:id/track',
      { schema: { tags: ['tracks'], security: secured, params: IdParams, querystring: TrackQuery } },
      async (req) => {
        const caller = callerOf(req);
        const from = Date.parse(req.query.from);
        const to = Date.parse(req.query.to);
        if (!(to > from) || to - from > MAX_RANGE_MS) {
          throw new ProblemError(
            400,
            'Invalid range',
            'need from < to, at most 93 days apart',
            'invalid-request',
          );
        }
        const person = await personInScope(deps.pool, caller, req.params.id);
        const resolution = to - from > RAW_TRACK_MAX_MS ? 'hour' : 'fix';
        await appendAuditNow(
          deps.pool,
          {
            actorUserId: caller.userId,
            actorRole: caller.role,
            action: 'track.read',
            subjectSuperviseeId: person.id,
            purpose: req.query.purpose,
            detail: { from: req.query.from, to: req.query.to, resolution },
          },
          deps.clock(),
        );
        const range = [person.id, new Date(from), new Date(to)];
        if (resolution === 'fix') {
          const res = await deps.pool.query<{
            device_id: string;
            ts: Date;
            lat: number;
            lon: number;
            acc: number;
            src: string;
            spd: number | null;
            batt: number | null;
          }>(
            `select device_id, ts, lat, lon, acc, src, spd, batt from fixes
             where supervisee_id = $1 and ts >= $2 and ts < $3 order by ts limit ${MAX_RAW_POINTS}`,
            range,
          );
          const points = res.rows.map((f) => ({
            deviceId: f.device_id,
            ts: iso(f.ts),
            lat: f.lat,
            lon: f.lon,
            accuracyM: f.acc,
            source: f.src,
            speedMps: f.spd,
            batteryPct: f.batt,
          }));
          return {
            superviseeId: person.id,
            from: req.query.from,
            to: req.query.to,
            resolution,
            points,
            truncated: points.length === MAX_RAW_POINTS,
          };
        }
        const res = await deps.pool.query<{
          device_id: string;
          hour: Date;
          fixes: number;
          lat: number;
          lon: number;
          best_acc: number | null;
          first_ts: Date;
          last_ts: Date;
          min_batt: number | null;
        }>(
          `select h.device_id, h.hour, h.fixes, h.lat, h.lon, h.best_acc, h.first_ts, h.last_ts, h.min_batt
           from device_hourly h join devices d on d.id = h.device_id
           where d.supervisee_id = $1 and h.hour >= $2 and h.hour < $3 order by h.hour, h.device_id`,
          range,
        );
        const points = res.rows.map((h) => ({
          deviceId: h.device_id,
          hour: iso(h.hour),
          fixes: h.fixes,
          lat: h.lat,
          lon: h.lon,
          bestAccuracyM: h.best_acc,
          firstTs: iso(h.first_ts),
          lastTs: iso(h.last_ts),
          minBatteryPct: h.min_batt,
        }));
        return {
          superviseeId: person.id,
          from: req.query.from,
          to: req.query.to,
          resolution,
          points,
          truncated: false,
        };
      },
    );
  };
}
