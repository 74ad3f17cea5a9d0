// Durability (issue 3, ARCHITECTURE.md): SIGKILL the service while QoS 1 publishers run, restart it,
// and every fix whose publish was acknowledged is stored exactly once.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/ports.js';
import { monitoredPerson, startTestService, ZIYANG } from '../support/service.js';
import { spawnService } from '../support/service-process.js';

const DEVICES = 4;

describe('crash safety with the embedded broker and database', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'em-crash-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('keeps every acknowledged fix exactly once across a SIGKILL', async () => {
    // Provision with the service in-process, then run it as a separate process on the same data.
    const setup = await startTestService({ DATA_DIR: dataDir });
    const people = [];
    for (let i = 0; i < DEVICES; i++) people.push(await monitoredPerson(setup));
    await setup.stop();

    const [http, mqttPort, osmand] = [await freePort(), await freePort(), await freePort()];
    const env = { DATA_DIR: dataDir, MQTT_LISTEN_PORT: String(mqttPort), OSMAND_PORT: String(osmand) };
    let proc = await spawnService(env, http);
    const acked = new Map<string, Set<number>>();
    let running = true;
    let seq = 0;

    const publishers = people.map(async ({ ankle }) => {
      const done = new Set<number>();
      acked.set(ankle.id, done);
      while (running) {
        const client = await mqtt
          .connectAsync(`mqtt://127.0.0.1:${mqttPort}`, {
            clientId: ankle.id,
            username: ankle.id,
            password: ankle.secret,
            reconnectPeriod: 0,
            connectTimeout: 2000,
          })
          .catch(() => null);
        if (!client) {
          await new Promise((r) => setTimeout(r, 200));
          continue;
        }
        client.on('error', () => {});
        const closed = new Promise<boolean>((r) => client.once('close', () => r(false)));
        while (running && client.connected) {
          const n = ++seq;
          const fix = {
            ts: new Date(Date.now() - 2000).toISOString(),
            lat: ZIYANG.lat,
            lon: ZIYANG.lon + n * 1e-6,
            acc: 8,
            src: 'gnss',
            seq: n,
          };
          const ok = await Promise.race([
            client.publishAsync(`em/v1/devices/${ankle.id}/telemetry`, JSON.stringify(fix), { qos: 1 }).then(
              () => true,
              () => false,
            ),
            closed,
          ]);
          if (ok) done.add(n);
          // Distinct fix times: the service's identity of a fix is (device, ts).
          await new Promise((r) => setTimeout(r, 2));
        }
        client.end(true);
      }
    });

    await new Promise((r) => setTimeout(r, 2500));
    await proc.kill('SIGKILL');
    const ackedAtKill = [...acked.values()].reduce((n, s) => n + s.size, 0);
    await new Promise((r) => setTimeout(r, 300));
    proc = await spawnService(env, http);
    await new Promise((r) => setTimeout(r, 1500));
    running = false;
    await Promise.all(publishers);
    expect(await proc.kill('SIGTERM')).toBe(0);

    const check = await startTestService({ DATA_DIR: dataDir });
    try {
      let total = 0;
      for (const [deviceId, seqs] of acked) {
        const rows = await check.db.pool.query<{ seq: number; n: number }>(
          'select seq, count(*)::int as n from fixes where device_id = $1 group by seq',
          [deviceId],
        );
        const stored = new Map(rows.rows.map((r) => [r.seq, r.n]));
        for (const s of seqs) expect(stored.get(s), `${deviceId} seq ${s}`).toBe(1);
        for (const n of stored.values()) expect(n).toBe(1);
        total += seqs.size;
      }
      console.log(
        `[crash] acknowledged before kill: ${ackedAtKill}, in all: ${total}; every one stored once`,
      );
      expect(ackedAtKill).toBeGreaterThan(50);
      expect(total).toBeGreaterThan(ackedAtKill);
    } finally {
      await check.cleanup();
    }
  }, 180_000);
});
