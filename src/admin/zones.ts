// Zones: GeoJSON Polygon / MultiPolygon (with holes) or a circle, validated before storage.
import { randomUUID } from 'node:crypto';
import type { ZoneKind } from '../../schemas/enums.js';
import { compileZone, type ZoneGeometry } from '../domain/geo/compiled-zone.js';
import { type CurfewSchedule, compileCurfew } from '../domain/rules/curfew-schedule.js';
import { type AdminContext, ValidationError } from './admin-context.js';

export interface NewZone {
  id?: string;
  kind: ZoneKind;
  orgUnitId: string;
  superviseeId?: string | null;
  name: string;
  geometry: ZoneGeometry;
  schedule?: CurfewSchedule | null;
  protectedDeviceId?: string | null;
  /** People a shared zone (prohibition, protected person) applies to. */
  assignTo?: readonly string[];
}

function validRing(ring: readonly (readonly number[])[]): boolean {
  if (ring.length < 4) return false;
  const [a, b] = [ring[0]!, ring[ring.length - 1]!];
  return a[0] === b[0] && a[1] === b[1] && ring.every((p) => Math.abs(p[0]!) <= 180 && Math.abs(p[1]!) <= 90);
}

/**
 * Twice the ring's area in square metres (shoelace on a local flat frame): 0 for a ring whose points
 * lie on one line or on one spot, which contains nothing, so a person is never inside it.
 */
function ringArea2M2(ring: readonly (readonly number[])[]): number {
  const lat0 = ring[0]![1]!;
  const kx = 111_320 * Math.cos((lat0 * Math.PI) / 180);
  const ky = 110_574;
  let sum = 0;
  for (let i = 0; i + 1 < ring.length; i++) {
    const [ax, ay] = [(ring[i]![0]! - ring[0]![0]!) * kx, (ring[i]![1]! - lat0) * ky];
    const [bx, by] = [(ring[i + 1]![0]! - ring[0]![0]!) * kx, (ring[i + 1]![1]! - lat0) * ky];
    sum += ax * by - bx * ay;
  }
  return Math.abs(sum);
}

/** Below a square metre a ring is a line or a point, not an area anyone can be inside or outside. */
const MIN_RING_AREA_M2 = 1;

export function validateGeometry(g: ZoneGeometry): string[] {
  if (g.type === 'Circle') {
    const [lon, lat] = g.center as number[];
    return Math.abs(lat ?? 99) <= 90 && Math.abs(lon ?? 999) <= 180 && g.radiusM > 0 && g.radiusM <= 200_000
      ? []
      : ['circle: centre must be [lon, lat] in range and radius between 0 and 200 km'];
  }
  const polygons = g.type === 'Polygon' ? [g.coordinates] : g.coordinates;
  if (polygons.length === 0) return ['geometry: no polygon'];
  for (const rings of polygons) {
    if (rings.length === 0 || !rings.every(validRing)) {
      return ['geometry: every ring needs at least 4 positions [lon, lat], closed (first = last), in range'];
    }
    if (rings.some((ring) => ringArea2M2(ring) / 2 < MIN_RING_AREA_M2)) {
      return ['geometry: every ring must enclose an area (its positions are on one line or one spot)'];
    }
  }
  return [];
}

/**
 * Compiles the zone as the rules will (src/directory/load-directory.ts): what the rules cannot
 * compile is refused here as bad input, before it is stored, and never found at the next directory
 * load, where it would leave the zone out of every person's rules.
 */
function compileProblems(input: NewZone): string[] {
  const problems: string[] = [];
  try {
    compileZone('check', input.kind, input.geometry);
  } catch (err) {
    problems.push(`geometry: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (input.schedule) {
    try {
      compileCurfew(input.schedule);
    } catch (err) {
      problems.push(`schedule: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  return problems;
}

/**
 * A protected-person zone is a radius around the protected person's phone: the rules take in only
 * such a zone with a circle and a phone that belongs to no supervisee (src/directory/load-directory.ts),
 * so without them it would be stored and never alert on proximity.
 */
async function assertProtectedPhone(ctx: AdminContext, input: NewZone): Promise<void> {
  const problems: string[] = [];
  if (input.geometry.type !== 'Circle')
    problems.push('geometry: a protected-person zone is a Point with radiusM');
  if (!input.protectedDeviceId) problems.push('protectedDeviceId: a protected-person zone follows a phone');
  else {
    const res = await ctx.pool.query('select 1 from devices where id = $1 and supervisee_id is null', [
      input.protectedDeviceId,
    ]);
    if (res.rowCount === 0) problems.push("protectedDeviceId: no protected person's phone has that id");
  }
  if (problems.length > 0) throw new ValidationError(problems);
}

export async function createZone(ctx: AdminContext, input: NewZone): Promise<string> {
  const invalid = validateGeometry(input.geometry);
  const problems = invalid.length > 0 ? invalid : compileProblems(input);
  if (problems.length > 0) throw new ValidationError(problems);
  if (input.kind === 'protected_person') await assertProtectedPhone(ctx, input);
  const id = input.id ?? randomUUID();
  const circle = input.geometry.type === 'Circle' ? input.geometry : null;
  await ctx.pool.query(
    `insert into zones (id, kind, org_unit_id, supervisee_id, name, geometry, center_lat, center_lon, radius_m, schedule,
       protected_device_id) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
    [
      id,
      input.kind,
      input.orgUnitId,
      input.superviseeId ?? null,
      input.name,
      circle ? null : JSON.stringify(input.geometry),
      circle ? (circle.center as number[])[1] : null,
      circle ? (circle.center as number[])[0] : null,
      circle ? circle.radiusM : null,
      input.schedule ? JSON.stringify(input.schedule) : null,
      input.protectedDeviceId ?? null,
    ],
  );
  // Shared kinds reach a person's rules through assignments only (src/directory/load-directory.ts): a
  // prohibition or protected-person zone made for one person (superviseeId) is assigned to them too.
  const assignees = new Set(input.assignTo ?? []);
  if (input.superviseeId && (input.kind === 'prohibition' || input.kind === 'protected_person')) {
    assignees.add(input.superviseeId);
  }
  for (const personId of assignees) {
    await ctx.pool.query('insert into zone_assignments (zone_id, supervisee_id) values ($1, $2)', [
      id,
      personId,
    ]);
  }
  await ctx.directoryChanged();
  return id;
}
