// The /live WebSocket (src/live/gateway.ts): the token rides as a `bearer.<token>` subprotocol next
// to `em.live.v1`, since browsers cannot set headers on a WebSocket. Every message carries a cursor;
// after a drop the link reconnects with `?since=<last cursor>` and the server replays, from the
// database, everything it missed exactly once before `caught_up`. Retries back off to 30 s with
// jitter, so a restarted server is not hit by every console in the same second.
export interface IncidentMessage {
  type: 'incident';
  cursor: number;
  incidentId: number;
  action: string;
  actor: string;
  at: string;
  incident: Record<string, unknown>;
}

export type LinkState =
  | { kind: 'connecting' }
  | { kind: 'catching_up'; since: number }
  | { kind: 'live'; cursor: number; resumed: { since: number; missed: number; at: number } | null }
  | { kind: 'reconnecting'; attempt: number; retryAt: number }
  | { kind: 'expired' };

export interface LiveHandlers {
  /** `replayed`: delivered during catch-up after a reconnect, i.e. it happened while we were away. */
  onIncident(message: IncidentMessage, replayed: boolean): void;
  onState(state: LinkState): void;
  /** The first hello: the server's head cursor is known, so a REST snapshot taken now misses nothing. */
  onFirstHello(): void;
}

/**
 * Close codes that end the signed-in session (gateway-session.ts CLOSE): the token expired or the
 * account was disabled (4401), or its role or unit changed (4403); signing in again gives the new scope.
 */
const SIGN_IN_AGAIN = new Set([4401, 4403]);
const BACKOFF_S = [1, 2, 4, 8, 15, 30];

export class LiveLink {
  private ws: WebSocket | null = null;
  private cursor: number | null = null;
  private attempt = 0;
  private resumingFrom: number | null = null;
  private missed = 0;
  private retry: ReturnType<typeof setTimeout> | undefined;
  private stopped = false;
  state: LinkState = { kind: 'connecting' };

  constructor(
    private readonly token: string,
    private readonly handlers: LiveHandlers,
  ) {}

  start(): void {
    this.open();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.retry);
    this.ws?.close(1000, 'signed out');
  }

  private setState(state: LinkState): void {
    this.state = state;
    this.handlers.onState(state);
  }

  private open(): void {
    const url = new URL('/live', location.href);
    url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
    if (this.cursor !== null) url.searchParams.set('since', String(this.cursor));
    this.resumingFrom = this.cursor;
    this.missed = 0;
    this.setState(
      this.cursor === null ? { kind: 'connecting' } : { kind: 'catching_up', since: this.cursor },
    );
    const ws = new WebSocket(url, ['em.live.v1', `bearer.${this.token}`]);
    this.ws = ws;
    ws.onmessage = (event) =>
      this.receive(JSON.parse(String(event.data)) as { type: string; cursor: number });
    ws.onclose = (event) => {
      if (this.ws !== ws || this.stopped) return;
      this.ws = null;
      if (SIGN_IN_AGAIN.has(event.code)) return this.setState({ kind: 'expired' });
      this.scheduleReconnect();
    };
  }

  private receive(message: { type: string; cursor: number }): void {
    switch (message.type) {
      case 'hello':
        if (this.cursor === null) {
          this.cursor = message.cursor;
          this.handlers.onFirstHello();
        }
        return;
      case 'incident': {
        const replayed = this.resumingFrom !== null && this.state.kind === 'catching_up';
        if (replayed) this.missed++;
        this.cursor = message.cursor;
        this.handlers.onIncident(message as IncidentMessage, replayed);
        return;
      }
      case 'progress':
        this.cursor = Math.max(this.cursor ?? 0, message.cursor);
        return;
      case 'caught_up': {
        this.cursor = Math.max(this.cursor ?? 0, message.cursor);
        this.attempt = 0;
        const resumed =
          this.resumingFrom === null
            ? null
            : { since: this.resumingFrom, missed: this.missed, at: Date.now() };
        this.setState({ kind: 'live', cursor: this.cursor, resumed });
        return;
      }
    }
  }

  private scheduleReconnect(): void {
    const base = BACKOFF_S[Math.min(this.attempt, BACKOFF_S.length - 1)]!;
    this.attempt++;
    const delayMs = base * 1000 * (0.8 + Math.random() * 0.4);
    this.setState({ kind: 'reconnecting', attempt: this.attempt, retryAt: Date.now() + delayMs });
    this.retry = setTimeout(() => this.open(), delayMs);
  }

  /** The cursor of the last message received, for the connection indicator. */
  get lastCursor(): number | null {
    return this.cursor;
  }
}
