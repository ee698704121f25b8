import { expect, test } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { sendWithRanges } from '../core/test/rangeResponse';
import { chromiumMissing, findModel, screenshotDir, seriousAxeViolations, servePagi, type ServedHost } from './serveFixture';

const noBrowser = chromiumMissing();
const model = findModel();

test.describe('models and system pages', () => {
  test.skip(!!noBrowser, noBrowser ?? '');
  let host: ServedHost;
  test.beforeAll(async () => {
    host = await servePagi(null);
  });
  test.afterAll(async () => {
    await host?.stop();
  });

  test('with no model the page says what to do; a bad file is refused with the reason; a real file is uploaded, imports and loads', async ({ page }) => {
    await page.goto(host.url);
    await page.getByRole('button', { name: 'Models', exact: true }).click();
    await expect(page.locator('.model-status')).toContainText('No model is loaded');
    await expect(page.getByRole('region', { name: 'Hardware', exact: true })).toContainText(/cpu/i);
    const importForm = page.getByRole('form', { name: 'Import a model' });
    // not a GGUF file: uploaded, then refused with the reason, naming the file as the user called it
    await importForm.locator('input[type=file]').setInputFiles({ name: 'broken.gguf', mimeType: 'application/octet-stream', buffer: Buffer.from('not a model at all') });
    await expect(importForm.locator('.file-picker-name')).toHaveText(/broken\.gguf/, { timeout: 30_000 });
    await importForm.getByRole('button', { name: 'Import' }).click();
    await expect(page.getByRole('alert')).toContainText('broken.gguf');
    expect(await seriousAxeViolations(page)).toEqual([]);
    test.skip(!model, 'no model file to import: set PAGI_TEST_MODEL or put stories260K-chatml.gguf in ../shared/models');
    const [chooser] = await Promise.all([page.waitForEvent('filechooser'), importForm.getByRole('button', { name: 'Choose a file' }).click()]);
    await chooser.setFiles(model as string);
    await expect(importForm.locator('.file-picker-name')).toContainText((model as string).split('/').pop() as string, { timeout: 30_000 });
    await importForm.getByRole('button', { name: 'Import' }).click();
    const name = (model as string).split('/').pop() as string;
    await page.getByRole('button', { name: `Load ${name}` }).click();
    await expect(page.locator('.model-status')).toContainText('Loaded', { timeout: 30_000 });
    // named as a person would know it: this tiny model's general.name is only its architecture ("llama")
    await expect(page.locator('.model-status strong')).toHaveText(name.replace(/\.gguf$/, ''));
    await page.screenshot({ path: join(screenshotDir, 'models.png') });
  });

  test('the system page shows a killed service coming back, and the event log tails and filters', async ({ page }) => {
    await page.goto(host.url);
    await page.getByRole('button', { name: 'System' }).click();
    const row = page.locator('tr[data-service="perception"]');
    await expect(row).toHaveAttribute('data-state', 'running');
    const pid = Number(await row.locator('td').nth(1).innerText());
    process.kill(pid, 'SIGKILL');
    await expect(row.locator('td').nth(2)).toHaveText('1', { timeout: 15_000 });
    await expect(row).toHaveAttribute('data-state', 'running', { timeout: 15_000 });
    expect(Number(await row.locator('td').nth(1).innerText())).not.toBe(pid);
    // the twin's own start-up left events in the log: tail them, then narrow to one topic
    const first = page.locator('.event-log li').first();
    await expect(first).toBeVisible({ timeout: 10_000 });
    const topic = (await first.getAttribute('data-topic')) as string;
    await page.getByLabel('Topic contains').fill(topic);
    const topics = await page.locator('.event-log li').evaluateAll((lis) => lis.map((li) => li.getAttribute('data-topic')));
    expect(topics.length).toBeGreaterThan(0);
    expect(new Set(topics)).toEqual(new Set([topic]));
    await page.getByRole('button', { name: 'Pause' }).click();
    await expect(page.getByRole('button', { name: 'Resume' })).toHaveAttribute('aria-pressed', 'true');
    expect(await seriousAxeViolations(page)).toEqual([]);
    await page.screenshot({ path: join(screenshotDir, 'system.png') });
  });
});

test.describe('downloading a model', () => {
  test.skip(!!noBrowser, noBrowser ?? '');
  test.skip(!model, 'no model file to serve: set PAGI_TEST_MODEL or put stories260K-chatml.gguf in ../shared/models');
  let host: ServedHost;
  let server: Server;
  let url: string;
  test.beforeAll(async () => {
    // a loopback file server with range support, slow enough for progress to show
    const data = readFileSync(model as string);
    server = createServer((req, res) => {
      if (req.url !== '/tiny.gguf' && req.url !== '/slow.gguf') return void res.writeHead(404).end();
      sendWithRanges(req, res, data, { chunkBytes: () => (req.url === '/slow.gguf' ? 4 * 1024 : 16 * 1024), intervalMs: req.url === '/slow.gguf' ? 25 : 5 });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/tiny.gguf`;
    host = await servePagi(null);
  });
  test.afterAll(async () => {
    await host?.stop();
    server?.close();
  });

  test('a .gguf downloads with progress, is checked, and appears as installed', async ({ page }) => {
    await page.goto(host.url);
    await page.getByRole('button', { name: 'Models', exact: true }).click();
    await page.getByLabel('Download a .gguf from a URL').fill(url);
    await page.getByRole('button', { name: 'Download', exact: true }).click();
    // the host asks the server before the download is listed: a loaded machine takes a while
    await expect(page.locator('.downloads li').first()).toContainText('tiny.gguf', { timeout: 20_000 });
    await expect(page.locator('.downloads li').first()).toContainText('done', { timeout: 30_000 });
    await expect(page.getByRole('button', { name: 'Load tiny.gguf' })).toBeVisible();
    expect(await seriousAxeViolations(page)).toEqual([]);
    await page.screenshot({ path: join(screenshotDir, 'models-download.png') });
  });

  test('a download is paused, resumed and finishes', async ({ page }) => {
    await page.goto(host.url);
    await page.getByRole('button', { name: 'Models', exact: true }).click();
    await page.getByLabel('Download a .gguf from a URL').fill(url.replace('tiny.gguf', 'slow.gguf'));
    await page.getByRole('button', { name: 'Download', exact: true }).click();
    const row = page.locator('.downloads li', { hasText: 'slow.gguf' });
    await page.getByRole('button', { name: 'Pause slow.gguf' }).click();
    await expect(row).toContainText('paused');
    await expect(page.getByRole('button', { name: 'Resume slow.gguf' })).toBeVisible();
    expect(await seriousAxeViolations(page)).toEqual([]);
    await page.screenshot({ path: join(screenshotDir, 'models-download-paused.png') });
    await page.getByRole('button', { name: 'Resume slow.gguf' }).click();
    await expect(row).toContainText('done', { timeout: 60_000 });
  });
});
