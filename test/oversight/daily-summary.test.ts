// Daily summaries per county (issue 9 item 6) on the real database with a fake clock: the service
// generates the last complete local day's summary by itself at start; a run is idempotent per county
// and day (a second run, or a change to the data afterwards, leaves the stored summary as it was);
// the next day comes when the clock reaches it; the figures match sums worked out by hand; the API
// exports them as JSON and CSV to the counties in scope, and records each export.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contentHash } from '../../src/oversight/sample.js';
import { createUser, login, loginAdmin } from '../api/support.js';
import { startTestServiceOnDatabaseUrl, type TestService } from '../support/service.js';
import { A, B } from './seed-month.js';
import { insertIncident, S } from './support.js';

const H = 3_600_000;
/** Local midnight (UTC+8) starting 2026-03-10, the day summarized. */
const D0 = Date.parse('2026-03-09T16:00:00Z');
const L = (hours: number) => D0 + hours * H;

describe('daily summary per county on a fake clock', () => {
  let svc: TestService;
  let now = L(12);
  const ids = {} as Record<'oa' | 'ob' | 'sup', { id: string; name: string }>;
  const stored = async () =>
    (
      await svc.db.pool.query<{ county_id: string; day: string; generated_at: Date; sha256: string }>(
        `select county_id, to_char(day, 'YYYY-MM-DD') as day, generated_at, sha256 from daily_summaries
         order by day, county_id`,
      )
    ).rows;

  beforeAll(async () => {
    svc = await startTestServiceOnDatabaseUrl('em_daily', {}, { clock: () => now });
    const db = svc.db.pool;
    for (const [key, role, unit] of [
      ['oa', 'officer', 'lianhua'],
      ['ob', 'officer', 'baotai'],
      ['sup', 'supervisor', 'yanjiang'],
    ] as const) {
      const name = await createUser(svc, role, unit);
      const res = await db.query<{ id: string }>('select id from users where username = $1', [name]);
      ids[key] = { id: res.rows[0]!.id, name };
    }
    // A second county with one office and nothing happening there.
    await db.query(
      `insert into org_units (id, parent_id, level, name, path) values
         ('lezhi', 'ziyang', 'county', '乐至县', '/ziyang/lezhi/'),
         ('tongjia', 'lezhi', 'office', '童家镇司法所', '/ziyang/lezhi/tongjia/')`,
    );
    for (const [id, unit, officer, start, end] of [
      ['pa', 'lianhua', ids.oa.id, L(-120), L(720)],
      ['pb', 'baotai', ids.ob.id, L(12), L(960)],
    ] as const) {
      await db.query(
        `insert into supervisees (id, org_unit_id, name, level, officer_id) values ($1, $2, $1, 'normal', $3)`,
        [id, unit, officer],
      );
      await db.query(
        `insert into em_orders (id, supervisee_id, ground, approver, approved_at, starts_at, ends_at)
         values ($1, $2, 'left_without_approval', '雁江区司法局局长', $3, $3, $4)`,
        [`o-${id}`, id, new Date(start), new Date(end)],
      );
    }
    // Open incidents are seeded at escalation level 2, so the service's escalation timer leaves them be.
    await insertIncident(db, A, {
      person: 'pa',
      kind: 'jurisdiction_exit',
      openedAt: L(9),
      state: 'resolved',
      ack: { at: L(9) + 120 * S, by: ids.oa.id },
      resolve: { at: L(9) + 600 * S, by: ids.oa.id, disposition: 'contacted' },
      escalationLevel: 0,
    });
    await insertIncident(db, A, {
      person: 'pa',
      kind: 'curfew_breach',
      openedAt: L(20),
      state: 'open',
      escalationLevel: 2,
    });
    await insertIncident(db, A, {
      person: 'pa',
      kind: 'lost_contact',
      startedAt: L(21),
      openedAt: L(21) + 300 * S,
      state: 'open',
      escalationLevel: 2,
    });
    await insertIncident(db, B, {
      person: 'pb',
      kind: 'jurisdiction_exit',
      openedAt: L(13),
      state: 'acknowledged',
      ack: { at: L(13) + 30 * S, by: ids.ob.id },
      escalationLevel: 0,
    });
    // The evening before (23:30): not the day's, but still open when the summary is made.
    await insertIncident(db, A, {
      person: 'pa',
      kind: 'battery_low',
      openedAt: L(-0.5),
      state: 'open',
      escalationLevel: 2,
    });
  });

  afterAll(async () => {
    await svc?.cleanup();
  });

  it('generates the previous local day at start, on its own', async () => {
    // Started at 12:00 on 2026-03-10 (UTC+8): 2026-03-09 is the last complete day; lezhi came later.
    expect((await stored()).map((r) => [r.county_id, r.day])).toEqual([['yanjiang', '2026-03-09']]);
  });

  it('summarizes each county once the day is over, with the hand-computed figures', async () => {
    now = L(24.5);
    const run = await svc.summarize();
    expect(run).toEqual({ day: '2026-03-10', generated: ['lezhi', 'yanjiang'], alreadyThere: [] });
    const res = await svc.db.pool.query(
      `select content, sha256 from daily_summaries where county_id = 'yanjiang' and day = '2026-03-10'`,
    );
    const { content, sha256 } = res.rows[0];
    expect(sha256).toBe(contentHash(content));
    expect(content).toMatchObject({
      countyId: 'yanjiang',
      countyName: '雁江区司法局',
      day: '2026-03-10',
      from: '2026-03-09T16:00:00.000Z',
      to: '2026-03-10T16:00:00.000Z',
      utcOffsetMinutes: 480,
      generatedAt: new Date(L(24.5)).toISOString(),
    });
    // County: 4 opened (3 in A, 1 in B); person-days pa 1 + pb 0.5 (from noon); acknowledged after
    // 120 s and 30 s → nearest rank p50 30, p95 120; one resolved after 600 s; the curfew breach and
    // the lost contact reached the city; open at 00:30: A's three and B's one.
    expect(content.county).toEqual({
      incidentsOpened: 4,
      supervisedPersonDays: 1.5,
      incidentsPerPersonDay: Math.round((4 / 1.5) * 1e6) / 1e6,
      acknowledgeP50S: 30,
      acknowledgeP95S: 120,
      resolveP50S: 600,
      resolveP95S: 600,
      escalatedToCounty: 2,
      escalatedToCity: 2,
      openAtGeneration: 4,
      lostContactStarted: 1,
      lostContactOngoing: 1,
      ordersEndingWithin7Days: 0,
      ordersExpiredUnrevoked: 0,
      fixesOutsideOrder: 0,
      incidentsOutsideOrder: 0,
      ordersWithoutGroundOrApprover: 0,
    });
    expect(content.offices).toEqual([
      {
        orgUnitId: 'baotai',
        name: '宝台镇司法所',
        incidentsOpened: 1,
        supervisedPersonDays: 0.5,
        incidentsPerPersonDay: 2,
        acknowledgeP50S: 30,
        acknowledgeP95S: 30,
        resolveP50S: null,
        resolveP95S: null,
        escalatedToCounty: 0,
        escalatedToCity: 0,
        openAtGeneration: 1,
        lostContactStarted: 0,
        lostContactOngoing: 0,
      },
      {
        orgUnitId: 'lianhua',
        name: '莲花街道司法所',
        incidentsOpened: 3,
        supervisedPersonDays: 1,
        incidentsPerPersonDay: 3,
        acknowledgeP50S: 120,
        acknowledgeP95S: 120,
        resolveP50S: 600,
        resolveP95S: 600,
        escalatedToCounty: 2,
        escalatedToCity: 2,
        openAtGeneration: 3,
        lostContactStarted: 1,
        lostContactOngoing: 1,
      },
    ]);
    const lezhi = await svc.db.pool.query(
      `select content from daily_summaries where county_id = 'lezhi' and day = '2026-03-10'`,
    );
    expect(lezhi.rows[0].content.county).toMatchObject({ incidentsOpened: 0, incidentsPerPersonDay: null });
    expect(lezhi.rows[0].content.offices.map((o: { orgUnitId: string }) => o.orgUnitId)).toEqual(['tongjia']);
  });

  it('is idempotent per county and day: later runs and later changes leave the summary as stored', async () => {
    const before = await stored();
    now = L(25);
    expect(await svc.summarize()).toEqual({
      day: '2026-03-10',
      generated: [],
      alreadyThere: ['lezhi', 'yanjiang'],
    });
    await svc.db.pool.query(
      `update incidents set state = 'resolved', resolved_at = $1, disposition = 'contacted' where kind = 'curfew_breach'`,
      [new Date(L(25))],
    );
    now = L(47);
    await svc.summarize();
    expect(await stored()).toEqual(before);
  });

  it('summarizes the next day when the clock reaches it', async () => {
    now = L(48.5);
    expect(await svc.summarize()).toMatchObject({ day: '2026-03-11', generated: ['lezhi', 'yanjiang'] });
    const res = await svc.db.pool.query(
      `select content from daily_summaries where county_id = 'yanjiang' and day = '2026-03-11'`,
    );
    // Nothing opened on the 11th; the curfew breach was resolved; A's lost contact and low battery and
    // B's acknowledged exit remain.
    expect(res.rows[0].content.county).toMatchObject({
      incidentsOpened: 0,
      supervisedPersonDays: 2,
      openAtGeneration: 3,
      lostContactStarted: 0,
      lostContactOngoing: 1,
    });
  });

  it('exports the counties in scope as JSON and CSV, and records each export', async () => {
    const sup = await login(svc, ids.sup.name);
    const json = await sup.get('/oversight/daily-summaries?from=2026-03-10&to=2026-03-11');
    expect(json.status).toBe(200);
    expect(json.body.items.map((i: { content: { countyId: string; day: string } }) => i.content.day)).toEqual(
      ['2026-03-10', '2026-03-11'],
    );
    for (const item of json.body.items) {
      expect(item.content.countyId).toBe('yanjiang');
      expect(item.sha256).toBe(contentHash(item.content));
    }
    const city = await loginAdmin(svc);
    const all = await city.get('/oversight/daily-summaries?from=2026-03-10&to=2026-03-10');
    expect(all.body.items.map((i: { content: { countyId: string } }) => i.content.countyId)).toEqual([
      'lezhi',
      'yanjiang',
    ]);
    // An office sees no county summary: it covers the offices beside it.
    const officer = await login(svc, ids.oa.name);
    expect(
      (await officer.get('/oversight/daily-summaries?from=2026-03-10&to=2026-03-11')).body.items,
    ).toEqual([]);

    const csv = await svc.app.inject({
      method: 'GET',
      url: '/api/v1/oversight/daily-summaries?from=2026-03-10&to=2026-03-10&format=csv',
      headers: { authorization: `Bearer ${sup.token}` },
    });
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(csv.body.startsWith('\uFEFF')).toBe(true);
    const lines = csv.body.slice(1).trimEnd().split('\r\n');
    const sha = json.body.items[0].sha256;
    const at = new Date(L(24.5)).toISOString();
    expect(lines).toEqual([
      'day,county_id,unit_id,unit_name,incidentsOpened,supervisedPersonDays,incidentsPerPersonDay,' +
        'acknowledgeP50S,acknowledgeP95S,resolveP50S,resolveP95S,escalatedToCounty,escalatedToCity,' +
        'openAtGeneration,lostContactStarted,lostContactOngoing,generated_at,sha256',
      `2026-03-10,yanjiang,yanjiang,雁江区司法局,4,1.5,2.666667,30,120,600,600,2,2,4,1,1,${at},${sha}`,
      `2026-03-10,yanjiang,baotai,宝台镇司法所,1,0.5,2,30,30,,,0,0,1,0,0,${at},${sha}`,
      `2026-03-10,yanjiang,lianhua,莲花街道司法所,3,1,3,120,120,600,600,2,2,3,1,1,${at},${sha}`,
    ]);
    const audit = await svc.db.pool.query<{ detail: { format: string } }>(
      `select detail from audit_log where actor_user_id = $1 and detail->>'report' = 'daily-summaries' order by id`,
      [ids.sup.id],
    );
    expect(audit.rows.map((r) => r.detail.format)).toEqual(['json', 'csv']);
    const bad = await sup.get('/oversight/daily-summaries?from=2026-03-12&to=2026-03-10');
    expect(bad.status).toBe(400);
  });
});
