// The simulators' Provisioner over the service's REST API (/api/v1), for a service already running.
// A protected person's phone is registered through /protected-person-phones and co-defendants are
// linked through /supervisee-links. No endpoint assigns an existing zone to more people: shared
// exclusion sites are created once per batch of people (cli.ts, pendingAssignments).
import type { DeviceIdentity } from './devices.js';
import type { NewZoneRequest, Provisioner } from './provision.js';

export class ApiError extends Error {}

export interface RestSession {
  readonly baseUrl: string;
  readonly token: string;
}

export async function login(baseUrl: string, username: string, password: string): Promise<RestSession> {
  const res = await fetch(`${baseUrl}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  if (!res.ok) throw new ApiError(`login as ${username} failed: ${res.status} ${await res.text()}`);
  const body = (await res.json()) as { token: string };
  return { baseUrl, token: body.token };
}

export async function api<T>(s: RestSession, method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${s.baseUrl}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${s.token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  if (!res.ok) throw new ApiError(`${method} ${path}: ${res.status} ${await res.text()}`);
  return (res.status === 204 ? undefined : await res.json()) as T;
}

/** The API takes a circle as a GeoJSON Point plus radiusM. */
function zoneBody(z: NewZoneRequest) {
  const g = z.geometry;
  return {
    kind: z.kind,
    orgUnitId: z.orgUnitId,
    name: z.name,
    geometry: g.type === 'Circle' ? { type: 'Point', coordinates: g.center } : g,
    ...(g.type === 'Circle' ? { radiusM: g.radiusM } : {}),
    ...(z.superviseeId ? { superviseeId: z.superviseeId } : {}),
    ...(z.schedule ? { schedule: z.schedule } : {}),
    ...(z.protectedDeviceId ? { protectedDeviceId: z.protectedDeviceId } : {}),
    ...(z.assignTo ? { assignTo: z.assignTo } : {}),
  };
}

const iso = (t: number) => new Date(t).toISOString();

export function restProvisioner(s: RestSession): Provisioner & { pendingAssignments: Map<string, string[]> } {
  /** World zone id → persons to assign, created once everyone exists (no assignment endpoint). */
  const pendingAssignments = new Map<string, string[]>();
  return {
    pendingAssignments,
    async ensureZone(zone) {
      // The API chooses zone ids: a world zone is recognised by its name.
      const kind = zone.kind;
      const page = await api<{ features: { id: string; properties: { name: string } }[] }>(
        s,
        'GET',
        `/zones?kind=${kind}&limit=500`,
      );
      // Exclusion sites wait for their people (pendingAssignments); only the county is created here.
      if (kind !== 'jurisdiction' || page.features.some((f) => f.properties.name === zone.name)) return false;
      await api(s, 'POST', '/zones', zoneBody(zone));
      return true;
    },
    async createZone(zone) {
      const res = await api<{ id: string }>(s, 'POST', '/zones', zoneBody(zone));
      return res.id;
    },
    async assignZone(zoneId, personIds) {
      pendingAssignments.set(zoneId, [...(pendingAssignments.get(zoneId) ?? []), ...personIds]);
    },
    async createPerson(p) {
      return (await api<{ id: string }>(s, 'POST', '/supervisees', p)).id;
    },
    async createEmOrder(personId, startsAt, endsAt) {
      await api(s, 'POST', '/em-orders', {
        superviseeId: personId,
        ground: 'left_without_approval',
        approver: '雁江区司法局局长 (simulated)',
        startsAt: iso(startsAt),
        endsAt: iso(endsAt),
      });
    },
    async registerDevice(d): Promise<DeviceIdentity> {
      if (!d.personId) {
        return api<DeviceIdentity>(s, 'POST', '/protected-person-phones', {
          orgUnitId: d.orgUnitId,
          ...(d.owntracks ? { owntracks: d.owntracks } : {}),
        });
      }
      return api<DeviceIdentity>(s, 'POST', '/devices', {
        superviseeId: d.personId,
        kind: d.kind,
        ...(d.owntracks ? { owntracks: d.owntracks } : {}),
      });
    },
    async createLeave(l) {
      const permit = await api<{ id: string }>(s, 'POST', '/leave-permits', {
        superviseeId: l.personId,
        destinationZoneId: l.destinationZoneId,
        startsAt: iso(l.startsAt),
        endsAt: iso(l.endsAt),
        graceMinutes: l.graceMinutes,
        reason: 'simulated family visit',
      });
      await api(s, 'POST', `/leave-permits/${permit.id}/approve`);
    },
    async linkPersons(a, b, reason) {
      await api(s, 'POST', '/supervisee-links', { a, b, reason });
    },
  };
}
