// What a client can do wrong on /live, on the real service: reset its connection while the upgrade
// is still being authenticated, or send messages on a feed that takes none (malformed or a flood).
// Each gets a bounded, visible outcome for that connection alone; the service and the other
// consoles carry on.
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createUser, login, startApiTestService } from '../api/support.js';
import type { TestService } from '../support/service.js';
import { type Console, openConsole } from './console.js';

describe('live gateway: bad client input', () => {
  let svc: TestService;
  let token: string;
  const consoles: Console[] = [];

  const open = async () => {
    const c = await openConsole(svc.httpUrl, token);
    consoles.push(c);
    await c.until((m) => m.some((x) => x.type === 'caught_up'));
    return c;
  };

  beforeAll(async () => {
    svc = await startApiTestService();
    token = (await login(svc, await createUser(svc, 'officer', 'lianhua'))).token;
  }, 120_000);
  afterAll(async () => {
    await Promise.all(consoles.map((c) => c.close().catch(() => {})));
    await svc?.cleanup();
  });

  it('survives clients that reset the connection while their upgrade is being authenticated', async () => {
    const control = await open();
    const { hostname, port } = new URL(svc.httpUrl);
    for (let i = 0; i < 20; i++) {
      const t = i % 2 ? token : 'not-a-token';
      const socket = connect(Number(port), hostname);
      socket.on('error', () => {});
      await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
      socket.write(
        `GET /live?token=${t} HTTP/1.1\r\nHost: ${hostname}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
      );
      // Half with a token refused, half accepted. RST, not FIN: the server's next read or write on that socket fails with ECONNRESET/EPIPE.
      socket.resetAndDestroy();
    }
    await new Promise((r) => setTimeout(r, 500));
    expect(control.ws.readyState).toBe(WebSocket.OPEN);
    await open();
  });

  /** The close the server sent, or 'still open' after two seconds. */
  const closeOf = (c: Console) =>
    Promise.race([c.closed, new Promise<'still open'>((r) => setTimeout(() => r('still open'), 2000))]);

  it('closes a console that sends a message (the feed takes none) with 1008; others carry on', async () => {
    const control = await open();
    const malformed = await open();
    malformed.ws.send('{"type":"subscribe","personId":');
    expect(await closeOf(malformed)).toMatchObject({
      code: 1008,
      reason: expect.stringMatching(/no messages/),
    });

    const flood = await open();
    const payload = JSON.stringify({ type: 'subscribe', personId: 'someone-else' });
    for (let i = 0; i < 5000; i++) flood.ws.send(payload);
    expect(await closeOf(flood)).toMatchObject({ code: 1008 });

    expect(control.ws.readyState).toBe(WebSocket.OPEN);
    expect(await closeOf(control)).toBe('still open');
    await open();
  });
});
