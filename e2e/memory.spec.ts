import { expect, test } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromiumMissing, repoRoot, screenshotDir, seriousAxeViolations, servePagi, type ServedHost } from './serveFixture';
import { XSS_PAYLOADS } from './xssPayloads';

const noBrowser = chromiumMissing();

test.describe('memory explorer and emotion dashboard (no model needed)', () => {
  test.skip(!!noBrowser, noBrowser ?? '');
  let host: ServedHost;
  test.beforeAll(async () => {
    host = await servePagi(null);
    const lines = [
      { session: 's1', time: '2024-05-02T10:00:00Z', speaker: 'ana', text: 'We adopted a greyhound called **Pixel**', ref: 'D1:1' },
      { session: 's1', time: '2024-05-02T10:01:00Z', speaker: 'bo', text: 'Pixel sounds lovely', ref: 'D1:2' },
      ...XSS_PAYLOADS.map((text, i) => ({ session: 's2', time: new Date(Date.UTC(2024, 5, 1, 10, i)).toISOString(), speaker: 'mallory', text: `payload ${i} ${text}`, ref: `X:${i}` })),
    ];
    const file = join(host.dataDir, 'talk.jsonl');
    writeFileSync(file, lines.map((l) => JSON.stringify(l)).join('\n'));
    execFileSync(process.execPath, [join(repoRoot, 'bin', 'pagi.js'), 'memory', 'import', file, '--data-dir', host.dataDir]);
  });
  test.afterAll(async () => {
    await host?.stop();
  });

  test('search shows the score breakdown; a memory can be edited, undone, deleted and restored', async ({ page }) => {
    await page.goto(host.url);
    await page.getByRole('button', { name: 'Memory' }).click();
    await page.getByRole('searchbox', { name: 'Search memories' }).fill('greyhound');
    await page.getByRole('button', { name: 'Search' }).click();
    const hit = page.locator('.hit').first();
    await expect(hit).toContainText('We adopted a greyhound called **Pixel**');
    await expect(hit.getByLabel(/^keywords 1\.00$/)).toBeVisible();
    await expect(page.locator('.note').first()).toContainText('no episode has an embedding yet');
    expect(await seriousAxeViolations(page)).toEqual([]);
    await page.screenshot({ path: join(screenshotDir, 'memory-search.png') });

    await hit.getByRole('button').first().click();
    const detail = page.getByRole('complementary', { name: 'Memory' });
    await detail.getByRole('button', { name: 'Edit' }).click();
    await detail.getByLabel('Text').fill('We adopted a whippet called Pixel');
    await detail.getByRole('button', { name: 'Save' }).click();
    await expect(detail.locator('.memory-text')).toHaveText('We adopted a whippet called Pixel');
    await expect(detail.locator('.history li')).toHaveCount(2);
    await detail.getByRole('button', { name: /^Undo edit/ }).click();
    await expect(detail.locator('.memory-text')).toHaveText('We adopted a greyhound called **Pixel**');

    await detail.getByRole('button', { name: 'Delete' }).click();
    await expect(detail).toContainText('This memory is deleted');
    // nothing is offered for a memory that is gone (Edit once failed there with a command-line hint)
    for (const name of ['Edit', 'Pin', 'Delete', 'Forget forever…']) await expect(detail.getByRole('button', { name, exact: true })).toHaveCount(0);
    await expect(detail).not.toContainText('pagi ');
    await detail.getByRole('button', { name: /^Undo delete/ }).click();
    await expect(detail.locator('.memory-text')).toHaveText('We adopted a greyhound called **Pixel**');
    expect(await seriousAxeViolations(page)).toEqual([]);
    await page.screenshot({ path: join(screenshotDir, 'memory-detail.png') });
  });

  test('at 800×600 a memory takes the explorer\'s place; Esc goes back to where it was; arrow keys move between tiers', async ({ page }) => {
    await page.setViewportSize({ width: 800, height: 600 });
    await page.goto(host.url);
    await page.getByRole('button', { name: 'Memory' }).click();
    const tiers = page.getByRole('tablist', { name: 'Memory tiers' });
    await tiers.getByRole('tab', { name: 'Search' }).focus();
    await page.keyboard.press('ArrowRight');
    await expect(tiers.getByRole('tab', { name: 'Episodes' })).toBeFocused();
    await expect(tiers.getByRole('tab', { name: 'Episodes' })).toHaveAttribute('aria-selected', 'true');
    await page.keyboard.press('End');
    await expect(tiers.getByRole('tab', { name: 'Working' })).toBeFocused();
    await page.keyboard.press('Home');
    await expect(tiers.getByRole('tab', { name: 'Search' })).toBeFocused();

    await page.getByRole('searchbox', { name: 'Search memories' }).fill('greyhound');
    await page.getByRole('button', { name: 'Search' }).click();
    const opener = page.locator('.hit').first().getByRole('button').first();
    await opener.click();
    const detail = page.getByRole('complementary', { name: 'Memory' });
    await expect(detail.getByRole('heading', { level: 2 })).toBeFocused();
    // one thing at a time: the explorer is out of the way, not covered; nothing runs off the window
    await expect(page.getByRole('region', { name: 'Memory explorer' })).toBeHidden();
    const box = await detail.boundingBox();
    expect(box && box.x + box.width).toBeLessThanOrEqual(800);
    await page.screenshot({ path: join(screenshotDir, 'memory-detail-800x600.png') });
    await detail.getByRole('button', { name: 'Edit' }).click();
    await detail.getByLabel('Text').press('Escape');
    await expect(detail.getByLabel('Text')).toHaveCount(0); // Esc leaves the edit first
    await detail.getByRole('heading', { level: 2 }).press('Escape');
    await expect(detail).toHaveCount(0);
    await expect(opener).toBeFocused();
  });

  test(`${XSS_PAYLOADS.length} injection payloads stored as memories render as text and run nothing`, async ({ page }) => {
    const fired: string[] = [];
    page.on('dialog', (d) => { fired.push(`dialog: ${d.message()}`); void d.dismiss(); });
    page.on('framenavigated', (f) => { if (f.url().startsWith('javascript:')) fired.push(`navigated: ${f.url()}`); });
    await page.addInitScript(() => {
      (window as unknown as { __pwned: (n: number) => void; __hits: number[] }).__hits = [];
      (window as unknown as { __pwned: (n: number) => void }).__pwned = (n) => (window as unknown as { __hits: number[] }).__hits.push(n);
    });
    await page.goto(host.url);
    await page.getByRole('button', { name: 'Memory' }).click();
    await page.getByRole('searchbox', { name: 'Search memories' }).fill('payload');
    await page.getByRole('button', { name: 'Search' }).click();
    await expect(page.locator('.hit')).toHaveCount(20);
    await page.getByRole('tab', { name: 'Episodes' }).click();
    await expect(page.locator('.timeline-row').first()).toBeVisible();
    // open a few in the detail view too, and click every link the payloads may have produced
    for (const i of [0, 5, 6, 7]) {
      await page.getByRole('tab', { name: 'Search' }).click();
      await page.getByRole('searchbox', { name: 'Search memories' }).fill(`payload ${i}`);
      await page.getByRole('button', { name: 'Search' }).click();
      await page.locator('.hit button').first().click();
      await expect(page.locator('.memory-text')).toContainText(`payload ${i}`);
    }
    for (const link of await page.locator('main a').all()) await link.click({ trial: true }).catch(() => undefined);
    await page.waitForTimeout(500);
    expect(await page.evaluate(() => (window as unknown as { __hits: number[] }).__hits)).toEqual([]);
    expect(fired).toEqual([]);
    expect(await page.locator('main script, main iframe, main object, main embed, main img[onerror]').count()).toBe(0);
  });

  test('the emotion dashboard shows the mood and its history', async ({ page }) => {
    await page.goto(host.url);
    await page.getByRole('button', { name: 'Emotion' }).click();
    await expect(page.locator('.mood-now')).toContainText(/Now \w+/);
    await expect(page.getByRole('figure', { name: 'Valence and arousal plane' })).toBeVisible();
    expect(await seriousAxeViolations(page)).toEqual([]);
    await page.screenshot({ path: join(screenshotDir, 'emotion.png') });
  });
});
