import { expect, test, type Page } from '@playwright/test';
import { createHostClient } from '../core/host/hostClient';
import { chromiumMissing, hostForSuite, seriousAxeViolations } from './serveFixture';

const noBrowser = chromiumMissing();
const IDLE_PAGES = ['Chat', 'Memory', 'Emotion', 'Models', 'System'] as const;
const WINDOW_MS = 25_000;

/** Every request the page makes from now on (the open SSE stream was made before: a reconnect would count). */
function countRequests(page: Page): { since(): string[] } {
  const seen: Array<{ at: number; url: string }> = [];
  page.on('request', (r) => seen.push({ at: Date.now(), url: r.url() }));
  return {
    since() {
      return seen.map((r) => r.url);
    },
  };
}

/** Waits until no request came for `quietMs` (the page's own fetches on opening are done). */
async function settle(page: Page, requests: { since(): string[] }, quietMs = 2_000): Promise<void> {
  let count = requests.since().length;
  let quietSince = Date.now();
  const deadline = Date.now() + 20_000;
  while (Date.now() - quietSince < quietMs && Date.now() < deadline) {
    await page.waitForTimeout(250);
    const now = requests.since().length;
    if (now !== count) {
      count = now;
      quietSince = Date.now();
    }
  }
}

test.describe('push, not poll: an idle app is quiet, and a failure shows everywhere at once', () => {
  test.skip(!!noBrowser, noBrowser ?? '');
  const served = hostForSuite(null);

  test(`each page, idle, makes at most one request per 10 s (counted over ${WINDOW_MS / 1000} s)`, async ({ page }) => {
    test.setTimeout(IDLE_PAGES.length * (WINDOW_MS + 25_000) + 30_000);
    const requests = countRequests(page);
    await page.goto(served().url);
    const skip = page.getByRole('button', { name: 'Skip: keep the defaults' });
    await expect(page.getByLabel('Message').or(skip)).toBeVisible();
    if (await skip.isVisible()) await skip.click();
    for (const name of IDLE_PAGES) {
      await page.getByRole('button', { name, exact: true }).click();
      await expect(page.getByRole('button', { name, exact: true })).toHaveAttribute('aria-current', 'page');
      await settle(page, requests);
      const before = requests.since().length;
      await page.waitForTimeout(WINDOW_MS);
      const made = requests.since().slice(before);
      expect(made.length, `${name} made ${made.length} requests in ${WINDOW_MS / 1000} s: ${made.join(', ')}`).toBeLessThanOrEqual(Math.floor(WINDOW_MS / 10_000));
    }
  });

  test('a service that fails shows as a badge in the navigation without a reload, and its crashes are in the event log', async ({ page }) => {
    test.setTimeout(90_000);
    const url = new URL(served().url);
    const client = createHostClient({ port: Number(url.port), token: new URLSearchParams(url.hash.slice(1)).get('token') as string });
    await page.goto(served().url);
    const skip = page.getByRole('button', { name: 'Skip: keep the defaults' });
    await expect(page.getByLabel('Message').or(skip)).toBeVisible();
    if (await skip.isVisible()) await skip.click();
    await page.getByRole('button', { name: 'Memory', exact: true }).click();
    const badge = page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: '1 service down' });
    await expect(badge).toHaveCount(0);
    // crashed past the supervisor's limit (3 restarts): `social` stays down until someone restarts it
    for (let kills = 0; kills < 6; kills++) {
      const social = (await client.system.status.query()).find((s) => s.id === 'social');
      if (social?.state === 'failed') break;
      if (social?.state === 'running' && social.pid) process.kill(social.pid, 'SIGKILL');
      await expect.poll(async () => (await client.system.status.query()).find((s) => s.id === 'social')?.state, { timeout: 15_000 }).toMatch(/running|failed/);
    }
    await expect(badge).toBeVisible({ timeout: 10_000 });
    for (const colorScheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme });
      expect(await seriousAxeViolations(page), colorScheme).toEqual([]);
    }
    await badge.click();
    await expect(page.getByRole('button', { name: 'System', exact: true })).toHaveAttribute('aria-current', 'page');
    await expect(page.locator('tr[data-service="social"]')).toHaveAttribute('data-state', 'failed');
    await expect(page.locator('.event-log li[data-topic="service.crashed"]').first()).toContainText('social');
    // restarted from the page: the badge goes, again without a reload
    await page.getByRole('button', { name: 'Restart social' }).click();
    await expect(page.locator('tr[data-service="social"]')).toHaveAttribute('data-state', 'running', { timeout: 15_000 });
    await expect(badge).toHaveCount(0);
    await expect(page.locator('.event-log li[data-topic="service.restarted"]').first()).toContainText('social');
  });
});
