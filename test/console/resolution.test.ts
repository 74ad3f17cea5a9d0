// Closing incidents in the console offers only what the service will take (schemas/resolution.ts):
// a prohibition-zone entry still going on can be resolved now only as a false alarm or a device
// fault, and the dialog says why; an incident the rules closed when its condition ended can have the
// officer's disposition recorded once, from the resolved list. Headless Chromium, real service.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser, PASSWORD } from '../api/support.js';
import { chromiumAvailable, launchChromium } from '../support/browser.js';
import {
  type MonitoredPerson,
  personNearSchool,
  publishFixes,
  SCHOOL_LON,
  type TestService,
  ZIYANG,
} from '../support/service.js';
import { waitFor } from '../support/wait.js';
import { signIn } from './helpers.js';

describe.skipIf(!chromiumAvailable())('resolving incidents in the console', () => {
  let svc: TestService;
  let person: MonitoredPerson;
  let browser: Browser;
  let page: Page;
  let officer: string;

  const card = (id: number) => page.locator(`article.incident[data-incident-id="${id}"]`);

  beforeAll(async () => {
    ({ svc, person } = await personNearSchool('em_console_resolution'));
    officer = await createUser(svc, 'officer', 'lianhua');
    browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN' });
    context.setDefaultTimeout(10_000);
    page = await context.newPage();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await svc?.cleanup();
  });

  it('offers only a false alarm or a device fault while the person is still in the prohibition zone', async () => {
    await signIn(page, svc.httpUrl, officer, PASSWORD);
    // Three fixes inside the school, a minute apart, ending now: the entry opens and goes on.
    const now = Date.now();
    const fixes = [2, 1, 0].map((k, i) => ({
      ts: now - k * 30_000 - 1000,
      lat: ZIYANG.lat,
      lon: SCHOOL_LON,
      acc: 6,
      src: 'gnss',
      seq: i + 1,
    }));
    await publishFixes(svc, person.ankle, fixes);
    const entry = page.locator('article.incident[data-kind="prohibition_entry"]').first();
    await entry.waitFor();
    const id = Number(await entry.getAttribute('data-incident-id'));

    await card(id).locator('[data-action="resolve"]').click();
    const dialog = page.locator('dialog[data-testid="resolve-dialog"]');
    await dialog.waitFor();
    expect(await dialog.locator('[data-testid="ongoing-note"]').textContent()).toContain('违规仍在持续');
    const offered = await dialog
      .locator('select[name="disposition"] option')
      .evaluateAll((options) => options.map((o) => (o as unknown as { value: string }).value));
    expect(offered).toEqual(['', 'false_alarm', 'device_fault']);
    // What it offers, the service takes.
    await dialog.locator('select[name="disposition"]').selectOption('false_alarm');
    await dialog.locator('textarea[name="note"]').fill('学校已于上月搬迁，禁止区域待更新。');
    await dialog.locator('button[type="submit"]').click();
    await card(id).waitFor({ state: 'detached' });
    const row = await svc.db.pool.query('select state, disposition from incidents where id = $1', [id]);
    expect(row.rows[0]).toMatchObject({ state: 'resolved', disposition: 'false_alarm' });
  });

  it('records the disposition of an incident the rules closed, once', async () => {
    // A curfew breach that ended by itself: resolved by the rules, nobody's disposition yet.
    const started = new Date(Date.now() - 3_600_000);
    const closed = new Date(Date.now() - 3_000_000);
    const inserted = await svc.db.pool.query<{ id: number }>(
      `insert into incidents (supervisee_id, org_unit_id, org_path, kind, severity, state, condition_active,
         started_at, opened_at, updated_at, resolved_at, disposition, confidence, late, evidence)
       select id, org_unit_id, (select path from org_units where id = s.org_unit_id), 'curfew_breach', 'high',
         'resolved', false, $2, $2, $3, $3, 'condition_cleared', 0.99, false, '[]'
       from supervisees s where id = $1 returning id`,
      [person.personId, started, closed],
    );
    const id = inserted.rows[0]!.id;
    await page.click('.tabs button[data-tab="resolved"]');
    const record = card(id).locator('[data-action="record-disposition"]');
    await record.waitFor();
    await record.click();
    const dialog = page.locator('dialog[data-testid="resolve-dialog"]');
    await dialog.waitFor();
    expect(await dialog.locator('h2').textContent()).toBe('补录处置结果');
    await dialog.locator('select[name="disposition"]').selectOption('warned');
    await dialog.locator('textarea[name="note"]').fill('已电话警告本人按时回家。');
    await dialog.locator('button[type="submit"]').click();
    await dialog.waitFor({ state: 'detached' });
    await waitFor(async () => {
      const r = await svc.db.pool.query('select disposition from incidents where id = $1', [id]);
      return r.rows[0]?.disposition === 'warned';
    });
    const row = await svc.db.pool.query(
      'select state, resolved_at, resolved_by from incidents where id = $1',
      [id],
    );
    expect(row.rows[0]).toMatchObject({ state: 'resolved', resolved_at: closed });
    expect(row.rows[0].resolved_by).not.toBeNull();
    // Recorded once: the card no longer offers it.
    await expect.poll(() => card(id).locator('[data-action="record-disposition"]').count()).toBe(0);
  });
});
