import { expect, test } from '@playwright/test';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { fakeOpenAi } from './fakeOpenAi';
import { chromiumMissing, screenshotDir, servePagi, type ServedHost } from './serveFixture';
import { XSS_PAYLOADS } from './xssPayloads';

const noBrowser = chromiumMissing();

test.describe('model output is rendered safely', () => {
  test.skip(!!noBrowser, noBrowser ?? '');
  let host: ServedHost;
  let fake: { server: Server; url: string };
  test.beforeAll(async () => {
    // the "model" answers "say N" with payload N (and a code block for "code")
    fake = await fakeOpenAi((text) => {
      const n = /say (\d+)/.exec(text)?.[1];
      if (n !== undefined) return `Reply ${n}: ${XSS_PAYLOADS[Number(n)] ?? ''}`;
      return 'Here is code:\n\n```js\nconsole.log("hi")\n```\n\nand a [safe link](https://example.org).';
    });
    host = await servePagi(null, { services: { inference: { provider: 'remote', remote: { baseUrl: fake.url, model: 'fake-model' } } } });
  });
  test.afterAll(async () => {
    await host?.stop();
    fake?.server.close();
  });

  test(`${XSS_PAYLOADS.length} injection payloads as replies execute nothing; Markdown and code render`, async ({ page }) => {
    const fired: string[] = [];
    page.on('dialog', (d) => { fired.push(d.message()); void d.dismiss(); });
    await page.addInitScript(() => {
      const w = window as unknown as { __hits: number[]; __pwned: (n: number) => void };
      w.__hits = [];
      w.__pwned = (n) => w.__hits.push(n);
    });
    await page.goto(host.url);
    await page.getByRole('button', { name: 'Skip: keep the defaults' }).click();
    const input = page.getByLabel('Message');
    await input.fill('show me code');
    await input.press('Enter');
    const first = page.locator('.message.twin').last();
    await expect(first).toHaveAttribute('data-status', 'done', { timeout: 15_000 });
    await expect(first.locator('pre code')).toHaveText('console.log("hi")');
    await expect(first.locator('pre code .hljs-string')).toHaveText('"hi"'); // highlighted
    await expect(first.getByRole('link', { name: 'safe link' })).toHaveAttribute('rel', /noopener/);
    for (let i = 0; i < XSS_PAYLOADS.length; i++) {
      await input.fill(`say ${i}`);
      await input.press('Enter');
      const reply = page.locator('.message.twin').last();
      await expect(reply).toHaveAttribute('data-status', 'done', { timeout: 15_000 });
      await expect(reply.locator('.text')).toContainText(`Reply ${i}`);
    }
    for (const link of await page.locator('.messages a').all()) {
      const href = (await link.getAttribute('href')) ?? '';
      expect(href, 'only http(s) and mailto links survive').toMatch(/^(https?:|mailto:|#|$)/);
    }
    await page.waitForTimeout(300);
    expect(await page.evaluate(() => (window as unknown as { __hits: number[] }).__hits)).toEqual([]);
    expect(fired).toEqual([]);
    expect(await page.locator('.messages script, .messages iframe, .messages object, .messages embed, .messages [onerror], .messages [onload], .messages style').count()).toBe(0);
    await page.screenshot({ path: join(screenshotDir, 'model-output-xss.png') });
  });
});
