import { defineConfig } from '@playwright/test';

/**
 * End-to-end tests in a real browser against `pagi serve`. Playwright's own browser download cannot
 * work on machines without internet access, so Chromium comes from the system (PAGI_CHROMIUM or
 * /usr/bin/chromium); `.ci/run` installs Debian's.
 */
export default defineConfig({
  testDir: '.',
  outputDir: './output/test-results',
  timeout: 90_000,
  workers: 1,
  reporter: [['list'], ['json', { outputFile: '../test-results/playwright.json' }]],
  use: {
    launchOptions: {
      executablePath: process.env.PAGI_CHROMIUM ?? '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
    },
  },
});
