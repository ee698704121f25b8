import { expect, test } from '@playwright/test';
import type { Server } from 'node:http';
import { fakeOpenAi } from './fakeOpenAi';
import { chromiumMissing, servePagi, type ServedHost } from './serveFixture';

const noBrowser = chromiumMissing();

/** The text of every message a chat completion request sent to the model. */
const promptOf = (request: Record<string, unknown>): string => ((request.messages as Array<{ content: string }> | undefined) ?? []).map((m) => m.content).join('\n');

test.describe('stopped replies and branches', () => {
  test.skip(!!noBrowser, noBrowser ?? '');
  let host: ServedHost;
  let fake: { server: Server; url: string; requests: Array<Record<string, unknown>> };
  test.beforeAll(async () => {
    // a slow "model": 40 pieces, one every 150 ms, so a reply can be stopped half-way
    fake = await fakeOpenAi((text) => `About ${text.split(' ').at(-1) ?? 'that'}: ${'once upon a time there was a story '.repeat(14)}`, { chunkDelayMs: 150 });
    host = await servePagi(null, { services: { inference: { provider: 'remote', remote: { baseUrl: fake.url, model: 'fake-model' } } } });
  });
  test.afterAll(async () => {
    await host?.stop();
    fake?.server.close();
  });

  test('a stopped reply keeps its text, marked stopped, also when reopened; a branch recalls only its own turns', async ({ page }) => {
    await page.goto(host.url);
    await page.getByRole('button', { name: 'Skip: keep the defaults' }).click();
    const input = page.getByLabel('Message');
    const stopAfterSomeText = async (): Promise<string> => {
      const reply = page.locator('.message.twin').last();
      await expect(reply.locator('.text')).toContainText('once upon', { timeout: 15_000 });
      await input.press('Escape');
      await expect(reply).toHaveAttribute('data-status', 'stopped', { timeout: 15_000 });
      await expect(reply.locator('.meta')).toContainText('stopped');
      const text = (await reply.locator('.text').innerText()).trim();
      expect(text.length).toBeGreaterThan(0);
      return text;
    };
    await input.fill('tell me about quinces');
    await input.press('Enter');
    const first = await stopAfterSomeText();
    await input.fill('and now about kumquats');
    await input.press('Enter');
    await stopAfterSomeText();

    // the first message, edited: a branch from the top, which must recall neither stopped turn
    await page.locator('.message.user').first().getByRole('button', { name: 'Edit' }).click();
    await page.getByLabel('Edit message').fill('tell me about persimmons');
    await page.getByRole('button', { name: 'Send edited' }).click();
    await expect(page.locator('.message.twin').last()).toHaveAttribute('data-status', 'done', { timeout: 30_000 });
    const last = [...fake.requests].reverse().find((r) => r.path === '/v1/chat/completions' && promptOf(r).includes('persimmons'));
    expect(last, 'the edited message reached the model').toBeDefined();
    expect(promptOf(last as Record<string, unknown>)).not.toMatch(/quinces|kumquats/);

    // reopened: the first branch still has its stopped reply, text and mark
    await page.reload();
    const versions = page.locator('.message.user').first().getByRole('group', { name: 'Versions' });
    await expect(versions).toContainText('2/2');
    await versions.getByRole('button', { name: 'Previous version' }).click();
    const reopened = page.locator('.message.twin').first();
    await expect(reopened).toHaveAttribute('data-status', 'stopped');
    await expect(reopened.locator('.meta')).toContainText('stopped');
    expect((await reopened.locator('.text').innerText()).trim()).toBe(first);
  });
});
