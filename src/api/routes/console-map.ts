// The console's live map in one read (issue 6): every supervisee in scope with their last fix and
// unresolved incidents, and the zones that apply to them. It shows positions, so each read is
// audited with its purpose (Art. 54), as one entry per refresh rather than one per person.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { appendAuditNow } from '../../audit/audit-log.js';
import { scopePattern } from '../../auth/access.js';
import { type ApiDeps, callerOf } from '../api-context.js';
import { iso, secured } from '../schemas.js';
import { zoneFeature } from './zones.js';

/** A city holds ~13,000 supervisees (DOMAIN.md); past this the console should filter by unit. */
const MAX_PEOPLE = 20_000;

const SEVERITY_RANK = `case i.severity when 'critical' then 0 when 'high' then 1 when 'medium' then 2 else 3 end`;

interface MapPersonRow {
  id: string;
  name: string;
  level: string;
  org_unit_id: string;
  ts: Date | null;
  lat: number | null;
  lon: number | null;
  acc: number | null;
  src: string | null;
  batt: number | null;
  open_incidents: number;
  worst_severity: string | null;
  in_violation: boolean;
}

export function consoleMapRoutes(deps: ApiDeps) {
  return async (app: FastifyInstance) => {
    const api = app.withTypeProvider<ZodTypeProvider>();
    api.get('/console/map', { schema: { tags: ['console'], security: secured } }, async (req) => {
      const caller = callerOf(req);
      await appendAuditNow(
        deps.pool,
        {
          actorUserId: caller.userId,
          actorRole: caller.role,
          action: 'positions.read',
          purpose: 'live supervision map',
          detail: { scope: caller.orgPath },
        },
        deps.clock(),
      );
      const people = await deps.pool.query<MapPersonRow>(
        `select s.id, s.name, s.level, s.org_unit_id, f.ts, f.lat, f.lon, f.acc, f.src, f.batt,
           (select count(*)::int from incidents i where i.supervisee_id = s.id and i.state <> 'resolved') as open_incidents,
           (select i.severity from incidents i where i.supervisee_id = s.id and i.state <> 'resolved'
              order by ${SEVERITY_RANK} limit 1) as worst_severity,
           exists (select 1 from incidents i where i.supervisee_id = s.id and i.state <> 'resolved'
              and i.condition_active) as in_violation
         from supervisees s join org_units o on o.id = s.org_unit_id
         left join lateral (select ts, lat, lon, acc, src, batt from fixes where supervisee_id = s.id
           order by ts desc limit 1) f on true
         where o.path like $1 order by s.name, s.id limit ${MAX_PEOPLE}`,
        [scopePattern(caller.orgPath)],
      );
      // Zones in scope, plus the jurisdiction boundaries of the units above the caller: an office's
      // people must stay inside their county's boundary, so its officers need to see it.
      const zones = await deps.pool.query(
        `select z.* from zones z join org_units o on o.id = z.org_unit_id
         where o.path like $1 or (z.kind = 'jurisdiction' and starts_with($2, o.path))
         order by z.created_at, z.id limit 5000`,
        [scopePattern(caller.orgPath), caller.orgPath],
      );
      return {
        people: people.rows.map((p) => ({
          id: p.id,
          name: p.name,
          level: p.level,
          orgUnitId: p.org_unit_id,
          lastFix:
            p.ts && p.lat !== null && p.lon !== null
              ? { ts: iso(p.ts), lat: p.lat, lon: p.lon, accuracyM: p.acc, source: p.src, batteryPct: p.batt }
              : null,
          openIncidents: p.open_incidents,
          worstSeverity: p.worst_severity,
          inViolation: p.in_violation,
        })),
        zones: { type: 'FeatureCollection', features: zones.rows.map(zoneFeature) },
      };
    });
  };
}
