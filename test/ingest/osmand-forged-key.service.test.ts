// Non-negotiable 4 (forged device ids lose nothing else) and issue 3's flood guard, over the real
// OsmAnd HTTP endpoint: a sender naming a real device with a wrong key must not spend that device's
// allowance, or anyone who knows a device id could silence the person's phone with 429s.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  monitoredPerson,
  startTestService,
  storedFixes,
  type TestService,
  ZIYANG,
} from '../support/service.js';

let svc: TestService;
let phone: { id: string; secret: string };

beforeAll(async () => {
  // A burst of 3 and one token back every 100 s: nothing refills in the seconds the test runs.
  svc = await startTestService({ DEVICE_BURST: '3', DEVICE_MSGS_PER_S: '0.01' });
  phone = (await monitoredPerson(svc, { phone: true })).phone!;
}, 60_000);

afterAll(async () => {
  await svc?.cleanup();
});

let nextTs = Date.now() - 600_000;

async function send(deviceId: string, key: string): Promise<number> {
  nextTs += 10_000;
  const q = new URLSearchParams({
    id: deviceId,
    timestamp: String(nextTs / 1000),
    lat: ZIYANG.lat.toFixed(6),
    lon: ZIYANG.lon.toFixed(6),
    accuracy: '10',
    key,
  });
  const res = await fetch(`${svc.osmandUrl}/?${q}`);
  await res.arrayBuffer();
  return res.status;
}

describe('OsmAnd: wrong keys under a real device id', () => {
  it('are refused (401, then 429 per sender) and never silence the device itself', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) statuses.push(await send(phone.id, 'not-the-key-0123456789'));
    // Each failure is refused and dead-lettered until the sender's own allowance for failures is
    // spent; then it is answered 429 without a dead letter.
    expect(statuses).toEqual([401, 401, 401, 429, 429, 429, 429, 429]);
    const dead = await svc.db.pool.query(
      "select count(*)::int as n from dead_letters where reason = 'unauthenticated' and device_id is null",
    );
    expect(dead.rows[0].n).toBe(3);
    // A request naming no device at all comes from the same sender: refused the same way, no dead letter.
    const noId = await fetch(`${svc.osmandUrl}/?lat=30.1&lon=104.6&key=x`);
    await noId.arrayBuffer();
    expect(noId.status).toBe(429);
    const schemaInvalid = await svc.db.pool.query(
      "select count(*)::int as n from dead_letters where reason = 'schema_invalid'",
    );
    expect(schemaInvalid.rows[0].n).toBe(0);

    // The phone itself, with its key, still has its whole allowance: three fixes stored.
    expect([await send(phone.id, phone.secret), await send(phone.id, phone.secret)]).toEqual([200, 200]);
    expect(await send(phone.id, phone.secret)).toBe(200);
    expect(await storedFixes(svc, phone.id)).toBe(3);
    // ...and is limited as before once it is spent.
    expect(await send(phone.id, phone.secret)).toBe(429);
    expect(await storedFixes(svc, phone.id)).toBe(3);
  });
});
