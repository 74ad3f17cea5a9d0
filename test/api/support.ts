// Shared by the API, live and audit suites: a service on the embedded database, or, when
// DATABASE_URL is set, on a fresh database created on that server for this suite; users of each
// role; a logged-in API client; a device that cuts its strap.
import { randomUUID } from 'node:crypto';
import mqtt from 'mqtt';
import type { Role } from '../../schemas/enums.js';
import { hashPassword } from '../../src/auth/passwords.js';
import { ADMIN_PASSWORD, startTestServiceOnDatabaseUrl, type TestService } from '../support/service.js';

export const PASSWORD = 'correct horse battery staple';

export function startApiTestService(env: Record<string, string> = {}): Promise<TestService> {
  return startTestServiceOnDatabaseUrl('em_api', env);
}

let passwordHash: Promise<string> | undefined;

/** A user of `role` at `orgUnitId`, inserted directly (the API's own user creation is tested apart). */
export async function createUser(svc: TestService, role: Role, orgUnitId: string): Promise<string> {
  passwordHash ??= hashPassword(PASSWORD);
  const username = `${role}-${orgUnitId}-${randomUUID().slice(0, 6)}`;
  await svc.db.pool.query(
    `insert into users (id, org_unit_id, username, display_name, role, password_hash) values ($1, $2, $3, $3, $4, $5)`,
    [randomUUID(), orgUnitId, username, role, await passwordHash],
  );
  return username;
}

export interface ApiResponse {
  status: number;
  contentType: string;
  // biome-ignore lint/suspicious/noExplicitAny: test responses are inspected field by field
  body: any;
}

export interface ApiClient {
  readonly token: string;
  get(url: string): Promise<ApiResponse>;
  post(url: string, body?: unknown): Promise<ApiResponse>;
}

export function client(svc: TestService, token: string): ApiClient {
  const call = async (method: 'GET' | 'POST', url: string, body?: unknown): Promise<ApiResponse> => {
    const res = await svc.app.inject({
      method,
      url: `/api/v1${url}`,
      headers: { authorization: `Bearer ${token}` },
      ...(body === undefined ? {} : { payload: body as object }),
    });
    return {
      status: res.statusCode,
      contentType: String(res.headers['content-type'] ?? ''),
      body: res.body ? JSON.parse(res.body) : null,
    };
  };
  return { token, get: (url) => call('GET', url), post: (url, body) => call('POST', url, body) };
}

export async function login(svc: TestService, username: string, password = PASSWORD): Promise<ApiClient> {
  const res = await svc.app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    payload: { username, password },
  });
  if (res.statusCode !== 200) throw new Error(`login ${username}: ${res.statusCode} ${res.body}`);
  return client(svc, res.json().token);
}

export const loginAdmin = (svc: TestService) => login(svc, 'admin', ADMIN_PASSWORD);

let seq = 1000;

/** Publishes a strap_tamper event from the device, as a real ankle monitor does (wire contract). */
export async function cutStrap(
  svc: TestService,
  device: { id: string; secret: string },
  ts = Date.now() - 200,
): Promise<void> {
  const c = await mqtt.connectAsync(svc.mqttUrl, {
    clientId: `${device.id}-${randomUUID().slice(0, 6)}`,
    username: device.id,
    password: device.secret,
    reconnectPeriod: 0,
  });
  try {
    const event = {
      ts: new Date(ts).toISOString(),
      seq: seq++,
      type: 'strap_tamper',
      detail: 'strap circuit open',
    };
    await c.publishAsync(`em/v1/devices/${device.id}/events`, JSON.stringify(event), { qos: 1 });
  } finally {
    await c.endAsync();
  }
}

export async function openIncidentOf(
  svc: TestService,
  personId: string,
  kind = 'strap_tamper',
): Promise<number | null> {
  const res = await svc.db.pool.query<{ id: number }>(
    "select id from incidents where supervisee_id = $1 and kind = $2 and state <> 'resolved'",
    [personId, kind],
  );
  return res.rows[0]?.id ?? null;
}

/**
 * A leave destination (成都, a 20 km circle) for the person, created by `client` in 'lianhua': the
 * zone a leave permit opens (Art. 27). Its id; throws unless the zone was created.
 */
export async function leaveDestination(client: ApiClient, personId: string): Promise<string> {
  const res = await client.post('/zones', {
    kind: 'leave',
    orgUnitId: 'lianhua',
    superviseeId: personId,
    name: '成都',
    geometry: { type: 'Point', coordinates: [104.07, 30.67] },
    radiusM: 20_000,
  });
  if (res.status !== 201) throw new Error(`leave destination: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.id as string;
}
