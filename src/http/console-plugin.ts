// Serves the supervision console (issue 6), built by scripts/build-web.ts into web/dist: hashed
// assets under /assets/ (cached for good), and index.html for `/` and every other page address, so
// a reload of /people/<id> opens that page (history routing). The map tile URL is written into the
// page at serve time, so an offline supervision centre can point it at its own tile server without
// rebuilding. Without a build, the console answers 503 with what to run, instead of a bare 404.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';

export const DEFAULT_CONSOLE_DIST = fileURLToPath(new URL('../../web/dist', import.meta.url));

export interface ConsoleOptions {
  /** Map base tiles, `{z}/{x}/{y}` template (config MAP_TILE_URL); empty draws on a plain background. */
  readonly mapTileUrl: string;
  readonly distDir?: string;
}

/** Paths owned by the API, the live gateway and operations; never answered with the console page. */
const NOT_CONSOLE = /^\/(api|live|docs|metrics|healthz|readyz|assets)(\/|$)/;

const NOT_BUILT = `<!doctype html><html lang="zh"><meta charset="utf-8"><title>控制台未构建 · Console not built</title>
<body style="font:16px system-ui,sans-serif;max-width:40em;margin:4em auto;color:#1f2937">
<h1>监管控制台尚未构建</h1><p>请在服务目录运行 <code>npm run build:web</code>，然后刷新本页。</p>
<h1>The supervision console has not been built</h1><p>Run <code>npm run build:web</code> in the service directory, then reload this page.</p>
</body></html>`;

/** The origin images may come from: tiles are the only cross-origin resource the console loads. */
export function tileImageSource(mapTileUrl: string): string {
  if (!mapTileUrl) return '';
  try {
    const url = new URL(mapTileUrl.replaceAll('{s}', 'tile-subdomain').replace(/\{[^}]*\}/g, '0'));
    const host = url.host.replace(/^tile-subdomain\./, '*.');
    return `${url.protocol}//${host}`;
  } catch {
    return '';
  }
}

function securityHeaders(reply: FastifyReply, mapTileUrl: string): FastifyReply {
  const img = ["'self'", 'data:', tileImageSource(mapTileUrl)].filter(Boolean).join(' ');
  return reply
    .header(
      'content-security-policy',
      `default-src 'self'; img-src ${img}; connect-src 'self' ws: wss:; style-src 'self' 'unsafe-inline'; ` +
        "object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
    )
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'no-referrer');
}

export function consolePlugin(options: ConsoleOptions) {
  const dist = options.distDir ?? DEFAULT_CONSOLE_DIST;
  const indexPath = join(dist, 'index.html');
  // Config as inert JSON (never executed), escaped so no value can close the script element.
  const config = JSON.stringify({ mapTileUrl: options.mapTileUrl }).replace(/</g, '\\u003c');
  let cached: { mtimeMs: number; html: string } | null = null;

  /** index.html with the config filled in; re-read when a rebuild replaces it, null when absent. */
  const page = (): string | null => {
    if (!existsSync(indexPath)) return null;
    const { mtimeMs } = statSync(indexPath);
    if (cached?.mtimeMs !== mtimeMs) {
      const html = readFileSync(indexPath, 'utf8').replace(
        '<!--EM_CONFIG-->',
        `<script id="em-config" type="application/json">${config}</script>`,
      );
      cached = { mtimeMs, html };
    }
    return cached.html;
  };

  const sendPage = (reply: FastifyReply) => {
    const html = page();
    securityHeaders(reply, options.mapTileUrl)
      .header('cache-control', 'no-cache')
      .type('text/html; charset=utf-8');
    return html ? reply.send(html) : reply.code(503).send(NOT_BUILT);
  };

  return async (app: FastifyInstance): Promise<void> => {
    // Asset names carry a content hash (build-web.ts), so browsers may keep them for good.
    await app.register(fastifyStatic, {
      root: join(dist, 'assets'),
      prefix: '/assets/',
      index: false,
      wildcard: true,
      maxAge: '365d',
      immutable: true,
    });
    app.get('/', (_req, reply) => sendPage(reply));
    app.setNotFoundHandler((req, reply) => {
      const path = req.url.split('?')[0] ?? '/';
      const wantsPage =
        req.method === 'GET' && !NOT_CONSOLE.test(path) && (req.headers.accept ?? '').includes('text/html');
      if (wantsPage) return sendPage(reply);
      return reply
        .code(404)
        .send({ statusCode: 404, error: 'Not Found', message: `no route ${req.method} ${path}` });
    });
  };
}
