// The REST API's use cases end to end: login and its throttle, problem details, OpenAPI, users,
// devices (secret once), EM orders (Art. 29), zones in and out as GeoJSON, leave permits (Art. 27
// limits), incident handling with history, tracks (raw vs hourly) and dead letters.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ensureCounty,
  type MonitoredPerson,
  monitoredPerson,
  squareAround,
  type TestService,
  ZIYANG,
} from '../support/service.js';
import { waitFor } from '../support/wait.js';
import {
  type ApiClient,
  createUser,
  cutStrap,
  login,
  loginAdmin,
  openIncidentOf,
  PASSWORD,
  startApiTestService,
} from './support.js';

const DAY = 86_400_000;
const at = (ms: number) => new Date(ms).toISOString();

describe('REST API', () => {
  let svc: TestService;
  let person: MonitoredPerson;
  let officer: ApiClient;
  let supervisor: ApiClient;
  let admin: ApiClient;
  let officerName: string;

  beforeAll(async () => {
    svc = await startApiTestService();
    await ensureCounty(svc);
    person = await monitoredPerson(svc, { orgUnitId: 'lianhua' });
    officerName = await createUser(svc, 'officer', 'lianhua');
    officer = await login(svc, officerName);
    supervisor = await login(svc, await createUser(svc, 'supervisor', 'yanjiang'));
    admin = await loginAdmin(svc);
  }, 120_000);
  afterAll(async () => svc?.cleanup());

  it('throttles failed logins per client and username (429 with Retry-After)', async () => {
    const username = await createUser(svc, 'officer', 'baotai');
    const attempt = (password: string) =>
      svc.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username, password } });
    for (let i = 0; i < 5; i++) expect((await attempt('wrong password')).statusCode).toBe(401);
    const refused = await attempt(PASSWORD);
    expect(refused.statusCode).toBe(429);
    expect(refused.headers['retry-after']).toBeDefined();
    expect(refused.headers['content-type']).toContain('application/problem+json');
    expect((await attempt('x')).json()).toMatchObject({
      status: 429,
      type: 'urn:em:problem:login-throttled',
    });
    // No TRUST_PROXY: a forged X-Forwarded-For does not make a new client (test/api/behind-proxy.test.ts).
    const forged = await svc.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      headers: { 'x-forwarded-for': '198.51.100.99' },
      payload: { username, password: PASSWORD },
    });
    expect(forged.statusCode).toBe(429);
  });

  it('answers errors as RFC 9457 problem details', async () => {
    const invalid = await officer.post('/supervisees', { orgUnitId: 'lianhua', level: 'harsh' });
    expect(invalid.status).toBe(400);
    expect(invalid.contentType).toContain('application/problem+json');
    expect(invalid.body).toMatchObject({
      type: 'urn:em:problem:invalid-request',
      title: expect.any(String),
      status: 400,
    });
    const missing = await officer.get('/no-such-route');
    expect(missing).toMatchObject({ status: 404, body: { status: 404, title: 'Not Found' } });
  });

  it('serves the OpenAPI document at /docs', async () => {
    const ui = await svc.app.inject({ method: 'GET', url: '/docs/' });
    expect(ui.statusCode).toBe(200);
    const spec = (await svc.app.inject({ method: 'GET', url: '/docs/json' })).json();
    expect(spec.openapi).toMatch(/^3\./);
    expect(Object.keys(spec.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/auth/login',
        '/api/v1/incidents/{id}/resolve',
        '/api/v1/supervisees/{id}/track',
      ]),
    );
  });

  it('creates users by role and level: supervisors create officers only, officers none', async () => {
    const body = (role: string, orgUnitId: string) => ({
      username: `u${Math.random().toString(36).slice(2, 10)}`,
      displayName: 'x',
      role,
      orgUnitId,
      password: 'a long enough password',
    });
    expect((await supervisor.post('/users', body('officer', 'lianhua'))).status).toBe(201);
    expect((await supervisor.post('/users', body('administrator', 'ziyang'))).status).toBe(403);
    expect((await officer.post('/users', body('officer', 'lianhua'))).status).toBe(403);
    expect((await admin.post('/users', body('supervisor', 'lianhua'))).status).toBe(422);
    const auditor = body('auditor', 'yanjiang');
    expect((await admin.post('/users', auditor)).status).toBe(201);
    expect((await login(svc, auditor.username, auditor.password)).token).toBeTruthy();
  });

  it('registers a device showing its secret once, rotates it, disables it, and reports status', async () => {
    const created = await officer.post('/devices', { superviseeId: person.personId, kind: 'phone' });
    expect(created.status).toBe(201);
    expect(created.body.secret).toMatch(/.{16,}/);
    const stored = await svc.db.pool.query('select secret_hash from devices where id = $1', [
      created.body.id,
    ]);
    expect(stored.rows[0].secret_hash).not.toContain(created.body.secret);
    const rotated = await officer.post(`/devices/${created.body.id}/rotate-secret`);
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).not.toBe(created.body.secret);
    expect((await officer.post(`/devices/${created.body.id}/disable`)).status).toBe(204);
    const status = await officer.get(`/devices/${created.body.id}/status`);
    expect(status.body).toMatchObject({ id: created.body.id, disabled: true, lastFix: null, battery: null });
  });

  it('records EM orders only from the county up, refusing periods over three months (Art. 29)', async () => {
    // A person without an order yet: a second order over the running one is refused (em-order-periods).
    const fresh = await supervisor.post('/supervisees', {
      orgUnitId: 'lianhua',
      name: '新对象',
      level: 'normal',
    });
    const order = {
      superviseeId: fresh.body.id,
      ground: 'pending_revocation',
      approver: '局长',
      startsAt: at(Date.now()),
    };
    expect((await officer.post('/em-orders', { ...order, endsAt: at(Date.now() + 30 * DAY) })).status).toBe(
      403,
    );
    expect(
      (await supervisor.post('/em-orders', { ...order, endsAt: at(Date.now() + 30 * DAY) })).status,
    ).toBe(201);
    const tooLong = await supervisor.post('/em-orders', { ...order, endsAt: at(Date.now() + 100 * DAY) });
    expect(tooLong.status).toBe(422);
    expect((await officer.get(`/supervisees/${fresh.body.id}/em-orders`)).body.items.length).toBe(1);
  });

  it('records an extension only as renewing an order of the same person (Art. 29)', async () => {
    const orderOf = async (personId: string) =>
      (
        await svc.db.pool.query<{ id: string }>('select id from em_orders where supervisee_id = $1', [
          personId,
        ])
      ).rows[0]!.id;
    const other = await monitoredPerson(svc, { orgUnitId: 'baotai' });
    const extension = {
      superviseeId: person.personId,
      ground: 'pending_revocation',
      approver: '局长',
      startsAt: at(Date.now() + 30 * DAY),
      endsAt: at(Date.now() + 60 * DAY),
    };
    const refusals = [];
    for (const renewsOrderId of [await orderOf(other.personId), 'no-such-order']) {
      const res = await supervisor.post('/em-orders', { ...extension, renewsOrderId });
      refusals.push({ status: res.status, detail: res.body.detail });
    }
    expect(refusals[0]).toMatchObject({ status: 422 });
    expect(refusals[1]).toEqual(refusals[0]);

    const own = await orderOf(person.personId);
    const renewed = await supervisor.post('/em-orders', { ...extension, renewsOrderId: own });
    expect(renewed.status).toBe(201);
    const items = (await officer.get(`/supervisees/${person.personId}/em-orders`)).body.items;
    expect(items.find((o: { id: string }) => o.id === renewed.body.id).renewsOrderId).toBe(own);
  });

  it('takes zones as GeoJSON and gives them back as Features', async () => {
    const polygon = squareAround(ZIYANG.lat, ZIYANG.lon, 200);
    const created = await officer.post('/zones', {
      kind: 'residence',
      orgUnitId: 'lianhua',
      superviseeId: person.personId,
      name: '住所',
      geometry: polygon,
      schedule: { weekly: [{ weekday: 1, startMin: 22 * 60, endMin: 6 * 60 }] },
    });
    expect(created.status).toBe(201);
    const feature = (await officer.get(`/zones/${created.body.id}`)).body;
    expect(feature).toMatchObject({ type: 'Feature', geometry: polygon, properties: { kind: 'residence' } });
    const circle = await officer.post('/zones', {
      kind: 'prohibition',
      orgUnitId: 'lianhua',
      name: '学校',
      geometry: { type: 'Point', coordinates: [ZIYANG.lon, ZIYANG.lat] },
      radiusM: 150,
      assignTo: [person.personId],
    });
    expect(circle.status).toBe(201);
    expect((await officer.get(`/zones/${circle.body.id}`)).body).toMatchObject({
      geometry: { type: 'Point' },
      properties: { radiusM: 150 },
    });
    const open = await officer.post('/zones', {
      kind: 'residence',
      orgUnitId: 'lianhua',
      name: 'bad',
      geometry: {
        type: 'Polygon',
        coordinates: [
          [
            [0, 0],
            [1, 0],
            [1, 1],
            [0, 1],
          ],
        ],
      },
    });
    expect(open.status).toBe(422);
  });

  it('enforces leave approval limits: office ≤ 7 days, county longer, never over 30 (Art. 27)', async () => {
    const start = Date.now() + DAY;
    const destination = await officer.post('/zones', {
      kind: 'leave',
      orgUnitId: 'lianhua',
      superviseeId: person.personId,
      name: '成都',
      geometry: { type: 'Point', coordinates: [104.07, 30.67] },
      radiusM: 20_000,
    });
    const request = (days: number) =>
      officer.post('/leave-permits', {
        superviseeId: person.personId,
        destinationZoneId: destination.body.id,
        startsAt: at(start),
        endsAt: at(start + days * DAY),
        reason: '探亲',
      });
    const short = await request(5);
    expect(short.status).toBe(201);
    expect((await officer.post(`/leave-permits/${short.body.id}/approve`)).body).toMatchObject({
      approverLevel: 'office',
    });
    const long = await request(10);
    const refused = await officer.post(`/leave-permits/${long.body.id}/approve`);
    expect(refused.status).toBe(422);
    expect(refused.body.reasons.join()).toMatch(/county/);
    expect((await supervisor.post(`/leave-permits/${long.body.id}/approve`)).body).toMatchObject({
      approverLevel: 'county',
    });
    expect((await request(31)).status).toBe(422);
    expect((await officer.post(`/leave-permits/${long.body.id}/return`, {})).body).toMatchObject({
      status: 'returned',
    });
    expect((await officer.post(`/leave-permits/${long.body.id}/return`, {})).status).toBe(409);
    const listed = await officer.get(`/leave-permits?superviseeId=${person.personId}&status=approved`);
    expect(listed.body.items.map((p: { id: string }) => p.id)).toEqual([short.body.id]);
  });

  it('works an incident to a close: acknowledge, comment, resolve with a disposition; history from the events', async () => {
    await cutStrap(svc, person.ankle);
    await waitFor(async () => (await openIncidentOf(svc, person.personId)) !== null);
    const id = (await openIncidentOf(svc, person.personId))!;
    const listed = await officer.get('/incidents?state=open&kind=strap_tamper&limit=1');
    expect(listed.body.items[0]).toMatchObject({ id, severity: 'critical', state: 'open' });
    expect((await officer.post(`/incidents/${id}/acknowledge`)).status).toBe(200);
    expect((await officer.post(`/incidents/${id}/acknowledge`)).status).toBe(409);
    expect((await officer.post(`/incidents/${id}/comments`, { comment: '已电话联系' })).status).toBe(201);
    expect((await officer.post(`/incidents/${id}/resolve`, { note: 'no disposition' })).status).toBe(400);
    expect(
      (await officer.post(`/incidents/${id}/resolve`, { disposition: 'arrested', note: 'x' })).status,
    ).toBe(400);
    const resolved = await officer.post(`/incidents/${id}/resolve`, {
      disposition: 'warned',
      note: '当面警告，重新佩戴',
    });
    expect(resolved.status).toBe(200);
    const detail = (await officer.get(`/incidents/${id}?purpose=closing%20review`)).body;
    expect(detail).toMatchObject({ state: 'resolved', disposition: 'warned', note: '当面警告，重新佩戴' });
    expect(detail.history.map((h: { action: string }) => h.action)).toEqual([
      'opened',
      'acknowledged',
      'commented',
      'resolved',
    ]);
    const me = (await officer.get('/auth/me')).body.userId;
    expect(detail.history.slice(1).every((h: { actor: string }) => h.actor === me)).toBe(true);
    const cursors = detail.history.map((h: { cursor: number }) => h.cursor);
    expect(cursors).toEqual([...cursors].sort((a: number, b: number) => a - b));
  });

  it('pages incidents by cursor without overlap', async () => {
    const first = await admin.get('/incidents?limit=1');
    expect(first.body.next).toBe(first.body.items[0].id);
    const second = await admin.get(`/incidents?limit=1&before=${first.body.next}`);
    for (const item of second.body.items) expect(item.id).toBeLessThan(first.body.next);
  });

  it('serves raw fixes for short ranges and the hourly summary for long ones', async () => {
    const hour = new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000 - 5 * 3_600_000);
    await svc.db.pool
      .query(
        `insert into device_hourly (device_id, hour, fixes, lat, lon, best_acc, first_ts, last_ts, min_batt)
       values ($1, $2, 60, $3, $4, 5, $2, $2, 80)`,
        [person.ankle.id, hour, ZIYANG.lat, ZIYANG.lon],
      )
      .catch(() => {}); // a continuous aggregate (TimescaleDB) cannot be written: only the shape is checked then
    const long = await officer.get(
      `/supervisees/${person.personId}/track?from=${at(Date.now() - 3 * DAY)}&to=${at(Date.now())}&purpose=weekly%20review`,
    );
    expect(long.status).toBe(200);
    expect(long.body.resolution).toBe('hour');
    const short = await officer.get(
      `/supervisees/${person.personId}/track?from=${at(Date.now() - DAY)}&to=${at(Date.now())}&purpose=weekly%20review`,
    );
    expect(short.body.resolution).toBe('fix');
    expect(
      (
        await officer.get(
          `/supervisees/${person.personId}/track?from=${at(Date.now())}&to=${at(Date.now() - DAY)}&purpose=test`,
        )
      ).status,
    ).toBe(400);
  });

  it('lists dead letters by reason', async () => {
    await svc.db.pool.query(
      "insert into dead_letters (protocol, device_id, reason, detail, raw) values ('native', $1, 'invalid_accuracy', 'acc -1', '{}')",
      [person.ankle.id],
    );
    const res = await officer.get('/dead-letters?reason=invalid_accuracy');
    expect(res.body.items.length).toBeGreaterThanOrEqual(1);
    expect(res.body.items.every((l: { reason: string }) => l.reason === 'invalid_accuracy')).toBe(true);
    const reasons = await officer.get('/dead-letters/reasons');
    expect(reasons.body.items).toEqual(
      expect.arrayContaining([expect.objectContaining({ reason: 'invalid_accuracy' })]),
    );
  });
});
