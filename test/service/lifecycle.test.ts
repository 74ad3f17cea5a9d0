// Issue 2 "Done when": the service starts on embedded defaults and is ready, exits cleanly on a
// signal, keeps its data across a restart, and names the setting when its MQTT port is taken.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/ports.js';
import { spawnService } from '../support/service-process.js';

describe('service lifecycle on embedded defaults', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'em-life-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('is ready, stops cleanly on SIGINT, and keeps its data across a restart', async () => {
    const env = {
      DATA_DIR: dataDir,
      MQTT_LISTEN_PORT: String(await freePort()),
      OSMAND_PORT: String(await freePort()),
    };
    const first = await spawnService(env, await freePort());
    const ready = (await (await fetch(`${first.httpUrl}/readyz`)).json()) as {
      ready: boolean;
      checks: { database: { storageMode: string } };
    };
    expect(ready.ready).toBe(true);
    expect(ready.checks.database.storageMode).toBe('postgres');
    // JSON logs escape the quotes around the user name and the password.
    expect(first.output()).toMatch(
      /first start: seeded demo units and user \\"admin\\" with password \\"\w{16}\\"/,
    );
    expect(await first.kill('SIGINT')).toBe(0);

    const second = await spawnService(env, await freePort());
    expect(second.output()).not.toMatch(/first start/);
    expect((await fetch(`${second.httpUrl}/healthz`)).status).toBe(200);
    expect(await second.kill('SIGTERM')).toBe(0);
  }, 120_000);

  it('refuses to start when its MQTT port is taken, naming the setting', async () => {
    const blocker = createServer().listen(0, '127.0.0.1');
    await new Promise((r) => blocker.once('listening', r));
    const address = blocker.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    try {
      const attempt = spawnService(
        { DATA_DIR: dataDir, MQTT_LISTEN_PORT: String(port), OSMAND_PORT: String(await freePort()) },
        await freePort(),
      );
      await expect(attempt).rejects.toThrow(/MQTT_LISTEN_PORT/);
    } finally {
      blocker.close();
    }
  }, 60_000);
});
