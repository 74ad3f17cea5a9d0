// The authentication scheme's name is case-insensitive (RFC 7235 §2.1, RFC 6750 §2.1): a client
// sending "bearer" or "BEARER" with a valid token is the same caller as one sending "Bearer". Any
// other scheme, or none, is still refused.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestService } from '../support/service.js';
import { createUser, login, startApiTestService } from './support.js';

describe('bearer scheme', () => {
  let svc: TestService;
  let token: string;

  beforeAll(async () => {
    svc = await startApiTestService();
    token = (await login(svc, await createUser(svc, 'officer', 'lianhua'))).token;
  }, 120_000);
  afterAll(async () => svc?.cleanup());

  const status = async (authorization: string): Promise<number> =>
    (await svc.app.inject({ method: 'GET', url: '/api/v1/incidents', headers: { authorization } }))
      .statusCode;

  it('is accepted in any letter case', async () => {
    for (const scheme of ['Bearer', 'bearer', 'BEARER', 'bEaReR']) {
      expect(await status(`${scheme} ${token}`), scheme).toBe(200);
    }
  });

  it('is still required: another scheme, a missing token or a bare token is refused', async () => {
    for (const header of [`Basic ${token}`, 'bearer ', token, `Bearertoken ${token}`]) {
      expect(await status(header), header).toBe(401);
    }
  });
});
