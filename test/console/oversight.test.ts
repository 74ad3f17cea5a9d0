// The oversight page in headless Chromium against the real service and a seeded month (issue 9):
// a county auditor opens it for the same period the API suite checks, and every figure the charts
// draw (their canvas data and the tables beside them) is compared with the sums worked out by hand
// from the seed (test/oversight/oversight-api.test.ts shows them). Then the registers, the daily
// summary, a sampled review whose PDF is downloaded and read back, English, and an office auditor's
// narrower view. Screenshots go to test-artifacts/console/oversight-*.png.
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD } from '../api/support.js';
import { type SeedUsers, seedMonth } from '../oversight/seed-month.js';
import { DAY, S, startOversightService } from '../oversight/support.js';
import { ARTIFACTS_DIR, chromiumAvailable, launchChromium, screenshot } from '../support/browser.js';
import { pdfPages, pdfText, popplerAvailable } from '../support/poppler.js';
import type { TestService } from '../support/service.js';
import { signIn } from './helpers.js';

const NOW = Math.floor(Date.now() / 1000) * 1000;
const at = (days: number, seconds = 0) => NOW + days * DAY + seconds * S;
const iso = (t: number) => new Date(t).toISOString();
const CST = 8 * 3_600_000;
const cstDay = (t: number) => new Date(t + CST).toISOString().slice(0, 10);
const PERIOD = `from=${encodeURIComponent(iso(at(-28)))}&to=${encodeURIComponent(iso(at(-1)))}`;
const VIEWPORT = { width: 1440, height: 900 };

interface DrawnChart {
  labels: string[];
  datasets: { label: string; data: (number | null)[] }[];
}

