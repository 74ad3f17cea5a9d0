// The audit log (issue 5): reads of positions and every action recorded with who, when, whose, what
// and why; appends serialised into one linear hash chain; tampering with any row detected, by the
// library and by `npm run audit:verify`.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendAuditNow, canonicalJson } from '../../src/audit/audit-log.js';
import { verifyAuditChain } from '../../src/audit/verify-chain.js';
import {
  type ApiClient,
  createUser,
  cutStrap,
  login,
  openIncidentOf,
  startApiTestService,
} from '../api/support.js';
import { type MonitoredPerson, monitoredPerson, type TestService } from '../support/service.js';
import { waitFor } from '../support/wait.js';

const run = promisify(execFile);

describe('canonical JSON', () => {
  it('sorts keys at every depth and drops undefined members', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { z: 1, y: 2 }], c: null }, u: undefined })).toBe(
      '{"a":{"c":null,"d":[1,{"y":2,"z":1}]},"b":1}',
    );
  });
});

describe('audit log', () => {
  let svc: TestService;
  let person: MonitoredPerson;
  let officer: ApiClient;
  let officerId: string;

  beforeAll(async () => {
    svc = await startApiTestService();
    person = await monitoredPerson(svc, { orgUnitId: 'lianhua' });
    const username = await createUser(svc, 'officer', 'lianhua');
    officer = await login(svc, username);
    officerId = (await svc.db.pool.query('select id from users where username = $1', [username])).rows[0].id;
  }, 120_000);
  afterAll(async () => svc?.cleanup());

  const rowsOf = async (action: string) =>
    (await svc.db.pool.query('select * from audit_log where action = $1 order by id', [action])).rows;

  it('records a track read with who, whose and the stated purpose; refuses one without a purpose', async () => {
    const from = new Date(Date.now() - 3_600_000).toISOString();
    const to = new Date().toISOString();
    const url = `/supervisees/${person.personId}/track?from=${from}&to=${to}`;
    expect((await officer.get(url)).status).toBe(400);
    expect(await rowsOf('track.read')).toHaveLength(0);
    const res = await officer.get(`${url}&purpose=${encodeURIComponent('verifying curfew report')}`);
    expect(res.status).toBe(200);
    expect(res.body.resolution).toBe('fix');
    const [row] = await rowsOf('track.read');
    expect(row).toMatchObject({
      actor_user_id: officerId,
      actor_role: 'officer',
      subject_supervisee_id: person.personId,
      purpose: 'verifying curfew report',
    });
  });

  it('records an incident read (its evidence holds positions) with the stated purpose; refuses one without', async () => {
    await cutStrap(svc, person.ankle);
    await waitFor(async () => (await openIncidentOf(svc, person.personId)) !== null);
    const id = (await openIncidentOf(svc, person.personId))!;
    expect((await officer.get(`/incidents/${id}`)).status).toBe(400);
    expect((await officer.get(`/incidents/${id}?purpose=x`)).status).toBe(400);
    expect(await rowsOf('incident.read')).toHaveLength(0);
    const res = await officer.get(
      `/incidents/${id}?purpose=${encodeURIComponent('handling the strap alert')}`,
    );
    expect(res.status).toBe(200);
    expect(res.body.evidence).toBeDefined();
    const [row] = await rowsOf('incident.read');
    expect(row).toMatchObject({
      actor_user_id: officerId,
      actor_role: 'officer',
      subject_supervisee_id: person.personId,
      purpose: 'handling the strap alert',
      detail: { incidentId: id },
    });
  });

  it('records write actions in the same transaction as the change', async () => {
    const res = await officer.post('/supervisees', { orgUnitId: 'lianhua', name: '审计', level: 'lenient' });
    expect(res.status).toBe(201);
    const rows = await rowsOf('supervisee.create');
    expect(rows.at(-1)).toMatchObject({ actor_user_id: officerId, subject_supervisee_id: res.body.id });
  });

  it('keeps one linear chain under concurrent appends', async () => {
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        appendAuditNow(svc.db.pool, {
          actorUserId: null,
          actorRole: null,
          action: 'test.concurrent',
          detail: { i },
        }),
      ),
    );
    const verdict = await verifyAuditChain(svc.db.pool);
    expect(verdict).toMatchObject({ ok: true });
    expect(verdict.rows).toBeGreaterThanOrEqual(22);
  });

  it('detects an edited row, naming it, in the library and in npm run audit:verify', async () => {
    const [target] = await rowsOf('track.read');
    const connectionString = svc.db.pool.options.connectionString!;
    const ok = await run('npx', ['tsx', 'scripts/audit-verify.ts'], {
      env: { ...process.env, DATABASE_URL: connectionString },
    });
    expect(ok.stdout).toMatch(/intact/);

    await svc.db.pool.query("update audit_log set purpose = 'idle curiosity' where id = $1", [target.id]);
    expect(await verifyAuditChain(svc.db.pool)).toMatchObject({ ok: false, broken: { id: target.id } });
    const failed = await run('npx', ['tsx', 'scripts/audit-verify.ts'], {
      env: { ...process.env, DATABASE_URL: connectionString },
    }).catch((err: { code: number; stderr: string }) => err);
    expect((failed as { code: number }).code).toBe(1);
    expect((failed as { stderr: string }).stderr).toContain(`row id ${target.id}`);

    await svc.db.pool.query('update audit_log set purpose = $2 where id = $1', [target.id, target.purpose]);
    expect(await verifyAuditChain(svc.db.pool)).toMatchObject({ ok: true });
  }, 60_000);

  it('detects a deleted row by the next row’s prev_hash', async () => {
    const rows = await rowsOf('test.concurrent');
    const victim = rows[5];
    await svc.db.pool.query('delete from audit_log where id = $1', [victim.id]);
    const verdict = await verifyAuditChain(svc.db.pool);
    expect(verdict.ok).toBe(false);
    expect(verdict.broken!.id).toBeGreaterThan(victim.id);
    expect(verdict.broken!.reason).toMatch(/prev_hash/);
  });
});
