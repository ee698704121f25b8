import { expect, test } from '@playwright/test';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromiumMissing, hostForSuite, screenshotDir, seriousAxeViolations } from './serveFixture';

const noBrowser = chromiumMissing();

test.describe('twin bundles from the Settings page', () => {
  test.skip(!!noBrowser, noBrowser ?? '');
  const served = hostForSuite(null);

  test('the twin is exported (encrypted), refused with a wrong passphrase, and imported as a clone', async ({ page }) => {
    const { url, dataDir } = served();
    await page.goto(url);
    await page.getByRole('button', { name: 'Settings', exact: true }).click();
    const exportForm = page.getByRole('form', { name: 'Export this twin' });
    await exportForm.getByLabel(/Save the bundle as/).fill(join(dataDir, 'twin.zip'));
    await exportForm.getByRole('button', { name: 'Export' }).click();
    await expect(exportForm.getByRole('alert')).toContainText('must end in .pagi');

    const file = join(dataDir, 'twin.pagi');
    await exportForm.getByLabel(/Save the bundle as/).fill(file);
    await exportForm.getByLabel('Encrypt with a passphrase').check();
    await exportForm.getByLabel(/Passphrase \(at least 8/).fill('correct horse battery');
    await exportForm.getByRole('button', { name: 'Export' }).click();
    await expect(exportForm.getByText(/Exported .* databases, encrypted/)).toBeVisible({ timeout: 30_000 });
    expect(existsSync(file)).toBe(true);

    const importForm = page.getByRole('form', { name: 'Import a twin' });
    await importForm.getByLabel('Bundle file (.pagi)').fill(file);
    await importForm.getByLabel(/Passphrase \(only for/).fill('wrong horse battery');
    await importForm.getByRole('button', { name: 'Import' }).click();
    await expect(importForm.getByRole('alert')).toContainText('wrong passphrase');
    const before = readdirSync(join(dataDir, 'twins'));
    await importForm.getByLabel(/Passphrase \(only for/).fill('correct horse battery');
    await importForm.getByRole('button', { name: 'Import' }).click();
    await expect(importForm.getByText(/Imported .* as a clone \(generation 1\)/)).toBeVisible({ timeout: 30_000 });
    expect(readdirSync(join(dataDir, 'twins')).length).toBe(before.length + 1);
    expect(await seriousAxeViolations(page)).toEqual([]);
    await importForm.screenshot({ path: join(screenshotDir, 'settings-bundles.png') });
  });
});
