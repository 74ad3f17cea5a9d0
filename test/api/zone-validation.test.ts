// A zone the rules cannot compile is bad input, refused where it enters (400), and a stored one
// (written before that check existed, or by hand) is left out of the rules, logged and counted: it
// never stops the directory for every other office, nor the next start (non-negotiable 4). Before,
// a curfew starting at minute 1440 passed the route, was stored, and then every directory reload and
// every start failed.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningService, startService } from '../../src/service.js';
import {
  monitoredPerson,
  squareAround,
  type TestService,
  testServiceConfig,
  ZIYANG,
} from '../support/service.js';
import { type ApiClient, createUser, login } from './support.js';

describe('zones the rules cannot compile', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'em-zone-validation-'));
  const config = testServiceConfig(dataDir);
  let svc: RunningService | undefined;
  let lianhua: ApiClient;
  let baotai: ApiClient;
  const start = async () => {
    svc = await startService(config, pino({ level: 'silent' }));
    return svc as TestService;
  };
  const invalidZonesGauge = async () => {
    const text = await (await fetch(`${svc!.httpUrl}/metrics`)).text();
    return Number(/^em_directory_invalid_zones (\d+)/m.exec(text)?.[1]);
  };

  beforeAll(async () => {
    const t = await start();
    lianhua = await login(t, await createUser(t, 'officer', 'lianhua'));
    baotai = await login(t, await createUser(t, 'officer', 'baotai'));
  }, 120_000);
  afterAll(async () => {
    await svc?.stop().catch(() => {});
    rmSync(dataDir, { recursive: true, force: true });
  });

  const residence = (personId: string, schedule: unknown) => ({
    kind: 'residence',
    orgUnitId: 'lianhua',
    superviseeId: personId,
    name: 'home',
    geometry: squareAround(ZIYANG.lat, ZIYANG.lon, 100),
    schedule,
  });

  it('refuses a curfew window out of range as bad input, and other offices carry on', async () => {
    const person = (await monitoredPerson(svc!, { orgUnitId: 'lianhua' })).personId;
    const weekly = await lianhua.post(
      '/zones',
      residence(person, { weekly: [{ weekday: 1, startMin: 1440, endMin: 360 }] }),
    );
    expect(weekly.status).toBe(400);
    const exception = await lianhua.post(
      '/zones',
      residence(person, {
        weekly: [{ weekday: 1, startMin: 1320, endMin: 360 }],
        exceptions: [{ date: '2026-12-24', windows: [{ startMin: 1440, endMin: 60 }] }],
      }),
    );
    expect(exception.status).toBe(400);
    const stored = await svc!.db.pool.query('select count(*)::int as n from zones where supervisee_id = $1', [
      person,
    ]);
    expect(stored.rows[0].n).toBe(0);
    const other = await baotai.post('/supervisees', {
      orgUnitId: 'baotai',
      name: '他所对象',
      level: 'normal',
    });
    expect(other.status).toBe(201);
  });

  it('leaves a stored zone it cannot compile out of the rules, counts it, and still starts', async () => {
    const person = await monitoredPerson(svc!, { orgUnitId: 'lianhua' });
    // As written before the API checked schedules: straight into the table.
    await svc!.db.pool.query(
      `insert into zones (id, kind, org_unit_id, supervisee_id, name, geometry, schedule)
       values ('bad-curfew', 'residence', 'lianhua', $1, 'home', $2, $3)`,
      [
        person.personId,
        JSON.stringify(squareAround(ZIYANG.lat, ZIYANG.lon, 100)),
        JSON.stringify({ weekly: [{ weekday: 1, startMin: 1440, endMin: 360 }], exceptions: [] }),
      ],
    );
    await svc!.stop();
    svc = undefined;
    const t = await start();
    expect(await invalidZonesGauge()).toBe(1);
    // Everybody else's rules are loaded, and writes reload the directory as usual.
    expect(t.directory.person(person.personId)?.context.curfew).toBeNull();
    const baotai2 = await login(t, await createUser(t, 'officer', 'baotai'));
    const other = await baotai2.post('/supervisees', {
      orgUnitId: 'baotai',
      name: '又一对象',
      level: 'normal',
    });
    expect(other.status).toBe(201);
    await t.db.pool.query("delete from zones where id = 'bad-curfew'");
    await t.directory.reload();
    await expect.poll(invalidZonesGauge).toBe(0);
  });
});
