// The gateway's own limits, on a gateway of its own with small settings: a console that stops
// reading is disconnected with SLOW_CONSUMER (so it resumes) instead of buffering without bound, and
// a peer that stops answering pings is closed with NOT_READING (and terminated if it never answers).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IncidentEventRow } from '../../src/incidents/apply-alert-changes.js';
import { attachLiveGateway, type LiveGateway } from '../../src/live/gateway.js';
import { CLOSE } from '../../src/live/gateway-session.js';
import { IncidentFeed } from '../../src/live/incident-feed.js';
import { createUser, cutStrap, login, openIncidentOf, startApiTestService } from '../api/support.js';
import { ensureCounty, monitoredPerson, type TestService } from '../support/service.js';
import { waitFor } from '../support/wait.js';
import { openConsole } from './console.js';

describe('live gateway limits', () => {
  let svc: TestService;
  let token: string;
  const feed = new IncidentFeed();
  const running: Array<{ server: Server; gateway: LiveGateway }> = [];

  /** A gateway on a server of its own; returns its base URL. */
  const start = async (pingIntervalMs: number, maxPendingRows?: number) => {
    const server = createServer();
    const gateway = attachLiveGateway(
      server,
      { pool: svc.db.pool, feed, tokens: svc.tokens, log: pino({ level: 'silent' }), clock: Date.now },
      { pingIntervalMs, maxBufferedBytes: 64 * 1024, catchUpPageSize: 100, maxPendingRows },
    );
    running.push({ server, gateway });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, gateway };
  };

  beforeAll(async () => {
    svc = await startApiTestService();
    await ensureCounty(svc);
    token = (await login(svc, await createUser(svc, 'officer', 'lianhua'))).token;
  }, 120_000);
  afterAll(async () => {
    for (const { server, gateway } of running) {
      await gateway.close();
      server.close();
    }
    await svc?.cleanup();
  });

  const row = (cursor: number, orgPath = '/ziyang/yanjiang/lianhua/'): IncidentEventRow => ({
    cursor,
    incidentId: 1,
    orgPath,
    at: new Date().toISOString(),
    actor: 'rules',
    action: 'updated',
    data: { padding: 'x'.repeat(16 * 1024) },
  });

  it('disconnects a console that stops reading, telling it to resume from its cursor', async () => {
    const { url } = await start(60_000);
    const c = await openConsole(url, token, { since: 1_000_000 });
    await c.until((m) => m.some((x) => x.type === 'caught_up'));
    c.ws.pause();
    let cursor = 1_000_000;
    for (let round = 0; round < 30; round++) {
      for (let i = 0; i < 100; i++) feed.publish([row(++cursor)]);
      await new Promise((r) => setTimeout(r, 5));
    }
    c.ws.resume();
    const closed = await c.closed;
    expect(closed.code).toBe(CLOSE.SLOW_CONSUMER);
    expect(closed.reason).toMatch(/resume with since=\d+/);
    const received = c.incidents().map((m) => m.cursor);
    // What it did receive is a gap-free prefix, so resuming from its last cursor loses nothing.
    expect(received).toEqual(received.map((_, i) => 1_000_001 + i));
  });

  it('disconnects a console too slow to finish its catch-up before the live rows held for it pile up', async () => {
    // A backlog in the database too big for the socket's buffers, so catch-up waits on the console.
    const person = await monitoredPerson(svc, { orgUnitId: 'lianhua' });
    await cutStrap(svc, person.ankle);
    await waitFor(async () => (await openIncidentOf(svc, person.personId)) !== null);
    const incidentId = (await openIncidentOf(svc, person.personId))!;
    const head = (
      await svc.db.pool.query<{ head: number }>('select max(cursor)::bigint as head from incident_events')
    ).rows[0]!.head;
    await svc.db.pool.query(
      `insert into incident_events (incident_id, org_path, actor, action, data)
       select $1, '/ziyang/yanjiang/lianhua/', 'rules', 'updated', jsonb_build_object('padding', repeat('x', 16384))
       from generate_series(1, 1500)`,
      [incidentId],
    );
    const { url } = await start(60_000, 200);
    const c = await openConsole(url, token, { since: head });
    c.ws.pause();
    await new Promise((r) => setTimeout(r, 300));
    // Live rows arriving meanwhile are held until catch-up ends: past the limit, the console is closed.
    let cursor = 3_000_000;
    for (let i = 0; i < 1000; i++) feed.publish([row(++cursor)]);
    c.ws.resume();
    const closed = await Promise.race([
      c.closed,
      new Promise<'still open'>((r) => setTimeout(() => r('still open'), 10_000)),
    ]);
    expect(closed).toMatchObject({ code: CLOSE.SLOW_CONSUMER, reason: expect.stringMatching(/since=\d+/) });
    const received = c.incidents().map((m) => m.cursor);
    expect(received).toEqual(received.map((_, i) => head + 1 + i));
  }, 60_000);

  it('never sends another unit’s events', async () => {
    const { url } = await start(60_000);
    const c = await openConsole(url, token, { since: 2_000_000 });
    await c.until((m) => m.some((x) => x.type === 'caught_up'));
    feed.publish([row(2_000_001, '/ziyang/yanjiang/baotai/'), row(2_000_002, '/ziyang/'), row(2_000_003)]);
    await c.until((m) => m.some((x) => x.cursor === 2_000_003));
    expect(c.incidents().map((m) => m.cursor)).toEqual([2_000_003]);
    await c.close();
  });

  it('closes a peer that stops answering pings, telling it to resume', async () => {
    const { url, gateway } = await start(100);
    const c = await openConsole(url, token, { autoPong: false });
    const closed = await c.closed;
    expect(closed.code).toBe(CLOSE.NOT_READING);
    expect(closed.reason).toMatch(/resume with since=/);
    await waitFor(() => gateway.connections === 0);
  });
});
