// A month of activity for two offices of the 雁江区 county (lianhua = A, baotai = B), seeded with SQL at
// moments relative to a fixed clock: users of each role, people with orders and fixes, dead letters
// and incidents with their handling history. The oversight API suite checks every figure against
// sums worked out by hand from this seed (see its comments); the console suite draws the same month.
import { createUser } from '../api/support.js';
import type { TestService } from '../support/service.js';
import { DAY, insertIncident, S } from './support.js';

export const A = { id: 'lianhua', path: '/ziyang/yanjiang/lianhua/' };
export const B = { id: 'baotai', path: '/ziyang/yanjiang/baotai/' };

export type SeedUsers = Record<'oa1' | 'oa2' | 'ob1' | 'sup' | 'aud' | 'audA', { id: string; name: string }>;

export async function seedMonth(svc: TestService, NOW: number): Promise<SeedUsers> {
  const at = (days: number, seconds = 0) => NOW + days * DAY + seconds * S;
  const u = {} as SeedUsers;
  const db = svc.db.pool;
  for (const [key, role, unit] of [
    ['oa1', 'officer', 'lianhua'],
    ['oa2', 'officer', 'lianhua'],
    ['ob1', 'officer', 'baotai'],
    ['sup', 'supervisor', 'yanjiang'],
    ['aud', 'auditor', 'yanjiang'],
    ['audA', 'auditor', 'lianhua'],
  ] as const) {
    const name = await createUser(svc, role, unit);
    const res = await db.query<{ id: string }>('select id from users where username = $1', [name]);
    u[key] = { id: res.rows[0]!.id, name };
  }

  const people: [string, string, string][] = [
    ['pa1', 'lianhua', u.oa1.id],
    ['pa2', 'lianhua', u.oa2.id],
    ['pa3', 'lianhua', u.oa1.id],
    ['pb1', 'baotai', u.ob1.id],
    ['pb2', 'baotai', u.ob1.id],
    ['pb3', 'baotai', u.ob1.id],
    ['pb4', 'baotai', u.ob1.id],
  ];
  for (const [id, unit, officer] of people) {
    await db.query(
      `insert into supervisees (id, org_unit_id, name, level, officer_id) values ($1, $2, $1, 'normal', $3)`,
      [id, unit, officer],
    );
    await db.query(
      `insert into devices (id, supervisee_id, kind, secret_hash) values ($1, $2, 'ankle', 'x')`,
      [`d-${id}`, id],
    );
  }
  await db.query(
    `insert into devices (id, supervisee_id, kind, secret_hash) values ('dx', null, 'ankle', 'x')`,
  );
  // Orders: [start, end) in days from NOW, optional revocation and renewal.
  const orders: [string, string, number, number, number | null, string | null][] = [
    ['o-pa1', 'pa1', -40, 20, null, null],
    ['o-pa2a', 'pa2', -60, -14, null, null],
    ['o-pa2b', 'pa2', -10, 3, null, 'o-pa2a'],
    ['o-pa3', 'pa3', -20, -5, -15, null],
    ['o-pb1', 'pb1', -25, 30, null, null],
    ['o-pb2', 'pb2', -3, 40, null, null],
    ['o-pb3', 'pb3', -80, -20, null, null],
    ['o-pb4', 'pb4', 10, 40, null, null],
  ];
  for (const [id, person, start, end, revoked, renews] of orders) {
    await db.query(
      `insert into em_orders (id, supervisee_id, ground, approver, approved_at, starts_at, ends_at, revoked_at,
           renews_order_id) values ($1, $2, 'left_without_approval', '雁江区司法局局长', $3, $3, $4, $5, $6)`,
      [
        id,
        person,
        new Date(at(start)),
        new Date(at(end)),
        revoked === null ? null : new Date(at(revoked)),
        renews,
      ],
    );
  }
  // Fixes: [person, days from NOW, seconds].
  const fixes: [string, number, number][] = [
    ['pa1', -27, 0], // first fix of o-pa1, 13 days after it began: late intake
    ['pa1', -2, 0],
    ['pa2', -20, 0], // inside o-pa2a
    ['pa2', -12, 0], // between o-pa2a and o-pa2b: outside any order
    ['pa2', -10, 1800], // o-pa2b's first fix, 30 minutes in
    ['pa3', -12, 0], // after o-pa3's revocation: outside any order
    ['pb1', -25, 7200], // 2 h after o-pb1 began
    ['pb1', -5, 0],
    ['pb3', -22, 0], // inside o-pb3
    ['pb3', -19, 0], // after o-pb3 ended: outside any order
  ];
  for (const [person, days, seconds] of fixes) {
    await db.query(
      `insert into fixes (device_id, ts, supervisee_id, lat, lon, acc, src, received_at, protocol)
         values ($1, $2, $3, 30.12, 104.63, 10, 'gnss', $2, 'native')`,
      [`d-${person}`, new Date(at(days, seconds)), person],
    );
  }
  const letters: [string | null, string][] = [
    ['dx', 'unknown_device'],
    ['dx', 'unknown_device'],
    ['dx', 'malformed'],
    ['d-pa1', 'unknown_device'],
    ['ghost', 'unknown_device'],
  ];
  for (const [device, reason] of letters) {
    await db.query(
      `insert into dead_letters (received_at, protocol, device_id, reason, detail) values ($1, 'native', $2, $3, 'seeded')`,
      [new Date(at(-1)), device, reason],
    );
  }
  const { oa1, oa2, ob1, sup } = { oa1: u.oa1.id, oa2: u.oa2.id, ob1: u.ob1.id, sup: u.sup.id };
  // #1..#8 in A, #9..#12 in B (numbers used in the comments below).
  const a = (i: Parameters<typeof insertIncident>[2]) => insertIncident(db, A, i);
  const b = (i: Parameters<typeof insertIncident>[2]) => insertIncident(db, B, i);
  const o1 = at(-20);
  await a({
    person: 'pa1',
    kind: 'zone_exit',
    openedAt: o1,
    state: 'resolved',
    ack: { at: o1 + 60 * S, by: oa1 },
    resolve: { at: o1 + 600 * S, by: oa1, disposition: 'contacted' },
    escalationLevel: 0,
  });
  const o2 = at(-15);
  await a({
    person: 'pa1',
    kind: 'curfew',
    openedAt: o2,
    state: 'resolved',
    ack: { at: o2 + 300 * S, by: oa2 },
    resolve: { at: o2 + 3600 * S, by: oa2, disposition: 'warned' },
    escalationLevel: 1,
  });
  const o3 = at(-9);
  await a({
    person: 'pa2',
    kind: 'strap_tamper',
    openedAt: o3,
    state: 'resolved',
    ack: { at: o3 + 120 * S, by: oa1 },
    resolve: { at: o3 + 7200 * S, by: sup, disposition: 'false_alarm' },
    escalationLevel: 1,
  });
  // Lost contact from −25 d, resolved without a separate acknowledgement at −12 d: 13 days off.
  await a({
    person: 'pa1',
    kind: 'lost_contact',
    startedAt: at(-25),
    openedAt: at(-25, 600),
    state: 'resolved',
    resolve: { at: at(-12), by: oa1, disposition: 'police_notified' },
    escalationLevel: 2,
  });
  const o5 = at(-3);
  await a({
    person: 'pa1',
    kind: 'low_battery',
    openedAt: o5,
    state: 'acknowledged',
    ack: { at: o5 + 30 * S, by: oa1 },
    escalationLevel: 0,
  });
  // Before the period; still open (35 days off supervision). Escalation level 2 so the service's
  // own escalation timer has nothing left to do with it.
  await a({ person: 'pa2', kind: 'lost_contact', openedAt: at(-35), state: 'open', escalationLevel: 2 });
  // After the period (12 h ago), still open.
  await a({
    person: 'pa1',
    kind: 'zone_exit',
    openedAt: at(0, -12 * 3600),
    state: 'open',
    escalationLevel: 2,
  });
  const o8 = at(-18);
  await a({
    person: 'pa3',
    kind: 'zone_exit',
    openedAt: o8,
    state: 'resolved',
    ack: { at: o8 + 900 * S, by: oa1 },
    resolve: { at: o8 + 1800 * S, by: oa1, disposition: 'contacted' },
    escalationLevel: 0,
  });
  const o9 = at(-20);
  await b({
    person: 'pb1',
    kind: 'zone_exit',
    openedAt: o9,
    state: 'resolved',
    ack: { at: o9 + 40 * S, by: ob1 },
    resolve: { at: o9 + 400 * S, by: ob1, disposition: 'false_alarm' },
    escalationLevel: 0,
  });
  const o10 = at(-10);
  await b({
    person: 'pb1',
    kind: 'curfew',
    openedAt: o10,
    state: 'resolved',
    ack: { at: o10 + 200 * S, by: ob1 },
    resolve: { at: o10 + 86_400 * S, by: ob1, disposition: 'device_fault' },
    escalationLevel: 1,
  });
  const o11 = at(-24);
  await b({
    person: 'pb3',
    kind: 'lost_contact',
    openedAt: o11,
    state: 'acknowledged',
    ack: { at: o11 + 1000 * S, by: ob1 },
    escalationLevel: 0,
  });
  await b({ person: 'pb2', kind: 'zone_exit', openedAt: at(0, -1800), state: 'open', escalationLevel: 2 });
  // #13: an incident for pb4, whose only order has not begun: a rule evaluated outside an order.
  // Opened and resolved before the period, so it changes no handling figure.
  await b({
    person: 'pb4',
    kind: 'zone_exit',
    openedAt: at(-35),
    state: 'resolved',
    resolve: { at: at(-34), by: ob1, disposition: 'other' },
    escalationLevel: 0,
  });
  return u;
}
