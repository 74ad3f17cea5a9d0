// Ending EM early and calling off leave from a person's page in the console (decision 0015): a
// county supervisor revokes the running order with a reason, an office officer calls off an
// approved leave; both reach the service, and the page shows the new state. Officers are not offered
// the revocation (EM orders are the county's: mayRecordEmOrder). Headless Chromium, real service.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ApiClient,
  createUser,
  leaveDestination,
  login,
  PASSWORD,
  startApiTestService,
} from '../api/support.js';
import { chromiumAvailable, launchChromium } from '../support/browser.js';
import { ensureCounty, type MonitoredPerson, monitoredPerson, type TestService } from '../support/service.js';
import { signIn } from './helpers.js';

const DAY = 86_400_000;
const at = (ms: number) => new Date(ms).toISOString();

describe.skipIf(!chromiumAvailable())('EM orders and leave on the person page', () => {
  let svc: TestService;
  let browser: Browser;
  let person: MonitoredPerson;
  let officerName: string;
  let supervisorName: string;
  let officer: ApiClient;
  let permitId: string;

  beforeAll(async () => {
    svc = await startApiTestService();
    await ensureCounty(svc);
    person = await monitoredPerson(svc, { orgUnitId: 'lianhua' });
    officerName = await createUser(svc, 'officer', 'lianhua');
    supervisorName = await createUser(svc, 'supervisor', 'yanjiang');
    officer = await login(svc, officerName);
    const destinationId = await leaveDestination(officer, person.personId);
    const now = Date.now();
    const permit = await officer.post('/leave-permits', {
      superviseeId: person.personId,
      destinationZoneId: destinationId,
      startsAt: at(now + DAY),
      endsAt: at(now + 3 * DAY),
      reason: '探亲',
    });
    permitId = permit.body.id;
    expect((await officer.post(`/leave-permits/${permitId}/approve`)).status).toBe(200);
    browser = await launchChromium();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await svc?.cleanup();
  });

  const openPerson = async (username: string): Promise<{ context: BrowserContext; page: Page }> => {
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN' });
    context.setDefaultTimeout(10_000);
    const page = await context.newPage();
    await signIn(page, svc.httpUrl, username, PASSWORD);
    await page.goto(`${svc.httpUrl}/people/${person.personId}`);
    await page.waitForSelector('li.current');
    return { context, page };
  };

  it('lets an officer call off the approved leave with a reason, and offers no revocation', async () => {
    const { context, page } = await openPerson(officerName);
    try {
      expect(await page.locator('[data-action="revoke-order"]').count()).toBe(0);
      await page.click('[data-action="cancel-leave"]');
      const dialog = page.locator('dialog[data-testid="cancel-leave-dialog"]');
      await dialog.waitFor();
      // A reason is required.
      await dialog.locator('button[type="submit"]').click();
      expect(await dialog.isVisible()).toBe(true);
      await dialog.locator('textarea[name="reason"]').fill('本人申请取消探亲');
      await dialog.locator('button[type="submit"]').click();
      await dialog.waitFor({ state: 'detached' });
      await expect.poll(() => page.textContent('body')).toContain('已撤销');
      const row = await svc.db.pool.query('select status from leave_permits where id = $1', [permitId]);
      expect(row.rows[0].status).toBe('cancelled');
      expect(await page.locator('[data-action="cancel-leave"]').count()).toBe(0);
    } finally {
      await context.close();
    }
  });

  it('lets a county supervisor revoke the running EM order with a reason', async () => {
    const { context, page } = await openPerson(supervisorName);
    try {
      await page.click('li.current [data-action="revoke-order"]');
      const dialog = page.locator('dialog[data-testid="revoke-order-dialog"]');
      await dialog.waitFor();
      await dialog.locator('textarea[name="reason"]').fill('收监执行');
      await dialog.locator('button[type="submit"]').click();
      await dialog.waitFor({ state: 'detached' });
      await expect.poll(() => page.locator('[data-action="revoke-order"]').count()).toBe(0);
      expect(await page.textContent('body')).toContain('已撤销');
      const rows = await svc.db.pool.query(
        'select revoked_at, revoke_reason from em_orders where supervisee_id = $1',
        [person.personId],
      );
      expect(rows.rows).toHaveLength(1);
      expect(rows.rows[0].revoked_at).not.toBeNull();
      expect(rows.rows[0].revoke_reason).toBe('收监执行');
    } finally {
      await context.close();
    }
  });
});
