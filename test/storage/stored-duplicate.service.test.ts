// A fix already stored, sent again after the person's decision state was lost (a crash loses up to
// STATE_SAVE_MS of it, decision 0014; a QoS 1 message committed but not yet acknowledged is then
// redelivered): the database's key keeps it stored once, and the metrics say so. It is counted as a
// duplicate, never as a fix accepted (em_fixes_accepted_total: fixes stored as monitoring data).
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { type RunningService, startService } from '../../src/service.js';
import { metricValue } from '../faults/support/signals.js';
import { databaseTargets } from '../support/databases.js';
import { ensureCounty, monitoredPerson, testServiceConfig, ZIYANG } from '../support/service.js';

const targets = await databaseTargets();

describe.each(targets)('a stored fix sent again to a service without its state, on $name', (target) => {
  const cleanups: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  it('is stored once and counted as a duplicate, not as accepted', async () => {
    const env: Record<string, string> = {};
    if (target.name !== 'embedded') {
      const created = await target.create();
      await created.db.close();
      cleanups.push(created.drop);
      env.DATABASE_URL = created.url!;
    }
    const dataDir = mkdtempSync(join(tmpdir(), 'em-svc-'));
    cleanups.push(async () => rmSync(dataDir, { recursive: true, force: true }));
    const log = pino({ level: 'silent' });
    const start = () => startService(testServiceConfig(dataDir, env), log);
    const send = async (svc: RunningService, device: { id: string; secret: string }, body: object) => {
      const client = await mqtt.connectAsync(svc.mqttUrl, {
        clientId: `${device.id}-${randomUUID().slice(0, 6)}`,
        username: device.id,
        password: device.secret,
        reconnectPeriod: 0,
      });
      try {
        // Acknowledged (QoS 1) only once committed (docs/decisions/0003).
        await client.publishAsync(`em/v1/devices/${device.id}/telemetry`, JSON.stringify(body), { qos: 1 });
      } finally {
        await client.endAsync();
      }
    };
    const fix = { ts: Date.now() - 60_000, lat: ZIYANG.lat, lon: ZIYANG.lon, acc: 6, src: 'gnss', seq: 1 };

    const first = await start();
    await ensureCounty(first);
    const person = await monitoredPerson(first);
    await send(first, person.ankle, fix);
    expect(await metricValue(first.httpUrl, 'em_fixes_accepted_total', { protocol: 'native' })).toBe(1);
    await first.stop();
    // The crash lost the saved decision state (the fix is in the database).
    rmSync(join(dataDir, 'person-states.json'), { force: true });

    const second = await start();
    cleanups.push(() => second.stop());
    await send(second, person.ankle, fix);
    const stored = await second.db.pool.query<{ n: number }>(
      'select count(*)::int as n from fixes where device_id = $1',
      [person.ankle.id],
    );
    expect(stored.rows[0]?.n).toBe(1);
    expect(await metricValue(second.httpUrl, 'em_fixes_accepted_total', { protocol: 'native' })).toBeNull();
    expect(await metricValue(second.httpUrl, 'em_refusals_total', { reason: 'duplicate' })).toBe(1);
  }, 180_000);
});
