import { expect, test } from '@playwright/test';
import { join } from 'node:path';
import { chromiumMissing, findModel, screenshotDir, seriousAxeViolations, servePagi, type ServedHost } from './serveFixture';

const noBrowser = chromiumMissing();
const model = findModel();

test.describe('models and system pages', () => {
  test.skip(!!noBrowser, noBrowser ?? '');
  let host: ServedHost;
  test.beforeAll(async () => {
    host = await servePagi(null);
  });
  test.afterAll(async () => {
    await host?.stop();
  });

  test('with no model the page says what to do; a bad path is refused with the reason; a real file imports and loads', async ({ page }) => {
    await page.goto(host.url);
    await page.getByRole('button', { name: 'Models' }).click();
    await expect(page.locator('.model-status')).toContainText('No model is loaded');
    await expect(page.getByRole('region', { name: 'Hardware', exact: true })).toContainText(/cpu/i);
    await page.getByLabel(/Import a \.gguf file/).fill('/nonexistent/model.gguf');
    await page.getByRole('button', { name: 'Import' }).click();
    await expect(page.getByRole('alert')).toContainText(/nonexistent\/model\.gguf/);
    expect(await seriousAxeViolations(page)).toEqual([]);
    test.skip(!model, 'no model file to import: set PAGI_TEST_MODEL or put stories260K-chatml.gguf in ../shared/models');
    await page.getByLabel(/Import a \.gguf file/).fill(model as string);
    await page.getByRole('button', { name: 'Import' }).click();
    const name = (model as string).split('/').pop() as string;
    await page.getByRole('button', { name: `Load ${name}` }).click();
    await expect(page.locator('.model-status')).toContainText('Loaded', { timeout: 30_000 });
    await page.screenshot({ path: join(screenshotDir, 'models.png') });
  });

  test('the system page shows a killed service coming back, and the event log tails and filters', async ({ page }) => {
    await page.goto(host.url);
    await page.getByRole('button', { name: 'System' }).click();
    const row = page.locator('tr[data-service="perception"]');
    await expect(row).toHaveAttribute('data-state', 'running');
    const pid = Number(await row.locator('td').nth(1).innerText());
    process.kill(pid, 'SIGKILL');
    await expect(row.locator('td').nth(2)).toHaveText('1', { timeout: 15_000 });
    await expect(row).toHaveAttribute('data-state', 'running', { timeout: 15_000 });
    expect(Number(await row.locator('td').nth(1).innerText())).not.toBe(pid);
    // the twin's own start-up left events in the log: tail them, then narrow to one topic
    const first = page.locator('.event-log li').first();
    await expect(first).toBeVisible({ timeout: 10_000 });
    const topic = (await first.getAttribute('data-topic')) as string;
    await page.getByLabel('Topic contains').fill(topic);
    const topics = await page.locator('.event-log li').evaluateAll((lis) => lis.map((li) => li.getAttribute('data-topic')));
    expect(topics.length).toBeGreaterThan(0);
    expect(new Set(topics)).toEqual(new Set([topic]));
    await page.getByRole('button', { name: 'Pause' }).click();
    await expect(page.getByRole('button', { name: 'Resume' })).toHaveAttribute('aria-pressed', 'true');
    expect(await seriousAxeViolations(page)).toEqual([]);
    await page.screenshot({ path: join(screenshotDir, 'system.png') });
  });
});
