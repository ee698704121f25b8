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

  test('a chunk lost on the network is sent again and the upload goes on; one that keeps failing is given up and removed from the host', async ({ page }) => {
    const { url, dataDir } = served();
    const staged = () => readdirSync(join(dataDir, 'tmp')).filter((n) => n.startsWith('upload-'));
    await page.goto(url);
    await page.getByRole('button', { name: 'Memory', exact: true }).click();
    await page.getByRole('tab', { name: 'Facts' }).click();
    const form = page.getByRole('form', { name: 'Import a document' });
    const picker = form.getByRole('group', { name: /Import a document/ });
    const puts: string[] = [];
    const deletes: string[] = [];
    page.on('request', (r) => r.method() === 'DELETE' && r.url().includes('/files/uploads/') && deletes.push(r.url()));

    // the first chunk never arrives: the browser sends it again and the file is whole
    let failed = false;
    await page.route('**/files/uploads/*', async (route) => {
      if (route.request().method() !== 'PUT') return route.fallback();
      puts.push(route.request().url());
      if (failed) return route.fallback();
      failed = true;
      return route.abort('connectionreset');
    });
    await picker.locator('input[type=file]').setInputFiles({ name: 'retried.txt', mimeType: 'text/plain', buffer: Buffer.from('Sent twice, stored once.\n') });
    await expect(picker.locator('.file-picker-name')).toHaveText(/retried\.txt/, { timeout: 30_000 });
    expect(puts).toHaveLength(2);
    expect(puts[1]).toBe(puts[0]); // the same chunk, at the same offset
    expect(deletes).toEqual([]);
    await form.getByRole('button', { name: 'Import' }).click();
    await expect(page.getByRole('list', { name: 'Documents' })).toContainText('retried.txt', { timeout: 30_000 });

    // every try fails: after three more the browser gives up, says why, and removes what the host holds
    await page.unroute('**/files/uploads/*');
    await page.route('**/files/uploads/*', (route) =>
      route.request().method() === 'PUT' ? route.fulfill({ status: 503, contentType: 'application/json', body: JSON.stringify({ error: { message: 'the host is busy', pagiCode: 'UNAVAILABLE' } }) }) : route.fallback());
    await picker.locator('input[type=file]').setInputFiles({ name: 'doomed.txt', mimeType: 'text/plain', buffer: Buffer.from('Never arrives.\n') });
    await expect(picker.getByRole('alert')).toContainText('the host is busy', { timeout: 30_000 });
    await expect.poll(() => deletes.length).toBe(1);
    await expect.poll(staged).toEqual([]);
  });
});
