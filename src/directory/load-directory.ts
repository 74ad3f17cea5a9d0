// Builds a DirectorySnapshot from the database: compiles every zone once, shares jurisdiction polygons
// and the prohibition index between people, and attaches approved EM periods and leave permits.
import type pg from 'pg';
import type { SupervisionLevel, ZoneKind } from '../../schemas/enums.js';
import { type CompiledZone, compileZone, type ZoneGeometry } from '../domain/geo/compiled-zone.js';
import { buildZoneIndex } from '../domain/geo/zone-index.js';
import { type CompiledCurfew, type CurfewSchedule, compileCurfew } from '../domain/rules/curfew-schedule.js';
import type { ActivePeriod } from '../domain/rules/em-order.js';
import type { LeavePermit } from '../domain/rules/leave-permit.js';
import { type ProtectedPerson, personRulesContext } from '../domain/rules/person-context.js';
import type { DeviceRecord, DirectorySnapshot, InvalidZone, PersonRecord } from './directory.js';
import { owntracksKey } from './directory.js';
import { prohibitionRefsFor } from './prohibition-refs.js';

interface ZoneRow {
  id: string;
  kind: ZoneKind;
  org_unit_id: string;
  supervisee_id: string | null;
  geometry: ZoneGeometry | null;
  center_lat: number | null;
  center_lon: number | null;
  radius_m: number | null;
  schedule: CurfewSchedule | null;
  protected_device_id: string | null;
}

const PROTECTED_FRESH_MS = 5 * 60_000;

export function zoneGeometryOf(
  row: Pick<ZoneRow, 'geometry' | 'center_lat' | 'center_lon' | 'radius_m'>,
): ZoneGeometry | null {
  if (row.geometry) return row.geometry;
  if (row.center_lat !== null && row.center_lon !== null && row.radius_m) {
    return { type: 'Circle', center: [row.center_lon, row.center_lat], radiusM: row.radius_m };
  }
  return null;
}

function pushTo<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/** The directory tables' revision (src/storage/migrations/006-directory-revision.ts). */
export async function directoryRevision(pool: pg.Pool): Promise<string> {
  const res = await pool.query<{ rev: string }>('select rev from directory_revision');
  return res.rows[0]?.rev ?? '';
}

