// The live gateway (issue 5): WebSocket consoles on the HTTP server's `/live` path.
//
// Authentication, checked before the upgrade is accepted (401 otherwise): the bearer token from
// POST /api/v1/auth/login, offered as a subprotocol `bearer.<token>` next to `em.live.v1` (the one
// the server selects; browsers cannot set headers on a WebSocket), or as `?token=` for clients that
// cannot set subprotocols. `?since=<cursor>` resumes after that cursor; without it the stream starts
// at the newest cursor. Every message is JSON with a `cursor`: hello, incident (one per
// incident_events row, cursor strictly increasing), progress, caught_up. Heartbeat: a ping every
// `pingIntervalMs`; a peer that has not answered the previous ping is terminated. Every
// `accountCheckMs` each console's account is read again: one disabled or removed is closed with 4401,
// one whose role or unit changed with 4403 (accountChange). A console that sends anything is closed
// with 1008.
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type pg from 'pg';
import { WebSocketServer } from 'ws';
import { appendAuditNow } from '../audit/audit-log.js';
import { type Caller, loadCaller } from '../auth/access.js';
import type { TokenSigner } from '../auth/tokens.js';
import type { Logger } from '../logger.js';
import { CLOSE, LiveSession, type SessionOptions } from './gateway-session.js';
import type { IncidentFeed } from './incident-feed.js';

export const LIVE_PATH = '/live';
export const LIVE_SUBPROTOCOL = 'em.live.v1';
const BEARER_PREFIX = 'bearer.';

export interface LiveGatewayOptions extends SessionOptions {
  readonly pingIntervalMs: number;
  /** How often open consoles' accounts are read again (default 5 s). */
  readonly accountCheckMs?: number;
}

const ACCOUNT_CHECK_MS = 5_000;

export const DEFAULT_LIVE_OPTIONS: LiveGatewayOptions = {
  pingIntervalMs: 15_000,
  accountCheckMs: ACCOUNT_CHECK_MS,
  maxBufferedBytes: 1 << 20,
  catchUpPageSize: 500,
};

export interface LiveGatewayDeps {
  readonly pool: pg.Pool;
  readonly feed: IncidentFeed;
  readonly tokens: TokenSigner;
  readonly log: Logger;
  readonly clock: () => number;
  /** Operator signals: open connections, and consoles closed for falling behind. */
  readonly metrics?: {
    connections(count: number): void;
    slowConsumerClosed(): void;
  };
}

export interface LiveGateway {
  readonly connections: number;
  close(): Promise<void>;
}

