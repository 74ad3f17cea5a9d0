// Headless Chromium for the console's end-to-end tests: Debian's package (scripts/install-chromium.sh)
// driven by playwright-core, never a downloaded browser (CI and supervision centres are offline but
// for the Debian mirror and the npm registry). In CI a missing browser fails; elsewhere the browser
// suites skip and say how to install it.
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const ARTIFACTS_DIR = fileURLToPath(new URL('../../test-artifacts/console/', import.meta.url));

/** Whether the browser suites run: true with Chromium; false (skip) without, except in CI. */
export function chromiumAvailable(): boolean {
  if (existsSync(CHROMIUM_PATH)) return true;
  const message = `Chromium not found at ${CHROMIUM_PATH}; install it with scripts/install-chromium.sh`;
  if (process.env.CI === 'true') throw new Error(message);
  console.warn(`skipping browser tests: ${message}`);
  return false;
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      // The alarm cue is WebAudio; let it start without a real user gesture or a sound card.
      '--autoplay-policy=no-user-gesture-required',
    ],
  });
}

/** Saves a full-window screenshot under test-artifacts/console/<name>.png and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  const path = join(ARTIFACTS_DIR, `${name}.png`);
  mkdirSync(dirname(path), { recursive: true });
  await page.screenshot({ path });
  return path;
}
