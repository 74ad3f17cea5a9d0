// Escalation of unacknowledged incidents, office → county → city, on a fake clock: the pure decision
// table, then the runner through the service's tick, seen by a county console.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  decideEscalations,
  ESCALATION_AFTER_MS,
  type EscalationCandidate,
} from '../../src/incidents/escalation.js';
import {
  type ApiClient,
  createUser,
  cutStrap,
  login,
  openIncidentOf,
  startApiTestService,
} from '../api/support.js';
import { ensureCounty, type MonitoredPerson, monitoredPerson, type TestService } from '../support/service.js';
import { type Console, openConsole } from './console.js';

const MIN = 60_000;
const T0 = Date.UTC(2026, 10, 27, 2, 0, 0);

const candidate = (over: Partial<EscalationCandidate> = {}): EscalationCandidate => ({
  id: 1,
  state: 'open',
  severity: 'critical',
  level: 'normal',
  openedAt: T0,
  escalationLevel: 0,
  ...over,
});

describe('escalation decisions (pure, fake clock)', () => {
  it.each([
    ['strict', 5, 15],
    ['normal', 10, 30],
    ['lenient', 15, 45],
  ] as const)('critical, %s: county after %i min, city after %i min', (level, toCounty, toCity) => {
    const c = candidate({ level });
    expect(decideEscalations([c], T0 + toCounty * MIN - 1)).toEqual([]);
    expect(decideEscalations([c], T0 + toCounty * MIN)).toEqual([{ id: 1, from: 0, to: 1 }]);
    expect(decideEscalations([{ ...c, escalationLevel: 1 }], T0 + toCity * MIN - 1)).toEqual([]);
    expect(decideEscalations([{ ...c, escalationLevel: 1 }], T0 + toCity * MIN)).toEqual([
      { id: 1, from: 1, to: 2 },
    ]);
  });

  it('jumps straight to the city when the county step was missed', () => {
    expect(decideEscalations([candidate()], T0 + 31 * MIN)).toEqual([{ id: 1, from: 0, to: 2 }]);
  });

  it('counts from the reopening when a new violation reopened an acknowledged incident', () => {
    // Acknowledged at level 1, reopened 2 h later: the city is due 30 min (normal) after the reopening.
    const reopenedAt = T0 + 120 * MIN;
    const c = candidate({ escalationLevel: 1, reopenedAt });
    expect(decideEscalations([c], reopenedAt + 30 * MIN - 1)).toEqual([]);
    expect(decideEscalations([c], reopenedAt + 30 * MIN)).toEqual([{ id: 1, from: 1, to: 2 }]);
    expect(decideEscalations([candidate({ reopenedAt })], reopenedAt + 10 * MIN - 1)).toEqual([]);
  });

  it('never escalates acknowledged, resolved, top-level or low-severity incidents', () => {
    const late = T0 + 24 * 60 * MIN;
    expect(
      decideEscalations(
        [
          candidate({ state: 'acknowledged' }),
          candidate({ state: 'resolved' }),
          candidate({ escalationLevel: 2 }),
          candidate({ severity: 'low' }),
        ],
        late,
      ),
    ).toEqual([]);
    expect(ESCALATION_AFTER_MS.low).toBeNull();
  });

  it('escalates faster for stricter categories and higher severities', () => {
    const table = ESCALATION_AFTER_MS;
    for (const sev of ['critical', 'high', 'medium'] as const) {
      const t = table[sev]!;
      expect(t.strict[0]).toBeLessThan(t.normal[0]);
      expect(t.normal[0]).toBeLessThan(t.lenient[0]);
      for (const l of ['strict', 'normal', 'lenient'] as const) expect(t[l][0]).toBeLessThan(t[l][1]);
    }
    expect(table.critical!.normal[0]).toBeLessThan(table.high!.normal[0]);
    expect(table.high!.normal[0]).toBeLessThan(table.medium!.normal[0]);
  });
});

describe('escalation runner through the service tick', () => {
  let svc: TestService;
  let strict: MonitoredPerson;
  let officer: ApiClient;
  let countyConsole: Console;

  beforeAll(async () => {
    svc = await startApiTestService();
    await ensureCounty(svc);
    strict = await monitoredPerson(svc, { orgUnitId: 'lianhua', level: 'strict' });
    officer = await login(svc, await createUser(svc, 'officer', 'lianhua'));
    const county = await login(svc, await createUser(svc, 'supervisor', 'yanjiang'));
    countyConsole = await openConsole(svc.httpUrl, county.token);
  }, 120_000);
  afterAll(async () => {
    await countyConsole?.close();
    await svc?.cleanup();
  });

  const incidentRow = async (id: number) =>
    (await svc.db.pool.query('select state, escalation_level, opened_at from incidents where id = $1', [id]))
      .rows[0];

  it('escalates an unacknowledged critical incident to the county at 5 min and the city at 15 (strict)', async () => {
    await cutStrap(svc, strict.ankle);
    let id: number | null = null;
    await countyConsole.until((m) => m.some((x) => x.action === 'opened'));
    id = await openIncidentOf(svc, strict.personId);
    const opened = (await incidentRow(id!)).opened_at.getTime() as number;

    await svc.tick(opened + 5 * MIN - 1000);
    expect((await incidentRow(id!)).escalation_level).toBe(0);
    await svc.tick(opened + 5 * MIN);
    expect((await incidentRow(id!)).escalation_level).toBe(1);
    await countyConsole.until((m) => m.some((x) => x.action === 'escalated' && x.incidentId === id));
    const first = countyConsole.incidents().find((x) => x.action === 'escalated')!;
    expect(first.incident).toMatchObject({ escalation_level: 1, escalated_to: 'county' });

    await svc.tick(opened + 15 * MIN);
    expect((await incidentRow(id!)).escalation_level).toBe(2);
    await countyConsole.until((m) =>
      m.some((x) => x.action === 'escalated' && x.incident.escalated_to === 'city'),
    );
    // Idempotent: a later tick does nothing more.
    const events = countyConsole.incidents().length;
    await svc.tick(opened + 60 * MIN);
    const history = (await officer.get(`/incidents/${id}?purpose=escalation%20check`)).body.history as Array<{
      action: string;
    }>;
    expect(history.filter((h) => h.action === 'escalated')).toHaveLength(2);
    expect(
      countyConsole.incidents().filter((x) => x.incidentId === id && x.action === 'escalated'),
    ).toHaveLength(2);
    expect(countyConsole.incidents().length).toBeGreaterThanOrEqual(events);
  });

  it('does not escalate an incident acknowledged in time', async () => {
    const other = await monitoredPerson(svc, { orgUnitId: 'lianhua', level: 'strict' });
    await cutStrap(svc, other.ankle);
    await countyConsole.until((m) =>
      m.some((x) => x.action === 'opened' && x.incident.supervisee_id === other.personId),
    );
    const id = (await openIncidentOf(svc, other.personId))!;
    expect((await officer.post(`/incidents/${id}/acknowledge`)).status).toBe(200);
    const opened = (await incidentRow(id)).opened_at.getTime() as number;
    await svc.tick(opened + 60 * MIN);
    expect(await incidentRow(id)).toMatchObject({ state: 'acknowledged', escalation_level: 0 });
  });
});
