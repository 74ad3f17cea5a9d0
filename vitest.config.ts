import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Builds the web console when web/dist is missing or stale (test/console drives it in Chromium).
    globalSetup: ['test/console/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    // Suites start real brokers and databases on fixed loopback ports in places; keep files serial-safe.
    fileParallelism: true,
    maxWorkers: 2,
  },
});
