import { expect, test } from '@playwright/test';
import { join } from 'node:path';
import { chromiumMissing, screenshotDir, seriousAxeViolations, hostForSuite } from './serveFixture';

const noBrowser = chromiumMissing();

test.describe('settings', () => {
  test.skip(!!noBrowser, noBrowser ?? '');
  const served = hostForSuite(null);

  test('the persona is edited and kept; the theme switches, in both themes without accessibility faults', async ({ page }) => {
    await page.goto(served().url);
    await page.getByRole('button', { name: 'Settings' }).click();
    await page.getByLabel('Name').fill('Ada');
    await page.getByLabel('Traits (comma-separated)').fill('patient, funny');
    await page.getByRole('button', { name: 'Save persona' }).click();
    await expect(page.getByText('Saved.')).toBeVisible();
    await page.reload();
    await page.getByRole('button', { name: 'Settings' }).click();
    await expect(page.getByLabel('Name')).toHaveValue('Ada');
    await expect(page.getByLabel('Traits (comma-separated)')).toHaveValue('patient, funny');
    expect(await seriousAxeViolations(page)).toEqual([]);
    await page.getByLabel('dark').check();
    await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
    expect(await seriousAxeViolations(page)).toEqual([]);
    await page.screenshot({ path: join(screenshotDir, 'settings-dark.png') });
    await page.getByLabel('light').check();
    await expect(page.locator('html')).toHaveAttribute('data-theme', 'light');
  });
});
