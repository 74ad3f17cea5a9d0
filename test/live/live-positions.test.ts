// Positions reach a console only through a read that is audited with its purpose (Art. 29, 54, 61:
// every read of a person's location is recorded: who, when, whose, why). An incident's evidence is
// the fixes that decided it; GET /incidents/:id asks for a purpose and audits it before returning
// them (incidents.ts). The live feed pushes every incident change of a unit to every console in
// scope with one 'live.subscribe' row naming nobody, so it must not carry those positions: a
// prohibition entry reaches the console, live and on resume, without a coordinate in it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser, login } from '../api/support.js';
import {
  type MonitoredPerson,
  personNearSchool,
  publishFixes,
  SCHOOL_LON,
  type TestService,
  ZIYANG,
} from '../support/service.js';
import { type Console, openConsole } from './console.js';

describe('live feed and positions', () => {
  let svc: TestService;
  let person: MonitoredPerson;
  let token: string;
  const consoles: Console[] = [];

  const open = async (since?: number) => {
    const c = await openConsole(svc.httpUrl, token, since === undefined ? {} : { since });
    consoles.push(c);
    await c.until((m) => m.some((x) => x.type === 'caught_up'));
    return c;
  };

  beforeAll(async () => {
    ({ svc, person } = await personNearSchool('em_live_positions'));
    token = (await login(svc, await createUser(svc, 'officer', 'lianhua'))).token;
  }, 120_000);
  afterAll(async () => {
    await Promise.all(consoles.map((c) => c.close().catch(() => {})));
    await svc?.cleanup();
  });

  it('pushes incidents without their evidence positions, live and on resume', async () => {
    const live = await open();
    const since = live.messages[0]!.cursor;
    const t0 = Date.now() - 10 * 60_000;
    const fixes = [0, 1, 2, 3].map((k) => ({
      ts: t0 + k * 30_000,
      lat: ZIYANG.lat,
      lon: SCHOOL_LON,
      acc: 6,
      src: 'gnss',
      seq: k + 1,
    }));
    await publishFixes(svc, person.ankle, fixes);
    const isEntry = (x: { type: string; incident?: { kind?: string } }) =>
      x.type === 'incident' && x.incident?.kind === 'prohibition_entry';
    await live.until((m) => m.some(isEntry), 20_000);
    // The database keeps the evidence (the REST read, audited, returns it).
    const stored = await svc.db.pool.query<{ evidence: unknown[] }>(
      "select evidence from incidents where supervisee_id = $1 and kind = 'prohibition_entry'",
      [person.personId],
    );
    expect(stored.rows[0]!.evidence.length).toBeGreaterThan(0);

    const resumed = await open(since);
    for (const c of [live, resumed]) {
      const pushed = c.incidents().filter(isEntry);
      expect(pushed.length).toBeGreaterThan(0);
      for (const m of pushed) {
        expect(m.incident).not.toHaveProperty('evidence');
        expect(JSON.stringify(m)).not.toContain(String(SCHOOL_LON));
        // Everything the console's queue shows is still there.
        expect(m.incident).toMatchObject({ supervisee_id: person.personId, severity: 'critical' });
      }
    }
  });
});
