// The console side of bench/latency.ts: logs in as a user over HTTP (POST /api/v1/auth/login) and
// holds one WebSocket on `/live` (subprotocols `em.live.v1`, `bearer.<token>`), as a browser console
// does. Every `incident` message is stamped with performance.now() the moment it arrives and handed
// to `onIncident`; nothing else is done on the receive path.
import WebSocket from 'ws';

export interface LiveIncident {
  type: 'incident';
  cursor: number;
  incidentId: number;
  action: string;
  actor: string;
  at: string;
  incident: { kind?: string; supervisee_id?: string; [key: string]: unknown };
}

export interface LiveConsole {
  /** Messages of any type received so far. */
  readonly received: () => number;
  close(): Promise<void>;
}

export async function loginToken(httpUrl: string, username: string, password: string): Promise<string> {
  const res = await fetch(`${httpUrl}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  if (res.status !== 200) throw new Error(`login ${username}: ${res.status} ${await res.text()}`);
  const body = (await res.json()) as { token?: string };
  if (!body.token) throw new Error(`login ${username}: no token in the answer`);
  return body.token;
}

/**
 * Opens the console and resolves once the server has sent `caught_up` (the catch-up from the
 * database is over, live delivery has begun). `onClose` reports an unexpected close.
 */
export async function openLiveConsole(
  httpUrl: string,
  token: string,
  onIncident: (msg: LiveIncident, arrivedAt: number) => void,
  onClose: (code: number, reason: string) => void,
  timeoutMs = 15_000,
): Promise<LiveConsole> {
  const url = new URL('/live', httpUrl.replace(/^http/, 'ws'));
  const ws = new WebSocket(url, ['em.live.v1', `bearer.${token}`], { perMessageDeflate: false });
  let count = 0;
  let closing = false;
  let caughtUp: (() => void) | undefined;
  let timer: NodeJS.Timeout | undefined;
  const ready = new Promise<void>((resolve, reject) => {
    caughtUp = resolve;
    timer = setTimeout(() => reject(new Error(`/live: no caught_up within ${timeoutMs} ms`)), timeoutMs);
    ws.once('unexpected-response', (_req, res) =>
      reject(new Error(`/live upgrade refused: ${res.statusCode}`)),
    );
    ws.once('error', reject);
  }).finally(() => clearTimeout(timer));
  ws.on('message', (data) => {
    const arrivedAt = performance.now();
    count++;
    const msg = JSON.parse(String(data)) as { type: string };
    if (msg.type === 'incident') onIncident(msg as LiveIncident, arrivedAt);
    else if (msg.type === 'caught_up') caughtUp?.();
  });
  const closed = new Promise<void>((resolve) =>
    ws.on('close', (code, reason) => {
      if (!closing) onClose(code, String(reason));
      resolve();
    }),
  );
  try {
    await ready;
  } catch (err) {
    closing = true;
    ws.terminate();
    throw err;
  }
  return {
    received: () => count,
    async close() {
      closing = true;
      if (ws.readyState === WebSocket.CLOSED) return;
      ws.close();
      await Promise.race([closed, new Promise((r) => setTimeout(r, 2000))]);
      ws.terminate();
    },
  };
}
