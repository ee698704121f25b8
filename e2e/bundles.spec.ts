import { expect, test } from '@playwright/test';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { png, v2 } from '../core/test/cardFixtures';
import { chromiumMissing, hostForSuite, openSettings, screenshotDir, seriousAxeViolations } from './serveFixture';

const noBrowser = chromiumMissing();

test.describe('twin bundles from the Settings page', () => {
  test.skip(!!noBrowser, noBrowser ?? '');
  const served = hostForSuite(null);

  test('the twin is exported (encrypted) as a download, refused with a wrong passphrase, and imported as a clone through an upload', async ({ page }) => {
    const { url, dataDir } = served();
    await page.goto(url);
    await openSettings(page, 'Import and export');
    const exportForm = page.getByRole('form', { name: 'Export this twin' });
    await exportForm.getByLabel('Encrypt with a passphrase').check();
    await exportForm.getByLabel(/Passphrase \(at least 8/).fill('correct horse battery');
    // the browser's own download: nothing on this computer is overwritten without its save dialog asking
    const [download] = await Promise.all([page.waitForEvent('download', { timeout: 30_000 }), exportForm.getByRole('button', { name: 'Export' }).click()]);
    await expect(exportForm.getByText(/Exported .* databases, encrypted/)).toBeVisible();
    expect(download.suggestedFilename()).toMatch(/\.pagi$/);
    const file = join(dataDir, 'twin.pagi');
    await download.saveAs(file);
    expect(statSync(file).size).toBeGreaterThan(1_000);

    const importForm = page.getByRole('form', { name: 'Import a twin' });
    const [chooser] = await Promise.all([page.waitForEvent('filechooser'), importForm.getByRole('button', { name: 'Choose a file' }).click()]);
    await chooser.setFiles(file);
    await expect(importForm.locator('.file-picker-name')).toHaveText(/twin\.pagi/, { timeout: 30_000 });
    await importForm.getByLabel(/Passphrase \(only for/).fill('wrong horse battery');
    await importForm.getByRole('button', { name: 'Import' }).click();
    await expect(importForm.getByRole('alert')).toContainText('wrong passphrase');
    const before = readdirSync(join(dataDir, 'twins'));
    // the upload is kept for another try: no second upload after a wrong passphrase
    await importForm.getByLabel(/Passphrase \(only for/).fill('correct horse battery');
    await importForm.getByRole('button', { name: 'Import' }).click();
    await expect(importForm.getByText(/Imported .* as a clone \(generation 1\)/)).toBeVisible({ timeout: 30_000 });
    expect(readdirSync(join(dataDir, 'twins')).length).toBe(before.length + 1);
    // the twin here had never been used (a fresh install): the imported one is the one that runs now
    await expect(importForm.getByText(/is now the twin you talk to \(the twin that was here had never been used\)/)).toBeVisible();
    expect(readdirSync(join(dataDir, 'tmp')).filter((n) => n.startsWith('upload-'))).toEqual([]);
    expect(await seriousAxeViolations(page)).toEqual([]);
    await importForm.screenshot({ path: join(screenshotDir, 'settings-bundles.png') });
  });

  test('a character card becomes a new twin and a ChatGPT export becomes memories; bad files are refused with the reason', async ({ page }) => {
    const { url, dataDir } = served();
    const card = join(dataDir, 'mira.png');
    writeFileSync(card, png({ chara: Buffer.from(JSON.stringify(v2)).toString('base64') }));
    writeFileSync(join(dataDir, 'broken.png'), png({ chara: 'not base64!!' }));
    const conversations = join(dataDir, 'conversations.json');
    writeFileSync(conversations, JSON.stringify([{ title: 'Tea', conversation_id: 'c9', current_node: 'a', mapping: {
      u: { id: 'u', parent: null, children: ['a'], message: { id: 'u', author: { role: 'user' }, create_time: 1_700_000_000, content: { content_type: 'text', parts: ['What tea goes with honey?'] } } },
      a: { id: 'a', parent: 'u', children: [], message: { id: 'a', author: { role: 'assistant' }, create_time: 1_700_000_005, content: { content_type: 'text', parts: ['Chamomile goes well with honey.'] } } },
    } }]));
    await page.goto(url);
    await openSettings(page, 'Import and export');
    const chatgpt = page.getByRole('form', { name: 'Import ChatGPT conversations' });
    await chatgpt.locator('input[type=file]').setInputFiles(conversations);
    await expect(chatgpt.locator('.file-picker-name')).toHaveText(/conversations\.json/, { timeout: 30_000 });
    await chatgpt.getByRole('button', { name: "Import into this twin's memory" }).click();
    await expect(chatgpt.getByText('Imported 2 messages from 1 conversations.')).toBeVisible({ timeout: 30_000 });
    await page.getByRole('button', { name: 'Memory', exact: true }).click();
    await page.getByRole('searchbox', { name: 'Search memories' }).fill('chamomile honey');
    await page.getByRole('button', { name: 'Search' }).click();
    await expect(page.getByText('Chamomile goes well with honey.').first()).toBeVisible();

    await openSettings(page, 'Import and export');
    const cardForm = page.getByRole('form', { name: 'New twin from a character card' });
    await cardForm.locator('input[type=file]').setInputFiles(join(dataDir, 'broken.png'));
    await expect(cardForm.locator('.file-picker-name')).toHaveText(/broken\.png/, { timeout: 30_000 });
    await cardForm.getByRole('button', { name: 'Create the twin' }).click();
    await expect(cardForm.getByRole('alert')).toContainText('not valid base64');
    // dropped onto the form's drop zone, as from a file manager
    const dropped = await page.evaluateHandle((b64) => {
      const data = new DataTransfer();
      data.items.add(new File([Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))], 'mira.png', { type: 'image/png' }));
      return data;
    }, readFileSync(card).toString('base64'));
    await cardForm.getByRole('group', { name: /Character card/ }).dispatchEvent('drop', { dataTransfer: dropped });
    await expect(cardForm.locator('.file-picker-name')).toHaveText(/mira\.png/, { timeout: 30_000 });
    await cardForm.getByRole('button', { name: 'Create the twin' }).click();
    await expect(cardForm.getByText(/Created Captain Mira .* with 2 lorebook facts/)).toBeVisible({ timeout: 30_000 });
    expect(await seriousAxeViolations(page)).toEqual([]);
    await page.getByRole('tab', { name: 'Twins' }).click();
    await page.locator('table.twins').screenshot({ path: join(screenshotDir, 'settings-twins.png') });

    // switching: every service restarts for Captain Mira, and the window shows her
    await Promise.all([page.waitForEvent('load', { timeout: 60_000 }), page.getByRole('button', { name: 'Switch to Captain Mira' }).click()]);
    await page.getByRole('button', { name: 'Settings', exact: true }).click({ timeout: 30_000 });
    await expect(page.getByLabel('Name', { exact: true })).toHaveValue('Captain Mira', { timeout: 30_000 });
    await page.getByRole('tab', { name: 'Twins' }).click();
    await expect(page.locator('table.twins')).toContainText('running');

    // every twin is named (those not running too), with where it came from; the one running cannot be deleted
    const rows = page.locator('table.twins tbody tr');
    await expect(rows).toHaveCount(3);
    await expect(page.locator('table.twins')).not.toContainText('not yet named');
    await expect(page.locator('table.twins')).toContainText('made from a character card');
    const running = rows.filter({ hasText: 'running' });
    await expect(running.getByRole('button', { name: /^Delete/ })).toHaveCount(0);
    const others = rows.filter({ hasNotText: 'running' });
    const first = others.first();
    await first.getByRole('button', { name: /^Rename/ }).click();
    await first.getByLabel('New name').fill('Old Ada');
    await first.getByRole('button', { name: 'Save' }).click();
    await expect(page.locator('table.twins')).toContainText('Old Ada (takes this name when it next runs)');
    const doomed = others.last();
    const doomedId = await doomed.getAttribute('data-twin');
    await doomed.getByRole('button', { name: /^Delete/ }).click();
    await doomed.getByRole('button', { name: 'Delete for good' }).click();
    await expect(rows).toHaveCount(2);
    expect(existsSync(join(dataDir, 'twins', doomedId as string))).toBe(false);
    expect(await seriousAxeViolations(page)).toEqual([]);
  });
});
