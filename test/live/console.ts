// A console as a real `ws` client: connects to /live with the bearer token as a subprotocol,
// records every message, and waits for the ones a test expects.
import WebSocket from 'ws';
import { waitFor } from '../support/wait.js';

export interface LiveMessage {
  type: 'hello' | 'incident' | 'progress' | 'caught_up';
  cursor: number;
  incidentId?: number;
  action?: string;
  // biome-ignore lint/suspicious/noExplicitAny: the incident snapshot is inspected field by field
  incident?: any;
}

export interface Console {
  readonly ws: WebSocket;
  readonly messages: LiveMessage[];
  readonly incidents: () => LiveMessage[];
  readonly closed: Promise<{ code: number; reason: string }>;
  until(check: (m: LiveMessage[]) => boolean, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function openConsole(
  httpUrl: string,
  token: string,
  opts: { since?: number; path?: string; autoPong?: boolean } = {},
): Promise<Console> {
  const url = new URL(opts.path ?? '/live', httpUrl.replace(/^http/, 'ws'));
  if (opts.since !== undefined) url.searchParams.set('since', String(opts.since));
  const ws = new WebSocket(url, ['em.live.v1', `bearer.${token}`], { autoPong: opts.autoPong ?? true });
  const messages: LiveMessage[] = [];
  ws.on('message', (data) => messages.push(JSON.parse(String(data))));
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.on('close', (code, reason) => resolve({ code, reason: String(reason) })),
  );
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
    ws.once('error', reject);
  });
  return {
    ws,
    messages,
    incidents: () => messages.filter((m) => m.type === 'incident'),
    closed,
    until: (check, timeoutMs = 10_000) => waitFor(() => check(messages), timeoutMs, 20),
    async close() {
      if (ws.readyState === WebSocket.CLOSED) return;
      ws.close();
      await closed;
    },
  };
}
