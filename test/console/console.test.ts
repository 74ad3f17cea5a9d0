// The console end to end, in headless Debian Chromium against the real service (issue 6): an officer
// signs in, sees positions and zones, sees a strap tamper arrive within seconds with its alarm,
// acknowledges and resolves it, plays back a track after stating a purpose, and watches the live
// link drop and resume without losing a message; an auditor sees the same read-only, with history.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser, cutStrap, openIncidentOf, PASSWORD, startApiTestService } from '../api/support.js';
import { chromiumAvailable, launchChromium, screenshot } from '../support/browser.js';
import {
  ADMIN_PASSWORD,
  ensureCounty,
  type MonitoredPerson,
  monitoredPerson,
  type TestService,
  ZIYANG,
} from '../support/service.js';
import { giveResidence, instrumentLiveLink, publishWalk, signIn } from './helpers.js';

const VIEWPORT = { width: 1440, height: 900 };
const WALK_FIXES = 8;

describe.skipIf(!chromiumAvailable())('supervision console in Chromium', () => {
  let svc: TestService;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let zhang: MonitoredPerson;
  let li: MonitoredPerson;
  let incidentId: number;

  const card = (id: number) => page.locator(`article.incident[data-incident-id="${id}"]`);

  beforeAll(async () => {
    svc = await startApiTestService();
    await ensureCounty(svc);
    zhang = await monitoredPerson(svc, { orgUnitId: 'lianhua' });
    li = await monitoredPerson(svc, { orgUnitId: 'lianhua' });
    await svc.db.pool.query("update supervisees set name = '张某某' where id = $1", [zhang.personId]);
    await svc.db.pool.query("update supervisees set name = '李某' where id = $1", [li.personId]);
    await giveResidence(svc, zhang.personId, '张某某住所');
    await publishWalk(svc, zhang.ankle, WALK_FIXES);
    // A few more people around town, so the map looks like an office's day (and the screenshots too).
    for (const [i, name] of ['王某', '赵某某', '陈某', '刘某某'].entries()) {
      const other = await monitoredPerson(svc, {
        orgUnitId: i % 2 ? 'baotai' : 'lianhua',
        level: i === 0 ? 'strict' : 'normal',
      });
      await svc.db.pool.query('update supervisees set name = $2 where id = $1', [other.personId, name]);
      await publishWalk(svc, other.ankle, 2, {
        lat: ZIYANG.lat + 0.006 * Math.cos(i * 1.7),
        lon: ZIYANG.lon + 0.008 * Math.sin(i * 1.7),
      });
    }
    browser = await launchChromium();
    context = await browser.newContext({ viewport: VIEWPORT, locale: 'zh-CN' });
    // Well inside the test timeout, so a stuck step fails with what it was waiting for.
    context.setDefaultTimeout(10_000);
    page = await context.newPage();
    await instrumentLiveLink(page);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await svc?.cleanup();
  });

  it('signs in and shows each supervisee on the map with their zones', async () => {
    // Nothing the first screens load may fail: a 404 (even the tab icon) or a script error is a
    // console error in every officer's browser, the noise that hides a real one.
    const failures: string[] = [];
    const onResponse = (r: { status(): number; url(): string }) => {
      if (r.status() >= 400) failures.push(`${r.status()} ${r.url()}`);
    };
    const onConsole = (m: { type(): string; text(): string }) => {
      if (m.type() === 'error') failures.push(`console: ${m.text()}`);
    };
    page.on('response', onResponse);
    page.on('console', onConsole);
    await page.goto(svc.httpUrl);
    await page.waitForSelector('.login-card');
    await screenshot(page, '01-login');
    await signIn(page, svc.httpUrl, 'admin', ADMIN_PASSWORD);
    await page.waitForSelector('.conn[data-state="live"]');
    await expect.poll(() => page.textContent('.map-panel .legend')).toMatch(/对象 6 人 · 有定位 5 · 违规 0/);
    // Zones draw on the plain background: no tile server is configured in tests.
    expect(await page.locator('.map.no-tiles').count()).toBe(1);
    // The county boundary and the residence; drawn on canvas, so counted by the view itself.
    expect(Number(await page.getAttribute('.map-panel', 'data-zones'))).toBe(2);
    page.off('response', onResponse);
    page.off('console', onConsole);
    expect(failures).toEqual([]);
  });

  it('shows a strap tamper within seconds, with the alarm sound and the red banner', async () => {
    const cut = Date.now();
    await cutStrap(svc, zhang.ankle);
    const first = page.locator('article.incident[data-kind="strap_tamper"]').first();
    await first.waitFor({ timeout: 5000 });
    expect(Date.now() - cut).toBeLessThan(5000);
    incidentId = Number(await first.getAttribute('data-incident-id'));
    expect(incidentId).toBe(await openIncidentOf(svc, zhang.personId));
    await expect.poll(() => card(incidentId).textContent()).toContain('张某某');
    expect(await card(incidentId).textContent()).toMatch(/危急.*设备拆卸.*待确认/);
    await page.waitForFunction('Number(document.body.dataset.alarmCues) >= 1');
    expect(await page.textContent('.alarm-banner')).toContain('1 起危急事件待确认');
    // The person is now drawn in violation: red, labelled with their name.
    await expect.poll(() => page.textContent('.map-panel .legend'), { timeout: 5000 }).toMatch(/违规 1/);
    await page.waitForSelector('.violator-label');
    await screenshot(page, '02-critical-incident');
  });

  it('acknowledges and resolves the incident through the dialogs', async () => {
    await card(incidentId).locator('[data-action="acknowledge"]').click();
    await page.waitForSelector('dialog[data-testid="ack-dialog"]');
    await screenshot(page, '03-acknowledge-dialog');
    await page.click('dialog[data-testid="ack-dialog"] button[type="submit"]');
    await page.waitForSelector(
      `article.incident[data-incident-id="${incidentId}"][data-state="acknowledged"]`,
    );
    expect(await page.locator('.alarm-banner').isHidden()).toBe(true);

    await card(incidentId).locator('[data-action="resolve"]').click();
    const dialog = page.locator('dialog[data-testid="resolve-dialog"]');
    await dialog.waitFor();
    // Neither field may be left empty.
    await dialog.locator('button[type="submit"]').click();
    expect(await dialog.isVisible()).toBe(true);
    await dialog.locator('select[name="disposition"]').selectOption('contacted');
    await dialog.locator('textarea[name="note"]').fill('已电话联系本人，脚环松动，已现场重新佩戴。');
    await screenshot(page, '04-resolve-dialog');
    await dialog.locator('button[type="submit"]').click();
    await card(incidentId).waitFor({ state: 'detached' });
    const row = await svc.db.pool.query('select state, disposition, note from incidents where id = $1', [
      incidentId,
    ]);
    expect(row.rows[0]).toMatchObject({ state: 'resolved', disposition: 'contacted' });

    await page.click('.tabs button[data-tab="resolved"]');
    await expect.poll(() => card(incidentId).textContent()).toContain('已联系本人');
  });

  it('plays back a track after the officer states a purpose, and audits the purpose', async () => {
    await page.click('.tabs button[data-tab="people"]');
    await page.click('.people-list a:has-text("张某某")');
    await page.waitForSelector('.person-head h1:has-text("张某某")');
    await expect.poll(() => page.textContent('.person-side')).toMatch(/电子脚环[\s\S]*电量[\s\S]*%/);
    expect(await page.textContent('.person-side')).toContain('执行中');
    expect(await page.textContent('.zone-legend')).toContain('居住地 · 张某某住所');
    expect(await page.textContent('.zone-legend')).toContain('辖区边界 · 雁江区');

    await page.click('[data-testid="track-form"] button[type="submit"]');
    expect(await page.textContent('.track-status')).toContain('请填写查询事由');
    await page.fill('input[name="purpose"]', '核查脚环拆卸报警前后的活动轨迹');
    await page.click('[data-testid="track-form"] button[type="submit"]');
    await expect.poll(() => page.textContent('.track-status')).toContain(`${WALK_FIXES} 个点`);
    await page.selectOption('.track-controls select', '600');
    await page.click('[data-action="play"]');
    await page.waitForSelector('.track-controls[data-state="ended"]', { timeout: 10_000 });
    expect(await page.textContent('.track-status')).toContain('回放结束');
    await screenshot(page, '05-person-track');

    const audit = await svc.db.pool.query(
      "select purpose from audit_log where action = 'track.read' and subject_supervisee_id = $1",
      [zhang.personId],
    );
    expect(audit.rows.map((r) => r.purpose)).toContain('核查脚环拆卸报警前后的活动轨迹');
  });

  it('shows the live link dropping and resuming from its cursor, with what it missed', async () => {
    await page.click('a[data-nav][href="/"]');
    await page.waitForSelector('.conn[data-state="live"]');
    await page.evaluate('window.__holdLiveDown = true, window.__liveSockets.at(-1).close()');
    await page.waitForSelector('.conn[data-state="reconnecting"]');
    await screenshot(page, '06-reconnecting');
    // Happens while the console is away: it must arrive on resume, from the database.
    await cutStrap(svc, li.ankle);
    const missed = await openIncidentOf(svc, li.personId);
    expect(missed).not.toBeNull();
    expect(await card(missed!).count()).toBe(0);
    await page.evaluate('window.__holdLiveDown = false');
    await page.waitForSelector('.conn[data-state="resumed"]', { timeout: 15_000 });
    expect(await page.textContent('.conn')).toMatch(/已恢复：补收 [1-9]\d* 条/);
    await card(missed!).waitFor();
    await screenshot(page, '07-resumed');
  });

  it('switches to English and back', async () => {
    await page.click('.topbar .lang-toggle');
    await page.waitForSelector('.topbar:has-text("Supervision console")');
    expect(await page.textContent('.side-panel')).toContain('Strap tamper');
    await screenshot(page, '08-english');
    await page.click('.topbar .lang-toggle');
    await page.waitForSelector('.topbar:has-text("监管控制台")');
  });

  it('shows an auditor the same incidents read-only, with each one’s handling history', async () => {
    const auditor = await createUser(svc, 'auditor', 'yanjiang');
    const auditorContext = await browser.newContext({ viewport: VIEWPORT, locale: 'zh-CN' });
    auditorContext.setDefaultTimeout(10_000);
    const view = await auditorContext.newPage();
    await signIn(view, svc.httpUrl, auditor, PASSWORD);
    await view.waitForSelector('.readonly-banner');
    await view.waitForSelector('article.incident[data-kind="strap_tamper"]');
    expect(await view.locator('[data-action="acknowledge"], [data-action="resolve"]').count()).toBe(0);

    await view.click('.tabs button[data-tab="resolved"]');
    const resolved = view.locator(`article.incident[data-incident-id="${incidentId}"]`);
    await resolved.locator('[data-action="history"]').click();
    const history = view.locator('dialog[data-testid="history-dialog"] .history li');
    await expect.poll(() => history.count()).toBeGreaterThanOrEqual(3);
    const actions = await history.evaluateAll((items) => items.map((li) => li.getAttribute('data-action')));
    expect(actions).toEqual(expect.arrayContaining(['opened', 'acknowledged', 'resolved']));
    const text = await view.textContent('dialog[data-testid="history-dialog"]');
    expect(text).toContain('脚环松动');
    // The auditor sits in the county; the acting admin is in the city, above it, and is still named.
    expect(text).toContain('系统管理员 (admin)');
    // The history holds positions: the read is audited with the console's stated purpose (Art. 54).
    const reads = await svc.db.pool.query(
      "select purpose from audit_log where action = 'incident.read' and actor_role = 'auditor'",
    );
    expect(reads.rows.map((r) => r.purpose)).toContain(
      `oversight review of incident ${incidentId}'s handling`,
    );
    await screenshot(view, '09-auditor-history');
    await auditorContext.close();
  });
});
