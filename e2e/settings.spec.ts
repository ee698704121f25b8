import { expect, test } from '@playwright/test';
import { join } from 'node:path';
import { chromiumMissing, hostForSuite, openSettings, screenshotDir, seriousAxeViolations } from './serveFixture';

const noBrowser = chromiumMissing();

test.describe('settings', () => {
  test.skip(!!noBrowser, noBrowser ?? '');
  const served = hostForSuite(null);

  test('the persona is edited and kept; the theme switches, in both themes without accessibility faults', async ({ page }) => {
    await page.goto(served().url);
    await page.getByRole('button', { name: 'Settings', exact: true }).click();
    // Persona is the first section; the others are tabs away (arrow keys move between them)
    await expect(page.getByRole('tab', { name: 'Persona' })).toHaveAttribute('aria-selected', 'true');
    await page.getByLabel('Name', { exact: true }).fill('Ada');
    await page.getByLabel('Traits (comma-separated)').fill('patient, funny');
    await page.getByRole('button', { name: 'Save persona' }).click();
    await expect(page.getByText('Saved.', { exact: true })).toBeVisible();
    await page.reload();
    await page.getByRole('button', { name: 'Settings', exact: true }).click();
    await expect(page.getByLabel('Name', { exact: true })).toHaveValue('Ada');
    await expect(page.getByLabel('Traits (comma-separated)')).toHaveValue('patient, funny');
    expect(await seriousAxeViolations(page)).toEqual([]);
    await page.getByRole('tab', { name: 'Persona' }).focus();
    await page.keyboard.press('ArrowDown');
    await expect(page.getByRole('tab', { name: 'Generation' })).toBeFocused();
    await expect(page.getByRole('tab', { name: 'Generation' })).toHaveAttribute('aria-selected', 'true');
    await page.keyboard.press('End');
    await expect(page.getByRole('tab', { name: 'Appearance' })).toHaveAttribute('aria-selected', 'true');
    await page.keyboard.press('ArrowDown');
    await expect(page.getByRole('tab', { name: 'Persona' })).toHaveAttribute('aria-selected', 'true');
    await page.getByRole('tab', { name: 'Appearance' }).click();
    await page.getByLabel('dark').check();
    await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
    expect(await seriousAxeViolations(page)).toEqual([]);
    await page.screenshot({ path: join(screenshotDir, 'settings-dark.png') });
    await page.getByLabel('light').check();
    await expect(page.locator('html')).toHaveAttribute('data-theme', 'light');
  });

  test('generation: reply length until the model stops and samplers are saved, kept, and put back to the defaults', async ({ page }) => {
    await page.goto(served().url);
    await openSettings(page, 'Generation');
    const form = page.getByRole('form', { name: 'Generation' });
    await expect(form.getByLabel('Most tokens in a reply')).toHaveValue('1024');
    await form.getByLabel('Until the model stops').check();
    await form.getByLabel(/^Top-k/).fill('20');
    await form.getByRole('button', { name: 'Save generation settings' }).click();
    await expect(form.getByRole('status')).toContainText('Saved');
    await page.reload();
    await page.getByRole('tab', { name: 'Generation' }).click();
    await expect(form.getByLabel('Until the model stops')).toBeChecked();
    await expect(form.getByLabel(/^Top-k/)).toHaveValue('20');
    await expect(form.getByLabel(/^Top-p/)).toHaveValue('');
    await form.getByLabel(/^Repeat penalty/).fill('1.5');
    await form.getByLabel(/^Min-p/).fill('0.05');
    await form.getByRole('button', { name: 'Save generation settings' }).click();
    await expect(form.getByRole('status')).toContainText('Saved');
    await form.getByRole('button', { name: 'Back to the defaults' }).click();
    await expect(form.getByLabel('Most tokens in a reply')).toHaveValue('1024');
    await expect(form.getByLabel(/^Top-k/)).toHaveValue('');
    expect(await seriousAxeViolations(page)).toEqual([]);
  });

  test('inference, memory weights and privacy are changed, refused when wrong, and kept', async ({ page }) => {
    await page.goto(served().url);
    await openSettings(page, 'Model and hardware');
    const inference = page.getByRole('form', { name: 'Inference settings' });
    // a value the core refuses: the message names the field and nothing changes
    await inference.getByLabel(/Context size/).fill('12');
    await inference.getByRole('button', { name: 'Save inference settings' }).click();
    await expect(inference.getByRole('alert')).toContainText('contextSize');
    await inference.getByLabel(/Context size/).fill('1024');
    await inference.getByLabel('CPU threads').fill('1');
    await inference.getByRole('button', { name: 'Save inference settings' }).click();
    await expect(inference.getByText(/runs with it now/)).toBeVisible({ timeout: 30_000 });

    await page.getByRole('tab', { name: 'Memory', exact: true }).click();
    const episodic = page.getByRole('form', { name: 'episodic memory weights' });
    for (const label of ['Words in common (BM25)', 'Meaning (embeddings)', 'Recency', 'Importance', 'Emotional salience']) await episodic.getByLabel(label).fill('0');
    await episodic.getByRole('button', { name: 'Save episodic weights' }).click();
    await expect(episodic.getByRole('alert')).toContainText('above 0');
    await episodic.getByLabel('Recency').fill('0.5');
    await episodic.getByLabel('Words in common (BM25)').fill('0.5');
    await episodic.getByRole('button', { name: 'Save episodic weights' }).click();
    await expect(episodic.getByText(/runs with it now/)).toBeVisible({ timeout: 30_000 });

    await page.getByRole('tab', { name: 'Privacy' }).click();
    const privacy = page.getByRole('form', { name: 'Personal data' });
    await privacy.getByRole('group', { name: 'Email addresses' }).getByLabel('redact').check();
    await privacy.getByRole('button', { name: 'Save privacy settings' }).click();
    await expect(privacy.getByText(/runs with it now/)).toBeVisible({ timeout: 30_000 });
    expect(await seriousAxeViolations(page)).toEqual([]);
    await page.screenshot({ path: join(screenshotDir, 'settings-services.png'), fullPage: true });

    await page.reload();
    await openSettings(page, 'Model and hardware');
    await expect(page.getByRole('form', { name: 'Inference settings' }).getByLabel(/Context size/)).toHaveValue('1024');
    await page.getByRole('tab', { name: 'Privacy' }).click();
    await expect(page.getByRole('form', { name: 'Personal data' }).getByRole('group', { name: 'Email addresses' }).getByLabel('redact')).toBeChecked();
    await page.getByRole('tab', { name: 'Memory', exact: true }).click();
    await expect(page.getByRole('form', { name: 'episodic memory weights' }).getByLabel('Importance')).toHaveValue('0');
    await expect(page.getByRole('form', { name: 'episodic memory weights' }).getByLabel('Recency')).toHaveValue('0.5');
    await page.getByRole('form', { name: 'episodic memory weights' }).getByRole('button', { name: 'Reset episodic weights to defaults' }).click();
    await expect(page.getByRole('form', { name: 'episodic memory weights' }).getByLabel('Importance')).not.toHaveValue('0');
  });
});
