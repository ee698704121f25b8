import { expect, test } from '@playwright/test';
import { join } from 'node:path';
import { chromiumMissing, hostForSuite, screenshotDir, seriousAxeViolations } from './serveFixture';

const noBrowser = chromiumMissing();
const PAGES = ['Chat', 'Memory', 'Emotion', 'Models', 'System', 'Settings'] as const;
const SIZES = [{ width: 1280, height: 800 }, { width: 800, height: 600 }] as const;

test.describe('every page, in both themes, at 1280×800 and 800×600', () => {
  test.skip(!!noBrowser, noBrowser ?? '');
  const served = hostForSuite(null);

  for (const colorScheme of ['light', 'dark'] as const) {
    for (const size of SIZES) {
      test(`${colorScheme} at ${size.width}×${size.height}: no serious accessibility fault (contrast included), nothing wider than the window`, async ({ page }) => {
        await page.emulateMedia({ colorScheme });
        await page.setViewportSize(size);
        await page.goto(served().url);
        const skip = page.getByRole('button', { name: 'Skip: keep the defaults' });
        await expect(page.getByLabel('Message').or(skip)).toBeVisible();
        if (await skip.isVisible()) await skip.click();
        // the first Tab stop of a page leads straight to the message box, from any page
        await page.getByRole('button', { name: 'Memory', exact: true }).click();
        await page.reload();
        await expect(page.getByRole('button', { name: 'Memory', exact: true })).toHaveAttribute('aria-current', 'page');
        await page.keyboard.press('Tab');
        await expect(page.getByRole('link', { name: 'Skip to the message box' })).toBeFocused();
        await page.keyboard.press('Enter');
        await expect(page.getByLabel('Message')).toBeFocused();
        for (const name of PAGES) {
          await page.getByRole('button', { name, exact: true }).click();
          await expect(page.getByRole('button', { name, exact: true })).toHaveAttribute('aria-current', 'page');
          await page.waitForLoadState('networkidle').catch(() => undefined);
          expect(await seriousAxeViolations(page), `${name}`).toEqual([]);
          const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
          expect(overflow, `${name} is wider than the window by ${overflow}px`).toBeLessThanOrEqual(0);
          await page.screenshot({ path: join(screenshotDir, `${name.toLowerCase()}-${colorScheme}-${size.width}x${size.height}.png`) });
        }
      });
    }
  }
});