describe.skipIf(!chromiumAvailable())('oversight page in Chromium', () => {
  let svc: TestService;
  let u: SeedUsers;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;

  /** What a chart drew, read from its canvas (chart-card.ts writes Chart.js's own data there). */
  const drawn = async (id: string): Promise<DrawnChart> => {
    const canvas = page.locator(`canvas[data-chart="${id}"][data-rendered="true"]`);
    await canvas.waitFor();
    return {
      labels: JSON.parse((await canvas.getAttribute('data-labels')) ?? '[]'),
      datasets: JSON.parse((await canvas.getAttribute('data-datasets')) ?? '[]'),
    };
  };
  const series = (chart: DrawnChart, label: string) => chart.datasets.find((d) => d.label === label)?.data;
  const field = async (office: string, name: string) =>
    page.getAttribute(
      `[data-testid="office-figures"] tr[data-office="${office}"] td[data-field="${name}"]`,
      'data-value',
    );

  beforeAll(async () => {
    svc = await startOversightService(NOW);
    u = await seedMonth(svc, NOW);
    // The county's summary of the CST day holding #3 (A's strap tamper at −9 d), made just after that
    // day ended: one incident opened, acknowledged after 120 s.
    const dayAfter = Date.parse(`${cstDay(at(-9))}T00:00:00+08:00`) + DAY;
    await svc.summarize(dayAfter + 3_600_000);
    browser = await launchChromium();
    context = await browser.newContext({ viewport: VIEWPORT, locale: 'zh-CN', acceptDownloads: true });
    context.setDefaultTimeout(15_000);
    page = await context.newPage();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await svc?.cleanup();
  });

  it('draws the handling charts of the period from the seeded month', async () => {
    await signIn(page, svc.httpUrl, u.aud.name, PASSWORD);
    await page.click('.topbar nav a[href="/oversight"]');
    await page.waitForSelector('.oversight[data-state="ready"]');
    // The period under review, as in the API suite: [NOW − 28 d, NOW − 1 d).
    await page.goto(`${svc.httpUrl}/oversight?${PERIOD}`);
    await page.waitForSelector('.oversight[data-state="ready"]');
    await expect.poll(() => page.locator('canvas[data-rendered="true"]').count()).toBe(7);

    // Offices in path order: 宝台镇 (B), 莲花街道 (A).
    const times = await drawn('response-times');
    expect(times.labels).toEqual(['宝台镇司法所', '莲花街道司法所']);
    // B acknowledged after 40, 200, 1000 s; A after 30, 60, 120, 300, 900, 1 122 600 s (minutes drawn).
    expect(series(times, '确认 p50')).toEqual([200 / 60, 120 / 60]);
    expect(series(times, '确认 p95')).toEqual([1000 / 60, 1_122_600 / 60]);
    expect(series(times, '办结 p50')).toEqual([400 / 60, 3600 / 60]);
    expect(series(times, '办结 p95')).toEqual([86_400 / 60, 1_122_600 / 60]);

    const escalations = await drawn('escalations');
    expect(series(escalations, '升级至区县')).toEqual([1, 3]);
    expect(series(escalations, '升级至市局')).toEqual([0, 1]);

    // Unresolved now: B #11 (24 d) #12 (30 min); A #5 (3 d) #6 (35 d) #7 (12 h).
    const open = await drawn('open-by-age');
    expect(open.datasets.map((d) => [d.label, d.data])).toEqual([
      ['不足 1 小时', [1, 0]],
      ['1–24 小时', [0, 1]],
      ['1–7 天', [0, 1]],
      ['7 天以上', [1, 1]],
    ]);

    const dispositions = await drawn('dispositions');
    expect(Object.fromEntries(dispositions.datasets.map((d) => [d.label, d.data]))).toEqual({
      已联系本人: [0, 2],
      设备故障: [1, 0],
      误报: [1, 1],
      已通报公安: [0, 1],
      已训诫警告: [0, 1],
    });

    // One bucket per day from `from`: 27 of them. On day −20, #1 in A over 3 person-days and #9 in B
    // over 1; the whole scope 2 over 4, acknowledged after 40 and 60 s.
    const rate = await drawn('daily-rate');
    expect(rate.labels).toHaveLength(27);
    const d20 = rate.labels.indexOf(cstDay(at(-20)).slice(5));
    expect(d20).toBe(8);
    expect(series(rate, '莲花街道司法所')?.[d20]).toBeCloseTo(1 / 3, 6);
    expect(series(rate, '宝台镇司法所')?.[d20]).toBe(1);
    expect(series(rate, '全部')?.[d20]).toBe(0.5);
    const ack = await drawn('daily-ack');
    expect(series(ack, '确认 p50')?.[d20]).toBeCloseTo(40 / 60, 9);
    expect(series(ack, '确认 p95')?.[d20]).toBe(1);

    // The handlers: oa1 handled five, oa2 one, the county supervisor one, ob1 three.
    const officers = await drawn('officers');
    const handled = Object.fromEntries(officers.labels.map((l, i) => [l, officers.datasets[0]!.data[i]]));
    expect(handled).toEqual({ [u.oa1.name]: 5, [u.oa2.name]: 1, [u.ob1.name]: 3, [u.sup.name]: 1 });

    // The county supervisor who resolved #3 is listed under the county.
    expect(await page.textContent(`[data-testid="officer-figures"] tr[data-user="${u.sup.id}"]`)).toContain(
      '雁江区司法局',
    );
    // The figures table beside the charts.
    expect(await field('lianhua', 'incidentsOpened')).toBe('6');
    expect(await field('lianhua', 'supervisedPersonDays')).toBe('55');
    expect(await field('lianhua', 'acknowledgeP95S')).toBe('1122600');
    expect(await field('baotai', 'incidentsOpened')).toBe('3');
    expect(await field('baotai', 'supervisedPersonDays')).toBe('34');
    expect(await field('baotai', 'resolveP95S')).toBe('86400');
    // Each chart lists what it drew: the table of the escalations chart holds the same numbers.
    const table = page.locator(
      'table.chart-data[data-chart="escalations"] tr[data-label="莲花街道司法所"] td',
    );
    expect(await table.evaluateAll((cells) => cells.map((c) => c.getAttribute('data-value')))).toEqual([
      '3',
      '1',
    ]);
    await screenshot(page, 'oversight-01-charts');
  });

  it('lists lost supervision, missed intake and EM legality', async () => {
    const lost = page.locator('[data-testid="lost-contact"] tbody tr');
    // Newest loss first: pb3 (−24 d, ongoing), pa1 (−25 d to −12 d, police notified), pa2 (−35 d, ongoing).
    expect(
      await lost.evaluateAll((rows) =>
        rows.map((r) => [
          r.querySelector('td:nth-child(4)')?.getAttribute('data-value'),
          r.getAttribute('data-ongoing'),
          r.querySelector('[data-police]')?.getAttribute('data-police'),
          r.querySelectorAll('.badge.warn, .badge.danger').length,
        ]),
      ),
    ).toEqual([
      ['24', 'true', 'false', 2], // warning reached + "ongoing"
      ['13', 'false', 'true', 1], // warning only
      ['35', 'true', 'false', 3], // warning, revocation proposal, ongoing
    ]);
    expect(await page.textContent('[data-testid="lost-contact"]')).toContain('30 天：提请撤销');

    const late = page.locator('[data-testid="late-intake"] tbody tr');
    expect(
      await late.evaluateAll((rows) =>
        rows.map((r) => [r.getAttribute('data-order-id'), r.getAttribute('data-finding')]),
      ),
    ).toEqual([
      ['o-pa1', 'late_first_fix'],
      ['o-pb2', 'never_reported'],
    ]);
    expect(await page.getAttribute('[data-testid="never-activated"] tbody tr', 'data-order-id')).toBe(
      'o-pa3',
    );
    // The county sees no unassigned devices (city only).
    expect(await page.locator('[data-testid="unassigned-devices"]').count()).toBe(0);

    expect(await page.getAttribute('[data-testid="fixes-outside"]', 'data-value')).toBe('3');
    expect(await page.getAttribute('[data-testid="incidents-outside"]', 'data-value')).toBe('1');
    expect(await page.getAttribute('[data-testid="without-ground"]', 'data-value')).toBe('0');
    expect(await page.getAttribute('[data-testid="fixes-outside"]', 'class')).toContain('bad');
    expect(
      await page
        .locator('[data-testid="expired"] tbody tr')
        .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-order-id'))),
    ).toEqual(['o-pa2a', 'o-pb3']);
    expect(await page.getAttribute('[data-testid="extensions"] tbody tr', 'data-person')).toBe('pa2');
    await page.locator('[data-testid="lost-contact"]').scrollIntoViewIfNeeded();
    await screenshot(page, 'oversight-02-registers');
  });

  it('shows the daily county summary and exports it as CSV', async () => {
    const row = page.locator(`[data-testid="daily-summaries"] tr[data-day="${cstDay(at(-9))}"]`);
    expect(await row.getAttribute('data-county')).toBe('yanjiang');
    expect(await row.locator('[data-field="incidentsOpened"]').textContent()).toBe('1');
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.click('[data-action="export-csv"]'),
    ]);
    const path = join(ARTIFACTS_DIR, 'oversight-daily-summaries.csv');
    await download.saveAs(path);
    const { readFileSync } = await import('node:fs');
    const csv = readFileSync(path, 'utf8').replace(/^\uFEFF/, '');
    expect(csv.split('\r\n')[0]).toMatch(/^day,county_id,unit_id,unit_name,incidentsOpened,/);
    expect(csv).toContain(`${cstDay(at(-9))},yanjiang,yanjiang,雁江区司法局,1,`);
    await row.scrollIntoViewIfNeeded();
    await screenshot(page, 'oversight-03-daily-summaries');
  });

  it.skipIf(!popplerAvailable())('draws a sample and downloads a person’s evidence PDF', async () => {
    await page.fill('[data-testid="sample-form"] input[name="perOffice"]', '10');
    await page.fill('[data-testid="sample-form"] input[name="seed"]', 'console-review');
    await page.click('[data-testid="sample-form"] button[type="submit"]');
    await page.waitForSelector('[data-testid="sample-result"] [data-seed="console-review"]');
    expect(
      await page
        .locator('[data-testid="sample-result"] li')
        .evaluateAll((items) => items.map((li) => li.getAttribute('data-person'))),
    ).toEqual(['pb1', 'pb2', 'pb3', 'pb4', 'pa1', 'pa2', 'pa3']);
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.click('[data-testid="sample-result"] li[data-person="pa1"] [data-action="pdf"]'),
    ]);
    const file = join(ARTIFACTS_DIR, 'oversight-review-pa1.pdf');
    await download.saveAs(file);
    const text = pdfText(file).replace(/\s+/g, ' ');
    expect(text).toContain('监管对象 Person: pa1');
    expect(text).toContain('Order o-pa1');
    expect(text).toContain('失联 (lost_contact)');
    expect(text).toContain('已通报公安 (police_notified)');
    for (const p of pdfPages(file, ARTIFACTS_DIR, 'oversight-review-pa1'))
      expect(p.bodyInkRatio).toBeGreaterThan(0.0005);
    const audit = await svc.db.pool.query<{ n: number }>(
      `select count(*)::int as n from audit_log where actor_user_id = $1 and action = 'oversight.review'
       and subject_supervisee_id = 'pa1' and detail->>'format' = 'pdf'`,
      [u.aud.id],
    );
    expect(audit.rows[0]!.n).toBe(1);
    await page.locator('[data-testid="sample-result"]').scrollIntoViewIfNeeded();
    await screenshot(page, 'oversight-04-sample');
  });

  it('switches the charts to English', async () => {
    await page.click('.topbar .lang-toggle');
    await page.waitForSelector('.oversight[data-state="ready"]');
    const times = await drawn('response-times');
    expect(times.datasets.map((d) => d.label)).toEqual([
      'Acknowledge p50',
      'Acknowledge p95',
      'Resolve p50',
      'Resolve p95',
    ]);
    expect(await page.textContent('section.chart-card[data-chart="open-by-age"] h2')).toBe(
      'Incidents open now, by age',
    );
    await screenshot(page, 'oversight-05-english');
    await page.click('.topbar .lang-toggle');
  });

  it('gives an office auditor only that office', async () => {
    const other = await browser.newContext({ viewport: VIEWPORT, locale: 'zh-CN' });
    other.setDefaultTimeout(15_000);
    const view = await other.newPage();
    await signIn(view, svc.httpUrl, u.audA.name, PASSWORD);
    await view.goto(`${svc.httpUrl}/oversight?${PERIOD}`);
    await view.waitForSelector('.oversight[data-state="ready"]');
    const canvas = view.locator('canvas[data-chart="escalations"][data-rendered="true"]');
    await canvas.waitFor();
    expect(JSON.parse((await canvas.getAttribute('data-labels')) ?? '[]')).toEqual(['莲花街道司法所']);
    expect(
      await view
        .locator('[data-testid="office-figures"] tbody tr')
        .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-office'))),
    ).toEqual(['lianhua']);
    // An office sees no county summary.
    expect(await view.textContent('[data-testid="daily-summaries"]')).toContain('暂无简报');
    await other.close();
  });
});
