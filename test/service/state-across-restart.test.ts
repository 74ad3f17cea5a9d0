// One instance without Redis keeps its person states across a restart (src/adapters/file/
// person-state-file.ts): the lost-contact clock runs on from the last fix, not from the restart
// (Art. 30), and an episode open at the restart is closed by the rules when the device is heard
// again, instead of staying "still lost" on the console. Two in-process services, one after the
// other, on the same DATA_DIR (embedded database and state file), on one fake clock.
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/ports.js';
import {
  monitoredPerson,
  protectedPerson,
  startTestService,
  type TestService,
  ZIYANG,
} from '../support/service.js';
import { connectDevice } from '../support/two-instances.js';

const MIN = 60_000;

describe('person state across a restart (in-memory store, state file)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'em-restart-'));
  let now = Date.now();
  const running: TestService[] = [];
  afterAll(async () => {
    for (const svc of running) await svc.stop().catch(() => {});
    rmSync(dataDir, { recursive: true, force: true });
  });

  const start = async () => {
    const svc = await startTestService(
      {
        DATA_DIR: dataDir,
        MQTT_LISTEN_PORT: String(await freePort()),
        // No periodic tick: the test fires each one at its fake time.
        TIMER_TICK_MS: '300000',
      },
      { clock: () => now },
    );
    running.push(svc);
    return svc;
  };
  const stop = async (svc: TestService) => {
    await svc.stop();
    running.splice(running.indexOf(svc), 1);
  };
  const lostContact = async (svc: TestService, personId: string) =>
    (
      await svc.db.pool.query<{ started_at: Date; condition_active: boolean }>(
        "select started_at, condition_active from incidents where supervisee_id = $1 and kind = 'lost_contact'",
        [personId],
      )
    ).rows;

  it('counts the silence from the last fix before the restart, and clears what was open then', async () => {
    let svc = await start();
    const person = await monitoredPerson(svc, { orgUnitId: 'lianhua', level: 'strict' });
    const lastFix = now;
    const ankle = await connectDevice(svc.mqttUrl, person.ankle);
    await ankle.send([{ ts: lastFix, lat: ZIYANG.lat, lon: ZIYANG.lon }]);
    await ankle.close();
    await svc.tick(now);

    // Three minutes later the service restarts (a strict supervisee is lost after five).
    now += 3 * MIN;
    await stop(svc);
    svc = await start();
    await svc.tick(now);
    now += 2 * MIN + 30_000;
    await svc.tick(now);
    const rows = await lostContact(svc, person.personId);
    expect(rows).toHaveLength(1);
    // Lost since the last fix (the episode's start is the last contact).
    expect(rows[0]!.started_at.getTime()).toBe(lastFix);
    expect(rows[0]!.condition_active).toBe(true);

    // Restarted again while lost; the monitor is heard from afterwards: the episode ends.
    now += MIN;
    await stop(svc);
    svc = await start();
    now += MIN;
    const back = await connectDevice(svc.mqttUrl, person.ankle);
    await back.send([{ ts: now, lat: ZIYANG.lat, lon: ZIYANG.lon }]);
    await back.close();
    expect((await lostContact(svc, person.personId))[0]!.condition_active).toBe(false);
    // The person on call sees where the states come from.
    const ready = (await svc.app.inject({ method: 'GET', url: '/readyz' })).json();
    expect(ready.checks.state.detail).toMatch(
      /in-memory \(single instance\); \d+ people's states read from .*person-states\.json at start/,
    );
  }, 120_000);

  it('starts without an unreadable state file, moves it aside, and says so in /readyz and /metrics', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'em-restart-bad-'));
    try {
      writeFileSync(join(dir, 'person-states.json'), 'not a state file');
      const svc = await startTestService({ DATA_DIR: dir, MQTT_LISTEN_PORT: String(await freePort()) });
      try {
        const ready = (await svc.app.inject({ method: 'GET', url: '/readyz' })).json();
        expect(ready.ready).toBe(true);
        expect(ready.checks.state.detail).toMatch(
          /state file unreadable at start \(.*moved to .*\); started without it/,
        );
        const metrics = (await svc.app.inject({ method: 'GET', url: '/metrics' })).body;
        expect(metrics).toMatch(/em_state_file_problems_total\{problem="unreadable"\} 1/);
        expect(existsSync(join(dir, 'person-states.json'))).toBe(false);
        expect(readdirSync(dir).some((f) => f.startsWith('person-states.json.unreadable-'))).toBe(true);
      } finally {
        await svc.stop();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it('does not report a protected person’s proximity unknown just because the service restarted', async () => {
    let svc = await start();
    const person = await monitoredPerson(svc, { orgUnitId: 'lianhua', level: 'normal' });
    const victim = { lat: ZIYANG.lat + 0.03, lon: ZIYANG.lon };
    const phone = await protectedPerson(svc, person.personId, victim);
    const send = async (device: { id: string; secret: string }, at: { lat: number; lon: number }) => {
      const link = await connectDevice(svc.mqttUrl, device);
      await link.send([{ ts: now, ...at }]);
      await link.close();
    };
    const unknown = async () =>
      (
        await svc.db.pool.query<{ n: number }>(
          "select count(*)::int as n from incidents where supervisee_id = $1 and kind = 'proximity_unknown'",
          [person.personId],
        )
      ).rows[0]!.n;
    await send(phone, victim);
    now += 30_000;
    await send(person.ankle, ZIYANG);
    expect(await unknown()).toBe(0);

    // Restart: the phone's position is not kept (it is nobody's monitoring data). His monitor
    // reports before her phone does: not known yet is not unknown.
    now += 30_000;
    await stop(svc);
    svc = await start();
    now += 30_000;
    await send(person.ankle, ZIYANG);
    expect(await unknown()).toBe(0);
    // Her phone stays silent past the five minutes a fix is fresh for: now it is unknown.
    now += 5 * MIN;
    await send(person.ankle, ZIYANG);
    expect(await unknown()).toBe(1);
  }, 120_000);
});
