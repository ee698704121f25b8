import { expect, test } from '@playwright/test';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromiumMissing, hostForSuite, screenshotDir, seriousAxeViolations } from './serveFixture';

const noBrowser = chromiumMissing();

test.describe('files without typing paths (browser): documents', () => {
  test.skip(!!noBrowser, noBrowser ?? '');
  const served = hostForSuite(null);

  test('a document is chosen with the file chooser or dropped onto the page, uploaded and ingested; a wrong kind is refused before any upload', async ({ page }) => {
    const { url, dataDir } = served();
    const notes = join(dataDir, 'garden-notes.md');
    writeFileSync(notes, '# Garden\n\nThe roses along the north wall bloom in June.\n');
    await page.goto(url);
    await page.getByRole('button', { name: 'Memory', exact: true }).click();
    await page.getByRole('tab', { name: 'Facts' }).click();
    const form = page.getByRole('form', { name: 'Import a document' });
    const picker = form.getByRole('group', { name: /Import a document/ });

    // a file of another kind: said at once, nothing uploaded
    await picker.locator('input[type=file]').setInputFiles({ name: 'photo.jpg', mimeType: 'image/jpeg', buffer: Buffer.from('jpeg') });
    await expect(picker.getByRole('alert')).toContainText('photo.jpg cannot be used here: choose a file ending in .txt, .md, .pdf');

    const [chooser] = await Promise.all([page.waitForEvent('filechooser'), picker.getByRole('button', { name: 'Choose a file' }).click()]);
    expect(chooser.isMultiple()).toBe(false);
    await chooser.setFiles(notes);
    await expect(picker.locator('.file-picker-name')).toHaveText(/garden-notes\.md/, { timeout: 30_000 });
    expect(await seriousAxeViolations(page)).toEqual([]);
    await form.getByRole('button', { name: 'Import' }).click();
    await expect(page.getByRole('list', { name: 'Documents' })).toContainText('garden-notes.md', { timeout: 30_000 });

    // dropped onto the drop zone, as from a file manager
    const dropped = await page.evaluateHandle(() => {
      const data = new DataTransfer();
      data.items.add(new File(['Tea with honey after the evening walk.\n'], 'evening.txt', { type: 'text/plain' }));
      return data;
    });
    await picker.dispatchEvent('dragover', { dataTransfer: dropped });
    await picker.dispatchEvent('drop', { dataTransfer: dropped });
    await expect(picker.locator('.file-picker-name')).toHaveText(/evening\.txt/, { timeout: 30_000 });
    await form.getByRole('button', { name: 'Import' }).click();
    await expect(page.getByRole('list', { name: 'Documents' })).toContainText('evening.txt', { timeout: 30_000 });
    // both uploads were removed once ingested
    await expect.poll(() => readdirSync(join(dataDir, 'tmp')).filter((n) => n.startsWith('upload-'))).toEqual([]);
    await form.screenshot({ path: join(screenshotDir, 'file-picker.png') });
  });
});
