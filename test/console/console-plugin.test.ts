// The console's HTTP side without a browser: the page with its config, history routing, hashed
// assets, the 503 "not built" page, and that API and operations paths are never answered with it.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, describe, expect, it } from 'vitest';
import { consolePlugin, tileImageSource } from '../../src/http/console-plugin.js';

const dirs: string[] = [];
const apps: FastifyInstance[] = [];

async function appWith(distDir: string, mapTileUrl = ''): Promise<FastifyInstance> {
  const app = Fastify();
  await consolePlugin({ distDir, mapTileUrl })(app);
  apps.push(app);
  return app;
}

function fakeBuild(): string {
  const dir = mkdtempSync(join(tmpdir(), 'em-web-'));
  dirs.push(dir);
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'index.html'), '<html><head><!--EM_CONFIG--></head><body>console</body></html>');
  writeFileSync(join(dir, 'assets', 'main-ABC.js'), 'console.log(1)');
  return dir;
}

afterAll(async () => {
  await Promise.all(apps.map((a) => a.close()));
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const html = { accept: 'text/html,application/xhtml+xml' };

describe('console plugin', () => {
  it('answers 503 with what to run when the console is not built', async () => {
    const app = await appWith(join(tmpdir(), 'em-no-such-build'));
    const res = await app.inject({ url: '/', headers: html });
    expect(res.statusCode).toBe(503);
    expect(res.body).toContain('npm run build:web');
  });

  it('serves the page with the tile URL as inert, escaped JSON and a CSP allowing only those tiles', async () => {
    const app = await appWith(fakeBuild(), 'https://{s}.tiles.example.cn/{z}/{x}/{y}.png?</script>');
    const res = await app.inject({ url: '/', headers: html });
    expect(res.statusCode).toBe(200);
    const json = /<script id="em-config" type="application\/json">(.*?)<\/script>/.exec(res.body)?.[1];
    expect(json).not.toContain('</script');
    expect(JSON.parse(json!)).toEqual({
      mapTileUrl: 'https://{s}.tiles.example.cn/{z}/{x}/{y}.png?</script>',
    });
    expect(res.headers['content-security-policy']).toContain(
      "img-src 'self' data: https://*.tiles.example.cn",
    );
    expect(res.headers['cache-control']).toBe('no-cache');
  });

  it('answers page paths with the page (history routing), but never API or operations paths', async () => {
    const app = await appWith(fakeBuild());
    expect((await app.inject({ url: '/people/p-1', headers: html })).body).toContain('console');
    for (const url of ['/api/v1/nope', '/live/x', '/metrics/x', '/assets/missing.js']) {
      const res = await app.inject({ url, headers: html });
      expect(res.statusCode, url).toBe(404);
      expect(res.body, url).not.toContain('console');
    }
    expect(
      (await app.inject({ url: '/people/p-1', headers: { accept: 'application/json' } })).statusCode,
    ).toBe(404);
  });

  it('serves hashed assets with a long cache lifetime', async () => {
    const app = await appWith(fakeBuild());
    const res = await app.inject({ url: '/assets/main-ABC.js' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toContain('immutable');
  });

  it('derives the tile origin for the CSP from a tile template', () => {
    expect(tileImageSource('')).toBe('');
    expect(tileImageSource('http://10.0.0.5:8081/tiles/{z}/{x}/{y}.png')).toBe('http://10.0.0.5:8081');
    expect(tileImageSource('not a url')).toBe('');
  });
});
