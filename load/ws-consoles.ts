// 1,000 live consoles on the WebSocket gateway (/live), each authenticated with a bearer token
// subprotocol, holding the connection and answering heartbeats. Thresholds: every connection
// upgrades (101) and none is closed by the server for being slow.
import { check } from 'k6';
import type { Options } from 'k6/options';
import ws from 'k6/ws';
import { BASE_URL, login } from './common.js';

export const options: Options = {
  scenarios: {
    consoles: {
      executor: 'per-vu-iterations',
      vus: Number(__ENV.CONSOLES ?? 1000),
      iterations: 1,
      maxDuration: '5m',
    },
  },
  thresholds: {
    checks: ['rate==1'],
    ws_connecting: ['p(95)<1000'],
  },
};

export function setup(): { token: string } {
  return { token: login() };
}

export default function (data: { token: string }): void {
  const url = `${BASE_URL.replace(/^http/, 'ws')}/live`;
  const holdMs = Number(__ENV.HOLD_S ?? 60) * 1000;
  const res = ws.connect(
    url,
    { headers: { 'Sec-WebSocket-Protocol': `em.live.v1, bearer.${data.token}` } },
    (socket) => {
      socket.on('open', () => socket.setTimeout(() => socket.close(), holdMs));
      socket.on('close', (code) =>
        check(code, { 'closed by us or normally': (c) => c === 1000 || c === 1005 }),
      );
    },
  );
  check(res, { 'upgraded (101)': (r) => r !== null && r.status === 101 });
}
