// Behind the load balancer the README recommends, every request reaches the service from the
// balancer's address. With TRUST_PROXY naming it, the failed-login throttle (per client and username)
// and the audit log see the client from X-Forwarded-For: one client's wrong passwords no longer lock
// the officer out everywhere, and the audit record says who tried (Art. 61: accesses are recorded).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestService } from '../support/service.js';
import { createUser, PASSWORD, startApiTestService } from './support.js';

describe('behind a trusted proxy', () => {
  let svc: TestService;

  beforeAll(async () => {
    // app.inject() connects from 127.0.0.1: the balancer, here.
    svc = await startApiTestService({ TRUST_PROXY: '127.0.0.1' });
  }, 120_000);
  afterAll(async () => svc?.cleanup());

  const loginFrom = (client: string, username: string, password: string) =>
    svc.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      headers: { 'x-forwarded-for': client },
      payload: { username, password },
    });

  it('throttles failed logins per client, not per balancer, and audits the client address', async () => {
    const username = await createUser(svc, 'officer', 'lianhua');
    for (let i = 0; i < 5; i++)
      expect((await loginFrom('203.0.113.5', username, 'wrong')).statusCode).toBe(401);
    expect((await loginFrom('203.0.113.5', username, PASSWORD)).statusCode).toBe(429);

    expect((await loginFrom('198.51.100.7', username, PASSWORD)).statusCode).toBe(200);
    const audited = await svc.db.pool.query<{ action: string; ip: string }>(
      `select a.action, a.detail->>'ip' as ip from audit_log a join users u on u.id = a.actor_user_id
       where u.username = $1 order by a.id`,
      [username],
    );
    expect(audited.rows.at(-1)).toEqual({ action: 'auth.login', ip: '198.51.100.7' });
    expect(audited.rows.filter((r) => r.action === 'auth.login_failed').map((r) => r.ip)).toEqual(
      Array(5).fill('203.0.113.5'),
    );
  });
});
