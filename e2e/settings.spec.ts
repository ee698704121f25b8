import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { join } from 'node:path';
import { chromiumMissing, screenshotDir, servePagi, type ServedHost } from './serveFixture';

const noBrowser = chromiumMissing();
const serious = async (page: Page): Promise<string[]> =>
  (await new AxeBuilder({ page }).analyze()).violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);

test.describe('settings', () => {
  test.skip(!!noBrowser, noBrowser ?? '');
  let host: ServedHost;
  test.beforeAll(async () => {
    host = await servePagi(null);
  });
  test.afterAll(async () => {
    await host?.stop();
  });

  test('the persona is edited and kept; the theme switches, in both themes without accessibility faults', async ({ page }) => {
    await page.goto(host.url);
    await page.getByRole('button', { name: 'Settings' }).click();
    await page.getByLabel('Name').fill('Ada');
    await page.getByLabel('Traits (comma-separated)').fill('patient, funny');
    await page.getByRole('button', { name: 'Save persona' }).click();
    await expect(page.getByText('Saved.')).toBeVisible();
    await page.reload();
    await page.getByRole('button', { name: 'Settings' }).click();
    await expect(page.getByLabel('Name')).toHaveValue('Ada');
    await expect(page.getByLabel('Traits (comma-separated)')).toHaveValue('patient, funny');
    expect(await serious(page)).toEqual([]);
    await page.getByLabel('dark').check();
    await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
    expect(await serious(page)).toEqual([]);
    await page.screenshot({ path: join(screenshotDir, 'settings-dark.png') });
    await page.getByLabel('light').check();
    await expect(page.locator('html')).toHaveAttribute('data-theme', 'light');
  });
});
