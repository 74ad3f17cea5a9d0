// The simulate CLI's provisioning path (simulators/rest-provisioner.ts) against a real service over
// HTTP: the protected-person and gathering scenarios, which need a protected person's phone and a
// co-defendant link, are provisioned through /api/v1 alone, and land in the service as the scenario
// says (the same checks the in-process provisioner passes through the admin use cases).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { provisionScenario, provisionWorld } from '../../simulators/provision.js';
import { login, restProvisioner } from '../../simulators/rest-provisioner.js';
import { localMidnight } from '../../simulators/routine.js';
import { population } from '../../simulators/scenarios/index.js';
import { ADMIN_PASSWORD, startTestService, type TestService } from '../support/service.js';
import { waitFor } from '../support/wait.js';

describe('simulators: provisioning through the REST API', () => {
  let svc: TestService;
  beforeAll(async () => {
    svc = await startTestService();
  }, 120_000);
  afterAll(async () => svc?.cleanup());

  const instanceOf = (scenario: string) =>
    population({
      seed: `rest-${scenario}`,
      persons: 1,
      start: localMidnight(Date.now()),
      days: 1,
      scenario,
    })[0]!;

  it("registers the protected person's phone and the protected-person zone on it", async () => {
    const rest = restProvisioner(await login(svc.httpUrl, 'admin', ADMIN_PASSWORD));
    await provisionWorld(rest);
    const done = await provisionScenario(rest, instanceOf('protected-person-approach'));
    const phone = done.devices.find((d) => d.spec.personKey === null)!;
    expect(phone.identity.secret).toEqual(expect.any(String));
    const device = await svc.db.pool.query(
      'select supervisee_id, org_unit_id, kind from devices where id = $1',
      [phone.identity.id],
    );
    expect(device.rows[0]).toMatchObject({ supervisee_id: null, kind: 'phone' });
    expect(['lianhua', 'baotai']).toContain(device.rows[0].org_unit_id);
    const zone = await svc.db.pool.query<{ id: string }>(
      "select id from zones where kind = 'protected_person' and protected_device_id = $1",
      [phone.identity.id],
    );
    expect(zone.rowCount).toBe(1);
    const person = [...done.personIds.values()][0]!;
    await waitFor(() => (svc.directory.person(person)?.context.protectedPersons.length ?? 0) === 1, 10_000);
  });

  it('links the co-defendants of the gathering scenario', async () => {
    const rest = restProvisioner(await login(svc.httpUrl, 'admin', ADMIN_PASSWORD));
    const done = await provisionScenario(rest, instanceOf('gathering'));
    const [a, b] = [...done.personIds.values()].sort();
    const links = await svc.db.pool.query('select a, b from supervisee_links where a = $1', [a]);
    expect(links.rows).toEqual([{ a, b }]);
    await waitFor(() => svc.directory.person(a!)?.context.linkedPersonIds.includes(b!) === true, 10_000);
  });
});
