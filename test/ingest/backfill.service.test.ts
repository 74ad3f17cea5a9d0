// A monitor back in coverage that sends its live position first and its stored fixes after (issue 4:
// late fixes are evaluated in order; a violation found late is raised with its true start and marked
// late), through the real service: MQTT in, the pipeline, an incident row out.
import { randomUUID } from 'node:crypto';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metricValue } from '../faults/support/signals.js';
import {
  type MonitoredPerson,
  personNearSchool,
  SCHOOL_LON,
  type TestService,
  ZIYANG,
  ZIYANG_KX,
} from '../support/service.js';
import { waitFor } from '../support/wait.js';

const MIN = 60_000;
const KX = ZIYANG_KX;

describe('stored fixes sent after the live one', () => {
  let svc: TestService;
  let person: MonitoredPerson;

  beforeAll(async () => {
    ({ svc, person } = await personNearSchool('em_backfill'));
  }, 120_000);
  afterAll(async () => {
    await svc?.cleanup();
  });

  it('raise the prohibition entry made while out of coverage, late, with its true start', async () => {
    const t0 = Date.now() - 60 * MIN;
    let seq = 1;
    const at = (minute: number, lon: number) => ({
      ts: t0 + minute * MIN,
      lat: ZIYANG.lat,
      lon,
      acc: 6,
      src: 'gnss',
      seq: seq++,
    });
    const home = (minute: number) => at(minute, ZIYANG.lon);
    const device = await mqtt.connectAsync(svc.mqttUrl, {
      clientId: `${person.ankle.id}-${randomUUID().slice(0, 6)}`,
      username: person.ankle.id,
      password: person.ankle.secret,
      reconnectPeriod: 0,
    });
    const topic = `em/v1/devices/${person.ankle.id}/telemetry`;
    const send = (body: object) => device.publishAsync(topic, JSON.stringify(body), { qos: 1 });
    try {
      // At home, then out of coverage from minute 5 to minute 40: to the school and back.
      for (let m = 0; m < 5; m++) await send(home(m));
      const stored = [];
      for (let m = 5; m < 40; m++) {
        const lon =
          m < 12
            ? ZIYANG.lon + ((m - 4) * 2500) / 7 / KX
            : m < 22
              ? SCHOOL_LON
              : m < 30
                ? ZIYANG.lon + 1000 / KX
                : ZIYANG.lon;
        stored.push(at(m, lon));
      }
      // Back: the live fix first, then the buffer (oldest first, in two messages).
      await send(home(40));
      await send({ fixes: stored.slice(0, 15) });
      await send({ fixes: stored.slice(15) });

      const incidents = async () =>
        (
          await svc.db.pool.query<{ started_at: Date; late: boolean; condition_active: boolean }>(
            "select started_at, late, condition_active from incidents where supervisee_id = $1 and kind = 'prohibition_entry'",
            [person.personId],
          )
        ).rows;
      await waitFor(async () => (await incidents()).some((r) => !r.condition_active), 20_000);
      const rows = await incidents();
      expect(rows).toHaveLength(1);
      // The first fix inside the school (minute 12), found late, already over.
      expect(rows[0]!.started_at.getTime()).toBe(t0 + 12 * MIN);
      expect(rows[0]!.late).toBe(true);
      // Every stored fix is kept on the track.
      const kept = await svc.db.pool.query<{ n: string }>(
        'select count(*)::text as n from fixes where device_id = $1',
        [person.ankle.id],
      );
      expect(Number(kept.rows[0]!.n)).toBe(41);
      // Counted as fixes kept and flagged (judged from the gap), not as refusals.
      expect(await metricValue(svc.httpUrl, 'em_fix_flags_total', { flag: 'backfilled' })).toBe(35);
      expect(await metricValue(svc.httpUrl, 'em_refusals_total', { reason: 'flag_backfilled' })).toBeNull();
    } finally {
      await device.endAsync();
    }
  });
});
