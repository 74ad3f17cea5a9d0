// What the console suites do outside the browser: give a person a residence and a short track from
// their ankle monitor, and sign a page in. Also a hook that lets a test cut the page's live link and
// hold it down, to watch the console reconnect and resume.
import type { Page } from 'playwright-core';
import { createZone } from '../../src/admin/zones.js';
import { publishFixes, squareAround, type TestService, ZIYANG } from '../support/service.js';
import { waitFor } from '../support/wait.js';

export const HOME = { lat: ZIYANG.lat + 0.004, lon: ZIYANG.lon - 0.006 };

export async function giveResidence(svc: TestService, personId: string, name: string): Promise<void> {
  await createZone(svc.admin, {
    kind: 'residence',
    orgUnitId: 'lianhua',
    superviseeId: personId,
    name,
    geometry: squareAround(HOME.lat, HOME.lon, 120),
  });
}

/** `count` fixes a minute apart ending now, walking north-east from `from`; resolves once stored. */
export async function publishWalk(
  svc: TestService,
  device: { id: string; secret: string },
  count: number,
  from: { lat: number; lon: number } = HOME,
): Promise<void> {
  const now = Date.now();
  const fixes = Array.from({ length: count }, (_, i) => ({
    ts: new Date(now - (count - 1 - i) * 60_000 - 1000).toISOString(),
    lat: from.lat + i * 0.0006,
    lon: from.lon + i * 0.0009,
    acc: 6 + (i % 3) * 4,
    src: 'gnss',
    seq: i + 1,
    batt: 88 - i,
  }));
  await publishFixes(svc, device, fixes);
  await waitFor(async () => {
    const res = await svc.db.pool.query<{ n: number }>(
      'select count(*)::int as n from fixes where device_id = $1',
      [device.id],
    );
    return (res.rows[0]?.n ?? 0) >= count;
  });
}

export async function signIn(page: Page, url: string, username: string, password: string): Promise<void> {
  await page.goto(url);
  await page.fill('input[name=username]', username);
  await page.fill('input[name=password]', password);
  await page.click('button[type=submit]');
  await page.waitForSelector('.topbar');
}

/**
 * Before the page loads: record every WebSocket it opens, and while `__holdLiveDown` is set, point
 * new ones at a closed port so reconnect attempts fail, as they would while the server is away.
 * A string, since it runs in the page, whose DOM types this (Node) project does not load.
 */
const LIVE_LINK_HOOK = `
  const Native = window.WebSocket;
  window.__liveSockets = [];
  window.__holdLiveDown = false;
  window.WebSocket = class extends Native {
    constructor(url, protocols) {
      super(window.__holdLiveDown ? 'ws://127.0.0.1:9/live' : url, protocols);
      window.__liveSockets.push(this);
    }
  };`;

export async function instrumentLiveLink(page: Page): Promise<void> {
  await page.addInitScript({ content: LIVE_LINK_HOOK });
}
