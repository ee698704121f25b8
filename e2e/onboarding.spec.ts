import { expect, test } from '@playwright/test';
import { join } from 'node:path';
import { chromiumMissing, findModel, screenshotDir, seriousAxeViolations, hostForSuite } from './serveFixture';

const noBrowser = chromiumMissing();
const model = findModel();

test.describe('first run', () => {
  test.skip(!!noBrowser, noBrowser ?? '');
  test.skip(!model, 'no model: set PAGI_TEST_MODEL or put stories260K-chatml.gguf in ../shared/models');
  const served = hostForSuite(null);

  test('creates the twin, imports a model with its fit shown, and lands in the chat with the model loaded', async ({ page }) => {
    await page.goto(served().url);
    const setup = page.getByRole('region', { name: 'Set up your twin' });
    await expect(setup).toBeVisible();
    await expect(setup).toContainText(/runs models on \w+/);
    expect(await seriousAxeViolations(page)).toEqual([]);
    await setup.getByLabel('Name', { exact: true }).fill('Robin');
    await setup.getByLabel('Describe its persona').fill('A patient gardener who loves old stories.');
    await setup.getByLabel('Temperament (its baseline mood)').selectOption('calm');
    const picker = setup.getByRole('group', { name: 'Or import a .gguf file' });
    await picker.locator('input[type=file]').setInputFiles({ name: 'x.gguf', mimeType: 'application/octet-stream', buffer: Buffer.from('not a model') });
    await expect(picker.locator('.file-picker-name')).toHaveText(/x\.gguf/, { timeout: 30_000 });
    await setup.getByRole('button', { name: 'Import', exact: true }).click();
    await expect(setup.getByRole('alert')).toContainText('x.gguf');
    const [chooser] = await Promise.all([page.waitForEvent('filechooser'), picker.getByRole('button', { name: 'Choose a file' }).click()]);
    await chooser.setFiles(model as string);
    await expect(picker.locator('.file-picker-name')).toContainText((model as string).split('/').pop() as string, { timeout: 30_000 });
    await setup.getByRole('button', { name: 'Import', exact: true }).click();
    await expect(setup.getByRole('status')).toContainText(/^(fits|slow|won't fit): /);
    await page.screenshot({ path: join(screenshotDir, 'onboarding.png') });
    await setup.getByRole('button', { name: 'Start' }).click();
    await expect(page.getByLabel('Message')).toBeVisible({ timeout: 30_000 });
    await page.getByRole('button', { name: 'Models', exact: true }).click();
    await expect(page.locator('.model-status')).toContainText('Loaded');
    await page.getByRole('button', { name: 'Settings', exact: true }).click();
    await expect(page.getByLabel('Name', { exact: true })).toHaveValue('Robin');
  });
});