export async function loadDirectory(pool: pg.Pool, now: number): Promise<DirectorySnapshot> {
  const [units, persons, devices, zones, assignments, orders, permits, links] = await Promise.all([
    pool.query<{ id: string; path: string }>('select id, path from org_units'),
    pool.query<{ id: string; org_unit_id: string; level: SupervisionLevel }>(
      'select id, org_unit_id, level from supervisees',
    ),
    pool.query<{
      id: string;
      supervisee_id: string | null;
      kind: 'ankle' | 'phone';
      secret_hash: string;
      disabled: boolean;
      owntracks_user: string | null;
      owntracks_device: string | null;
    }>(
      'select id, supervisee_id, kind, secret_hash, disabled, owntracks_user, owntracks_device from devices',
    ),
    pool.query<ZoneRow>(
      `select id, kind, org_unit_id, supervisee_id, geometry, center_lat, center_lon, radius_m, schedule,
              protected_device_id from zones`,
    ),
    pool.query<{ zone_id: string; supervisee_id: string }>(
      'select zone_id, supervisee_id from zone_assignments',
    ),
    pool.query<{ supervisee_id: string; starts_at: Date; ends_at: Date }>(
      // A revoked order ends at its revocation (Art. 29: EM ended early), so the rules close what is
      // open at that instant (order-end.ts); one revoked from its start never covers anything.
      `select supervisee_id, starts_at, least(ends_at, revoked_at) as ends_at from em_orders
       where least(ends_at, revoked_at) > greatest(starts_at, $1)`,
      [new Date(now - 31 * 86_400_000)],
    ),
    pool.query<{
      id: string;
      supervisee_id: string;
      destination_zone_id: string | null;
      starts_at: Date;
      ends_at: Date;
      grace_minutes: number;
      returned_at: Date | null;
      cancelled_at: Date | null;
    }>(
      // A cancelled permit covered the person until its cancellation; cancelled before it began, it
      // never did.
      `select id, supervisee_id, destination_zone_id, starts_at, ends_at, grace_minutes, returned_at, cancelled_at
       from leave_permits where status in ('approved', 'returned')
          or (status = 'cancelled' and cancelled_at > starts_at)`,
    ),
    pool.query<{ a: string; b: string }>('select a, b from supervisee_links'),
  ]);

  const unitPath = new Map(units.rows.map((u) => [u.id, u.path]));
  const compiled = new Map<string, CompiledZone>();
  const zoneRows = new Map<string, ZoneRow>();
  const curfews = new Map<string, CompiledCurfew>();
  const invalidZones: InvalidZone[] = [];
  for (const z of zones.rows) {
    zoneRows.set(z.id, z);
    // One zone that cannot be compiled is left out and reported; it must not stop every other
    // person's rules, nor the next start (the API validates the same way: src/admin/zones.ts).
    try {
      const geometry = zoneGeometryOf(z);
      if (geometry) compiled.set(z.id, compileZone(z.id, z.kind, geometry));
      if (z.schedule) curfews.set(z.id, compileCurfew(z.schedule));
    } catch (err) {
      compiled.delete(z.id);
      invalidZones.push({
        id: z.id,
        kind: z.kind,
        orgUnitId: z.org_unit_id,
        superviseeId: z.supervisee_id,
        problem: err instanceof Error ? err.message : String(err),
      });
    }
  }
  const residenceBy = new Map<string, ZoneRow>();
  for (const z of zones.rows)
    if (z.kind === 'residence' && z.supervisee_id) residenceBy.set(z.supervisee_id, z);
  const jurisdictionByUnitPath = new Map<string, CompiledZone>();
  for (const z of zones.rows) {
    const c = compiled.get(z.id);
    const path = unitPath.get(z.org_unit_id);
    if (z.kind === 'jurisdiction' && c && path) jurisdictionByUnitPath.set(path, c);
  }
  const prohibitionZones = [...compiled.values()].filter((z) => z.kind === 'prohibition');
  const prohibitionIndex = buildZoneIndex(prohibitionZones);
  const prohibitionRefs = prohibitionRefsFor(prohibitionIndex);

  const assigned = new Map<string, string[]>();
  for (const a of assignments.rows) pushTo(assigned, a.supervisee_id, a.zone_id);
  const ordersBy = new Map<string, ActivePeriod[]>();
  for (const o of orders.rows)
    pushTo(ordersBy, o.supervisee_id, { start: o.starts_at.getTime(), end: o.ends_at.getTime() });
  const permitsBy = new Map<string, LeavePermit[]>();
  for (const p of permits.rows) {
    const destination = p.destination_zone_id ? compiled.get(p.destination_zone_id) : undefined;
    if (!destination) continue;
    // A permit ends early when the person is recorded as returned, or when it is called off: from
    // the cancellation the person is bound by curfew and county again, with the permit's grace to
    // come back if away (Art. 27; Art. 34: leave-overdue as at any end, no instant exit alert).
    const end = Math.min(
      p.ends_at.getTime(),
      p.returned_at?.getTime() ?? Number.POSITIVE_INFINITY,
      p.cancelled_at?.getTime() ?? Number.POSITIVE_INFINITY,
    );
    pushTo(permitsBy, p.supervisee_id, {
      id: p.id,
      destination,
      start: p.starts_at.getTime(),
      end,
      graceMs: p.grace_minutes * 60_000,
      standing: false,
    });
  }
  const linksBy = new Map<string, string[]>();
  for (const l of links.rows) {
    pushTo(linksBy, l.a, l.b);
    pushTo(linksBy, l.b, l.a);
  }

  const deviceMap = new Map<string, DeviceRecord>();
  const owntracks = new Map<string, DeviceRecord>();
  const devicesOf = new Map<string, DeviceRecord[]>();
  for (const d of devices.rows) {
    const record: DeviceRecord = {
      id: d.id,
      superviseeId: d.supervisee_id,
      kind: d.kind,
      secretHash: d.secret_hash,
      disabled: d.disabled,
      owntracksUser: d.owntracks_user,
      owntracksDevice: d.owntracks_device,
    };
    deviceMap.set(d.id, record);
    if (d.owntracks_user && d.owntracks_device)
      owntracks.set(owntracksKey(d.owntracks_user, d.owntracks_device), record);
    if (d.supervisee_id && !d.disabled) pushTo(devicesOf, d.supervisee_id, record);
  }

  const protectedDevices = new Set<string>();
  const personMap = new Map<string, PersonRecord>();
  for (const p of persons.rows) {
    const orgPath = unitPath.get(p.org_unit_id) ?? '/';
    const own = devicesOf.get(p.id) ?? [];
    const ankle = own.find((d) => d.kind === 'ankle');
    const phone = own.find((d) => d.kind === 'phone');
    const monitor = ankle ?? phone;
    const zoneIds = assigned.get(p.id) ?? [];
    const residenceRow = residenceBy.get(p.id);
    // The deepest unit above the person with a jurisdiction boundary (county, else city).
    let jurisdiction: CompiledZone | null = null;
    let depth = -1;
    for (const [path, zone] of jurisdictionByUnitPath) {
      if (orgPath.startsWith(path) && path.length > depth) {
        jurisdiction = zone;
        depth = path.length;
      }
    }
    const prohibitionIds = new Set(zoneIds.filter((id) => compiled.get(id)?.kind === 'prohibition'));
    const protectedPersons: ProtectedPerson[] = [];
    for (const id of zoneIds) {
      const row = zoneRows.get(id);
      if (row?.kind === 'protected_person' && row.protected_device_id && row.radius_m) {
        protectedPersons.push({
          id: row.protected_device_id,
          radiusM: row.radius_m,
          freshMs: PROTECTED_FRESH_MS,
        });
        protectedDevices.add(row.protected_device_id);
      }
    }
    const context = personRulesContext({
      personId: p.id,
      level: p.level,
      monitorDeviceId: monitor?.id ?? '',
      phoneDeviceId: ankle && phone ? phone.id : null,
      orders: ordersBy.get(p.id) ?? [],
      residence: residenceRow ? (compiled.get(residenceRow.id) ?? null) : null,
      curfew: residenceRow ? (curfews.get(residenceRow.id) ?? null) : null,
      jurisdiction,
      permits: permitsBy.get(p.id) ?? [],
      prohibition: prohibitionRefs(prohibitionIds),
      protectedPersons,
      linkedPersonIds: linksBy.get(p.id) ?? [],
    });
    personMap.set(p.id, { id: p.id, orgUnitId: p.org_unit_id, orgPath, level: p.level, context });
  }
  return { devices: deviceMap, owntracks, persons: personMap, protectedDevices, invalidZones, loadedAt: now };
}
