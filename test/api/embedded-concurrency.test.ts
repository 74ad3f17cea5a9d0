// Regression: parallel API writes on the embedded database. pglite-socket interleaves the
// extended-protocol messages of concurrent connections (electric-sql/pglite#1046), which answered
// some of these with 401/404/500 until the embedded pool was limited to one connection.
import { expect, it } from 'vitest';
import { ADMIN_PASSWORD, startTestService } from '../support/service.js';

it('answers sixteen parallel writes on the embedded database correctly', async () => {
  const svc = await startTestService();
  try {
    const login = await fetch(`${svc.httpUrl}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }),
    });
    const { token } = (await login.json()) as { token: string };
    const statuses = await Promise.all(
      Array.from({ length: 16 }, async (_, i) => {
        const r = await fetch(`${svc.httpUrl}/api/v1/supervisees`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify({ orgUnitId: 'lianhua', name: `p${i}`, level: 'normal' }),
        });
        return r.status;
      }),
    );
    expect(statuses).toEqual(Array.from({ length: 16 }, () => 201));
    const { rows } = await svc.db.pool.query<{ n: number }>('select count(*)::int as n from supervisees');
    expect(rows[0]?.n).toBe(16);
  } finally {
    await svc.cleanup();
  }
}, 60_000);
