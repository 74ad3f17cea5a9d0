// A console that never gives up: connects to /live, records every incident message, and whenever
// the connection ends (server restart, slow-consumer close, database outage) reconnects with
// `?since=<last cursor>` as the console app does. `pause()` stops reading the socket (a frozen tab).
import type { Socket } from 'node:net';
import WebSocket from 'ws';

export interface CloseRecord {
  readonly code: number;
  readonly reason: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class ResumingConsole {
  /** Cursors of incident messages, in the order received. */
  readonly cursors: number[] = [];
  readonly closes: CloseRecord[] = [];
  connects = 0;
  private lastCursor: number | null = null;
  private ws: WebSocket | null = null;
  private stopped = false;
  private paused = false;
  private loop: Promise<void> | null = null;

  constructor(
    readonly name: string,
    private readonly httpUrl: () => string,
    private readonly token: string,
    /** Cursor to resume after on the first connection (the head before the run started). */
    since: number,
  ) {
    this.lastCursor = since;
  }

  get cursor(): number | null {
    return this.lastCursor;
  }

  get connected(): boolean {
    return this.ws?.readyState === WebSocket.OPEN;
  }

  start(): void {
    this.loop = this.run();
  }

  /** Stops reading: the server's writes pile up in the socket buffers, then in its own buffer. */
  pause(): void {
    this.paused = true;
    (this.ws as unknown as { _socket?: Socket } | null)?._socket?.pause();
  }

  resume(): void {
    this.paused = false;
    (this.ws as unknown as { _socket?: Socket } | null)?._socket?.resume();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.ws?.terminate();
    await this.loop;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      const closed = await this.connectOnce().catch(() => null);
      if (closed) this.closes.push(closed);
      if (!this.stopped) await sleep(closed ? 100 : 500);
    }
  }

  private connectOnce(): Promise<CloseRecord> {
    const url = new URL('/live', this.httpUrl().replace(/^http/, 'ws'));
    if (this.lastCursor !== null) url.searchParams.set('since', String(this.lastCursor));
    const ws = new WebSocket(url, ['em.live.v1', `bearer.${this.token}`]);
    this.ws = ws;
    return new Promise<CloseRecord>((resolve, reject) => {
      ws.on('open', () => {
        this.connects++;
        if (this.paused) this.pause();
      });
      ws.on('message', (data) => {
        const m = JSON.parse(String(data)) as { type: string; cursor: number };
        if (m.type === 'incident') this.cursors.push(m.cursor);
        if (m.type === 'incident' || m.type === 'caught_up' || m.type === 'progress') {
          this.lastCursor = Math.max(this.lastCursor ?? 0, m.cursor);
        }
      });
      ws.on('unexpected-response', (_req, res) => {
        ws.terminate();
        reject(new Error(`upgrade refused: ${res.statusCode}`));
      });
      ws.on('error', () => {});
      ws.on('close', (code, reason) => resolve({ code, reason: String(reason) }));
    });
  }
}
