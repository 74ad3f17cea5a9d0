// A store-and-forward batch reaching back past retention (RETENTION_DAYS shorter than MAX_FIX_AGE_DAYS),
// through the real service on every database target: the fix older than retention is refused as
// too_old on its own, and the good fixes in the same message are stored (bad input loses nothing else).
import { randomUUID } from 'node:crypto';
import mqtt from 'mqtt';
import { afterAll, describe, expect, it } from 'vitest';
import { databaseTargets } from '../support/databases.js';
import {
  ensureCounty,
  monitoredPerson,
  startTestService,
  type TestService,
  ZIYANG,
} from '../support/service.js';

const DAY = 86_400_000;
const targets = await databaseTargets();

describe.each(targets)('a fix older than retention on $name', (target) => {
  const cleanups: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  it('is refused alone; the rest of its message is stored', async () => {
    const env: Record<string, string> = { RETENTION_DAYS: '7', MAX_FIX_AGE_DAYS: '30' };
    if (target.name !== 'embedded') {
      const created = await target.create();
      await created.db.close();
      cleanups.push(created.drop);
      env.DATABASE_URL = created.url!;
    }
    const svc: TestService = await startTestService(env);
    cleanups.push(() => svc.cleanup());
    await ensureCounty(svc);
    const person = await monitoredPerson(svc);
    const now = Date.now();
    const at = (ts: number, seq: number) => ({
      ts,
      lat: ZIYANG.lat,
      lon: ZIYANG.lon,
      acc: 6,
      src: 'gnss',
      seq,
    });
    const device = await mqtt.connectAsync(svc.mqttUrl, {
      clientId: `${person.ankle.id}-${randomUUID().slice(0, 6)}`,
      username: person.ankle.id,
      password: person.ankle.secret,
      reconnectPeriod: 0,
    });
    try {
      // Acknowledged (QoS 1) only once what it carried is committed (docs/decisions/0003).
      const fixes = [at(now - 10 * DAY, 1), at(now - 2 * DAY, 2), at(now - 60_000, 3)];
      await device.publishAsync(`em/v1/devices/${person.ankle.id}/telemetry`, JSON.stringify({ fixes }), {
        qos: 1,
      });
    } finally {
      await device.endAsync();
    }
    const stored = await svc.db.pool.query<{ ts: Date }>(
      'select ts from fixes where device_id = $1 order by ts',
      [person.ankle.id],
    );
    expect(stored.rows.map((r) => r.ts.getTime())).toEqual([now - 2 * DAY, now - 60_000]);
    const letters = await svc.db.pool.query<{ reason: string }>(
      'select reason from dead_letters where device_id = $1',
      [person.ankle.id],
    );
    expect(letters.rows.map((r) => r.reason)).toEqual(['too_old']);
  }, 120_000);
});
