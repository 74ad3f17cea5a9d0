// An open console follows its account as the REST API does (authenticate.ts reloads the caller on
// every request): a user disabled, or moved to another office, stops receiving incidents and their
// evidence within LIVE_ACCOUNT_CHECK_S, not at token expiry (Art. 29, 54). Disabled: closed with 4401,
// as REST answers 401. Moved: closed with 4403; connecting again gives the new unit's feed only.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type ApiClient, createUser, cutStrap, login, startApiTestService } from '../api/support.js';
import { ensureCounty, type MonitoredPerson, monitoredPerson, type TestService } from '../support/service.js';
import { type Console, openConsole } from './console.js';

const CHECK_S = 0.5;

describe('live feed after the account changes', () => {
  let svc: TestService;
  let person: MonitoredPerson;
  let other: MonitoredPerson;
  let watcher: ApiClient;
  const consoles: Console[] = [];

  const open = async (token: string) => {
    const c = await openConsole(svc.httpUrl, token);
    consoles.push(c);
    await c.until((m) => m.some((x) => x.type === 'caught_up'));
    return c;
  };

  /** The close the server sent, or 'still open' after a few account-check rounds. */
  const closeOf = (c: Console) =>
    Promise.race([
      c.closed,
      new Promise<'still open'>((r) => setTimeout(() => r('still open'), CHECK_S * 1000 * 6)),
    ]);

  const newOfficer = async () => {
    const username = await createUser(svc, 'officer', 'lianhua');
    return { username, api: await login(svc, username) };
  };

  beforeAll(async () => {
    svc = await startApiTestService({ LIVE_ACCOUNT_CHECK_S: String(CHECK_S) });
    await ensureCounty(svc);
    person = await monitoredPerson(svc, { orgUnitId: 'lianhua' });
    other = await monitoredPerson(svc, { orgUnitId: 'lianhua' });
    watcher = await login(svc, await createUser(svc, 'officer', 'lianhua'));
  }, 120_000);
  afterAll(async () => {
    await Promise.all(consoles.map((c) => c.close().catch(() => {})));
    await svc?.cleanup();
  });

  it('closes a disabled user’s console with 4401 before the next incident; others stay', async () => {
    const officer = await newOfficer();
    const revoked = await open(officer.api.token);
    const control = await open(watcher.token);
    await svc.db.pool.query('update users set disabled = true where username = $1', [officer.username]);
    expect((await officer.api.get('/auth/me')).status).toBe(401);

    expect(await closeOf(revoked)).toMatchObject({ code: 4401 });
    await cutStrap(svc, person.ankle);
    await control.until((m) =>
      m.some((x) => x.type === 'incident' && x.incident.supervisee_id === person.personId),
    );
    expect(revoked.incidents()).toEqual([]);
    expect(control.ws.readyState).toBe(WebSocket.OPEN);
    await expect(openConsole(svc.httpUrl, officer.api.token)).rejects.toThrow(/401/);
  });

  it('closes a moved user’s console with 4403; reconnected, it sees only the new office', async () => {
    const officer = await newOfficer();
    const moved = await open(officer.api.token);
    await svc.db.pool.query("update users set org_unit_id = 'baotai' where username = $1", [
      officer.username,
    ]);
    expect((await officer.api.get(`/supervisees/${other.personId}`)).status).toBe(404);

    expect(await closeOf(moved)).toMatchObject({ code: 4403 });
    const again = await open(officer.api.token);
    expect(again.messages[0]).toMatchObject({ type: 'hello', user: { orgUnitId: 'baotai' } });
    const control = await open(watcher.token);
    await cutStrap(svc, other.ankle);
    await control.until((m) =>
      m.some((x) => x.type === 'incident' && x.incident.supervisee_id === other.personId),
    );
    expect(again.incidents()).toEqual([]);
    expect(await closeOf(again)).toBe('still open');
  });
});