function reject(socket: Duplex, status: number, reason: string): void {
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

function tokenOf(req: IncomingMessage, url: URL): string | null {
  const offered = (req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
  const fromProtocol = offered.find((p) => p.startsWith(BEARER_PREFIX));
  return fromProtocol ? fromProtocol.slice(BEARER_PREFIX.length) : url.searchParams.get('token');
}

/**
 * Why a console opened as `before` must close now that its account reads `now` (null: disabled or
 * removed), or null while it may stay. The REST API reloads the caller on every request
 * (authenticate.ts); a console's scope is fixed when it connects, so without this a disabled user, or
 * one moved to another office, kept receiving incidents and their evidence until the token expired
 * (Art. 29, 54: location data only for those whose duty it is).
 */
export function accountChange(before: Caller, now: Caller | null): { code: number; reason: string } | null {
  if (!now) return { code: CLOSE.TOKEN_EXPIRED, reason: 'account disabled or removed; log in again' };
  const same =
    now.role === before.role && now.orgUnitId === before.orgUnitId && now.orgPath === before.orgPath;
  return same ? null : { code: CLOSE.ACCOUNT_CHANGED, reason: 'role or unit changed; log in again' };
}

/** One read per user per round, however many consoles it has open; every instance checks its own. */
async function closeChangedAccounts(
  pool: pg.Pool,
  sessions: Iterable<LiveSession>,
  log: Logger,
): Promise<void> {
  const current = new Map<string, Caller | null>();
  for (const session of [...sessions]) {
    const id = session.caller.userId;
    if (!current.has(id)) current.set(id, await loadCaller(pool, id));
    const change = accountChange(session.caller, current.get(id) ?? null);
    if (!change) continue;
    log.info({ userId: id, code: change.code }, `console closed: ${change.reason}`);
    session.close(change.code, change.reason);
  }
}

export function attachLiveGateway(
  server: Server,
  deps: LiveGatewayDeps,
  options: LiveGatewayOptions = DEFAULT_LIVE_OPTIONS,
): LiveGateway {
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: 64 * 1024,
    // Never echo the token; select our protocol when offered (RFC 6455 §4.2.2).
    handleProtocols: (protocols) => (protocols.has(LIVE_SUBPROTOCOL) ? LIVE_SUBPROTOCOL : false),
  });
  const alive = new WeakMap<object, boolean>();
  const sessionOf = new WeakMap<object, LiveSession>();
  const sessions = new Set<LiveSession>();

  // Node's HTTP server stops listening for an upgraded socket's errors before it emits 'upgrade'.
  // A client that resets while its upgrade is still being authenticated (the database reads above
  // the handshake) made the refusal's write, or the handshake's, an unhandled 'error' that ended
  // the process and every console with it; such a socket is only destroyed.
  const destroyOnError = function (this: Duplex) {
    this.destroy();
  };

  const start = async (req: IncomingMessage, socket: Duplex, head: Buffer, url: URL) => {
    const sinceParam = url.searchParams.get('since');
    if (sinceParam !== null && !/^\d{1,18}$/.test(sinceParam)) return reject(socket, 400, 'Bad Request');
    const token = tokenOf(req, url);
    const claims = token ? deps.tokens.verify(token) : null;
    const caller: Caller | null = claims ? await loadCaller(deps.pool, claims.sub) : null;
    if (!claims || !caller) return reject(socket, 401, 'Unauthorized');
    const feedHead = Number(
      (
        await deps.pool.query<{ head: string }>(
          'select coalesce(max(cursor), 0)::bigint as head from incident_events',
        )
      ).rows[0]?.head ?? 0,
    );
    // A cursor ahead of every event (kept by a console from before a database was restored, or
    // from another deployment) would filter out everything until the feed caught up with it: the
    // console would sit silent, looking live. It starts at the head instead, and `hello` says so.
    const asked = sinceParam !== null ? Number(sinceParam) : feedHead;
    if (asked > feedHead) {
      deps.log.warn(
        { since: asked, head: feedHead },
        'console cursor ahead of the feed; starting at its head',
      );
    }
    const since = Math.min(asked, feedHead);
    await appendAuditNow(
      deps.pool,
      { actorUserId: caller.userId, actorRole: caller.role, action: 'live.subscribe', detail: { since } },
      deps.clock(),
    );
    // ws listens for the socket's errors from here on (handleUpgrade); ours is for the wait above.
    socket.off('error', destroyOnError);
    wss.handleUpgrade(req, socket, head, (ws) => {
      const session = new LiveSession(ws, caller, since, deps.pool, options);
      sessions.add(session);
      sessionOf.set(ws, session);
      alive.set(ws, true);
      const unsubscribe = deps.feed.subscribe((row) => session.onLive(row));
      const expiry = setTimeout(
        () => session.close(CLOSE.TOKEN_EXPIRED, 'token expired; log in and resume'),
        Math.max(0, claims.exp * 1000 - deps.clock()),
      );
      ws.on('pong', () => alive.set(ws, true));
      ws.on('close', () => {
        session.markClosed();
        unsubscribe();
        clearTimeout(expiry);
        sessions.delete(session);
        deps.metrics?.connections(sessions.size);
        if (session.closeCode === CLOSE.SLOW_CONSUMER || session.closeCode === CLOSE.NOT_READING) {
          deps.metrics?.slowConsumerClosed();
          deps.log.warn(
            { userId: caller.userId, cursor: session.cursor, code: session.closeCode },
            session.closeCode === CLOSE.SLOW_CONSUMER
              ? 'console closed: it fell too far behind (it resumes from its cursor)'
              : 'console closed: it stopped reading (it resumes from its cursor)',
          );
        }
      });
      deps.metrics?.connections(sessions.size);
      ws.on('error', () => ws.terminate());
      // Consoles do not send: scope comes from the account, not from a subscription message. Anything
      // sent is answered by a close that says so, which also bounds a flood to what arrives before it.
      ws.on('message', () => {
        if (session.closeCode !== null) return;
        deps.log.warn({ userId: caller.userId }, 'console closed: it sent a message on the one-way feed');
        session.close(CLOSE.UNEXPECTED_MESSAGE, 'this feed takes no messages; scope follows your account');
      });
      session.send({
        type: 'hello',
        cursor: since,
        user: { id: caller.userId, role: caller.role, orgUnitId: caller.orgUnitId },
        heartbeatMs: options.pingIntervalMs,
      });
      session.catchUp().catch((err) => {
        deps.log.error({ err }, 'live catch-up failed');
        session.close(CLOSE.INTERNAL_ERROR, 'catch-up failed; resume later');
      });
    });
  };

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== LIVE_PATH) {
      if (server.listenerCount('upgrade') === 1) socket.destroy();
      return;
    }
    socket.on('error', destroyOnError);
    start(req, socket, head, url).catch((err) => {
      deps.log.error({ err }, 'live upgrade failed');
      reject(socket, 500, 'Internal Server Error');
    });
  };
  server.on('upgrade', onUpgrade);

  const heartbeat = setInterval(() => {
    for (const ws of wss.clients) {
      if (alive.get(ws) === false) {
        // A close frame rather than a bare reset: a console that was only frozen (a background tab)
        // reads it when it wakes and knows to resume; close() terminates a peer that never answers.
        const session = sessionOf.get(ws);
        if (session) session.close(CLOSE.NOT_READING, 'no answer to ping; resume with since=<last cursor>');
        else ws.terminate();
        continue;
      }
      alive.set(ws, false);
      ws.ping();
    }
  }, options.pingIntervalMs);
  heartbeat.unref();

  let checking: Promise<void> | null = null;
  const accountCheck = setInterval(() => {
    checking ??= closeChangedAccounts(deps.pool, sessions, deps.log)
      .catch((err) => deps.log.warn({ err }, 'live account check failed; retried next round'))
      .finally(() => {
        checking = null;
      });
  }, options.accountCheckMs ?? ACCOUNT_CHECK_MS);
  accountCheck.unref();

  return {
    get connections() {
      return sessions.size;
    },
    async close() {
      clearInterval(heartbeat);
      clearInterval(accountCheck);
      await checking;
      server.off('upgrade', onUpgrade);
      for (const s of sessions) s.close(CLOSE.GOING_AWAY, 'server shutting down; resume elsewhere');
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      for (const ws of wss.clients) ws.terminate();
    },
  };
}
