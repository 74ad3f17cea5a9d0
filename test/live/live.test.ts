// The live gateway through the real service: a real device's violation reaches the consoles of its
// office (and the county above it), never the sibling office; a console that drops and resumes from
// its cursor gets everything it missed exactly once; unauthenticated consoles are refused.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ApiClient,
  createUser,
  cutStrap,
  login,
  openIncidentOf,
  startApiTestService,
} from '../api/support.js';
import { ensureCounty, type MonitoredPerson, monitoredPerson, type TestService } from '../support/service.js';
import { type Console, openConsole } from './console.js';

describe('live gateway', () => {
  let svc: TestService;
  let lianhuaPerson: MonitoredPerson;
  let baotaiPerson: MonitoredPerson;
  let lianhua: ApiClient;
  let baotai: ApiClient;
  let county: ApiClient;
  const consoles: Console[] = [];

  const open = async (token: string, since?: number) => {
    const c = await openConsole(svc.httpUrl, token, since === undefined ? {} : { since });
    consoles.push(c);
    await c.until((m) => m.some((x) => x.type === 'caught_up'));
    return c;
  };

  beforeAll(async () => {
    svc = await startApiTestService();
    await ensureCounty(svc);
    lianhuaPerson = await monitoredPerson(svc, { orgUnitId: 'lianhua', level: 'strict' });
    baotaiPerson = await monitoredPerson(svc, { orgUnitId: 'baotai' });
    lianhua = await login(svc, await createUser(svc, 'officer', 'lianhua'));
    baotai = await login(svc, await createUser(svc, 'officer', 'baotai'));
    county = await login(svc, await createUser(svc, 'supervisor', 'yanjiang'));
  }, 120_000);
  afterAll(async () => {
    await Promise.all(consoles.map((c) => c.close().catch(() => {})));
    await svc?.cleanup();
  });

  it('delivers a strap tamper to its office and county, not to the sibling office', async () => {
    const mine = await open(lianhua.token);
    const sibling = await open(baotai.token);
    const above = await open(county.token);
    await cutStrap(svc, lianhuaPerson.ankle);
    await mine.until((m) => m.some((x) => x.type === 'incident'));
    const [event] = mine.incidents();
    expect(event).toMatchObject({
      action: 'opened',
      incident: { kind: 'strap_tamper', severity: 'critical' },
    });
    expect(event!.incident.supervisee_id).toBe(lianhuaPerson.personId);
    await above.until((m) => m.some((x) => x.type === 'incident' && x.cursor === event!.cursor));
    // A later violation in the sibling office reaches the sibling: by then it would have had ours.
    await cutStrap(svc, baotaiPerson.ankle);
    await sibling.until((m) => m.some((x) => x.type === 'incident'));
    expect(sibling.incidents().map((x) => x.incident.supervisee_id)).toEqual([baotaiPerson.personId]);
    expect(mine.incidents().every((x) => x.incident.org_path === '/ziyang/yanjiang/lianhua/')).toBe(true);
    const cursors = above.incidents().map((x) => x.cursor);
    expect(cursors).toEqual([...cursors].sort((x, y) => x - y));
  });

  it('resumes a dropped console from its cursor: every missed message exactly once, in order', async () => {
    const first = await open(lianhua.token);
    const incidentId = (await openIncidentOf(svc, lianhuaPerson.personId))!;
    await lianhua.post(`/incidents/${incidentId}/comments`, { comment: 'calling the supervisee' });
    await first.until((m) => m.some((x) => x.type === 'incident'));
    const last = first.incidents().at(-1)!.cursor;
    await first.close();

    // Missed while away: three comments and an acknowledgement in lianhua, noise in baotai.
    for (let i = 0; i < 3; i++)
      await lianhua.post(`/incidents/${incidentId}/comments`, { comment: `missed ${i}` });
    await lianhua.post(`/incidents/${incidentId}/acknowledge`);
    const other = (await openIncidentOf(svc, baotaiPerson.personId))!;
    await baotai.post(`/incidents/${other}/comments`, { comment: 'not for lianhua' });

    // Resume while more events are being written: catch-up and live must meet without gap or repeat.
    const writing = (async () => {
      for (let i = 0; i < 5; i++)
        await lianhua.post(`/incidents/${incidentId}/comments`, { comment: `during ${i}` });
    })();
    const resumed = await openConsole(svc.httpUrl, lianhua.token, { since: last });
    consoles.push(resumed);
    await writing;
    await lianhua.post(`/incidents/${incidentId}/comments`, { comment: 'after' });

    const expected = (
      await svc.db.pool.query<{ cursor: number }>(
        "select cursor from incident_events where cursor > $1 and org_path like '/ziyang/yanjiang/lianhua/%' order by cursor",
        [last],
      )
    ).rows.map((r) => r.cursor);
    expect(expected.length).toBe(10);
    await resumed.until((m) => m.filter((x) => x.type === 'incident').length >= expected.length);
    await new Promise((r) => setTimeout(r, 200));
    expect(resumed.incidents().map((x) => x.cursor)).toEqual(expected);
    expect(resumed.messages[0]).toMatchObject({ type: 'hello', cursor: last });
    expect(resumed.incidents().map((x) => x.action)).toContain('acknowledged');
  });

  it('starts a console whose cursor is ahead of the feed (a database restored from backup) at the head, not silent', async () => {
    const head = Number(
      (
        await svc.db.pool.query<{ head: string }>(
          'select coalesce(max(cursor), 0) as head from incident_events',
        )
      ).rows[0]!.head,
    );
    // A cursor the console kept from before the restore: ahead of every event there is.
    const c = await open(lianhua.token, head + 5_000);
    expect(c.messages[0]).toMatchObject({ type: 'hello', cursor: head });
    let incidentId = await openIncidentOf(svc, lianhuaPerson.personId);
    if (incidentId === null) {
      await cutStrap(svc, lianhuaPerson.ankle);
      await c.until((m) => m.some((x) => x.type === 'incident'));
      incidentId = await openIncidentOf(svc, lianhuaPerson.personId);
    }
    expect(
      (await lianhua.post(`/incidents/${incidentId}/comments`, { comment: 'after the restore' })).status,
    ).toBe(201);
    await c.until((m) => m.some((x) => x.type === 'incident' && x.cursor > head));
    expect(c.incidents().every((x) => x.cursor > head)).toBe(true);
  });

  it('refuses a console without a valid token, and a malformed cursor', async () => {
    await expect(openConsole(svc.httpUrl, 'not-a-token')).rejects.toThrow(/401/);
    await expect(openConsole(svc.httpUrl, lianhua.token, { path: '/live?since=abc' })).rejects.toThrow(/400/);
  });

  it('accepts the token as a query parameter for clients that cannot set subprotocols', async () => {
    const { default: WebSocket } = await import('ws');
    const ws = new WebSocket(`${svc.httpUrl.replace('http', 'ws')}/live?token=${lianhua.token}`);
    const hello = await new Promise<{ type: string; cursor: number }>((resolve, reject) => {
      ws.once('message', (d) => resolve(JSON.parse(String(d))));
      ws.once('error', reject);
    });
    expect(hello).toMatchObject({ type: 'hello', cursor: expect.any(Number) });
    ws.close();
  });
});
