import { expect, test, type Page } from '@playwright/test';
import type { Server } from 'node:http';
import { deflateSync } from 'node:zlib';
import { pngChunk } from '../core/test/cardFixtures';
import { createHostClient } from '../core/host/hostClient';
import { fakeOpenAi } from './fakeOpenAi';
import { join } from 'node:path';
import { chromiumMissing, openSettings, screenshotDir, seriousAxeViolations, servePagi, type ServedHost } from './serveFixture';

const noBrowser = chromiumMissing();

type Message = { role: string; content: string };
const chatRequests = (requests: Array<Record<string, unknown>>): Array<Record<string, unknown> & { messages: Message[] }> =>
  requests.filter((r) => r.path === '/v1/chat/completions') as Array<Record<string, unknown> & { messages: Message[] }>;

/** A small real PNG (a 4×4 square of one colour): something the browser can draw and shrink. */
function squarePng(): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(4, 0);
  ihdr.writeUInt32BE(4, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  const rows = Buffer.concat(Array.from({ length: 4 }, () => Buffer.from([0, ...Array.from({ length: 4 }, () => [200, 60, 30]).flat()])));
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), pngChunk('IHDR', ihdr), pngChunk('IDAT', deflateSync(rows)), pngChunk('IEND', Buffer.alloc(0))]);
}

test.describe('continuing replies, the full prompt, per-conversation settings, greetings and the twin\'s picture', () => {
  test.skip(!!noBrowser, noBrowser ?? '');
  let host: ServedHost;
  let fake: { server: Server; url: string; requests: Array<Record<string, unknown>> };
  test.beforeAll(async () => {
    fake = await fakeOpenAi((text, { messages }) => {
      // a remote model is asked in words to go on, right after its own unfinished message
      if (text.startsWith('Continue your last reply') && messages.at(-2)?.role === 'assistant') {
        return messages.at(-3)?.content.includes('long story') ? { text: `and then ${'the road went on and on, '.repeat(10)}until the end.`, delayMs: 120 } : 'and they lived happily ever after.';
      }
      if (text.includes('what time') && messages.at(-1)?.role !== 'tool') return { text: '', toolCalls: [{ name: 'time-now', args: {}, id: 'call_clock' }] };
      if (messages.at(-1)?.role === 'tool') return 'I looked at the clock.';
      if (text.includes('story')) return { text: 'Once upon a time', finish: 'length' };
      if (text.includes('slowly')) return { text: `Slowly: ${'one more line of the tale '.repeat(12)}the end.`, delayMs: 120 };
      return `You said: ${text}`;
    });
    host = await servePagi(null, { services: { inference: { provider: 'remote', remote: { baseUrl: fake.url, model: 'fake-model' } } } });
  });
  test.afterAll(async () => {
    await host?.stop();
    fake?.server.close();
  });

  const begin = async (page: Page): Promise<void> => {
    await page.goto(host.url);
    const skip = page.getByRole('button', { name: 'Skip: keep the defaults' });
    // onboarding shows once, on the first visit
    await expect(skip.or(page.getByLabel('Message'))).toBeVisible({ timeout: 15_000 });
    if (await skip.isVisible()) await skip.click();
    await expect(page.getByLabel('Message')).toBeVisible();
  };

  test('a reply cut at its length goes on with Continue, stays whole when reopened, and shows the prompt it was written from', async ({ page }) => {
    await begin(page);
    const input = page.getByLabel('Message');
    await input.fill('tell me a story');
    await input.press('Enter');
    const reply = page.locator('.message.twin').last();
    await expect(reply).toHaveAttribute('data-status', 'done', { timeout: 20_000 });
    await expect(reply.locator('.meta')).toContainText('cut at its length limit');
    await reply.getByRole('button', { name: 'Continue' }).click();
    await expect(reply.locator('.text')).toHaveText('Once upon a time and they lived happily ever after.', { timeout: 20_000 });
    await expect(reply.locator('.meta')).not.toContainText('cut at its length limit');
    await expect(reply.getByRole('button', { name: 'Continue' })).toHaveCount(0);
    // the model was asked to carry on from its own words, not to answer again (joined with a space: it wrote a new message)
    const continued = chatRequests(fake.requests).at(-1);
    expect(continued?.messages.at(-1)?.content).toMatch(/^Continue your last reply exactly where it stopped/);
    expect(continued?.messages.at(-2)).toEqual({ role: 'assistant', content: 'Once upon a time' });
    expect(continued?.messages.at(-3)).toEqual({ role: 'user', content: 'tell me a story' });

    await page.reload();
    const reopened = page.locator('.message.twin').last();
    await expect(reopened.locator('.text')).toHaveText('Once upon a time and they lived happily ever after.');
    await expect(page.locator('.message.user')).toHaveCount(1);

    await reopened.getByRole('button', { name: 'Why?' }).click();
    await reopened.getByRole('button', { name: 'Show the full prompt' }).click();
    const prompt = reopened.getByRole('region', { name: 'The full prompt' });
    await expect(prompt).toContainText('Instructions to the model');
    await expect(prompt).toContainText('tell me a story');
    for (const theme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: theme });
      expect(await seriousAxeViolations(page), theme).toEqual([]);
    }
    await page.screenshot({ path: join(screenshotDir, 'chat-full-prompt.png') });
  });

  test('this conversation\'s settings reach the model and stay with it; a new chat has the twin\'s', async ({ page }) => {
    await begin(page);
    const toggle = page.getByRole('button', { name: "This conversation's settings" });
    await toggle.click();
    const panel = page.getByRole('region', { name: "This conversation's settings" }).or(page.locator('section.conversation-settings'));
    await panel.getByLabel('At most').check();
    await panel.getByLabel('Most tokens in a reply in this conversation').fill('64');
    await panel.getByLabel(/^Temperature/).fill('1.3');
    await panel.getByRole('button', { name: 'Save for this conversation' }).click();
    await expect(panel.getByRole('status')).toContainText('Saved');
    await page.setViewportSize({ width: 800, height: 600 });
    for (const theme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: theme });
      expect(await seriousAxeViolations(page), theme).toEqual([]);
    }
    await page.screenshot({ path: join(screenshotDir, 'chat-conversation-settings-800x600.png') });
    // Esc closes it and gives focus back to the button that opened it
    await panel.getByLabel(/^Temperature/).press('Escape');
    await expect(panel).toHaveCount(0);
    await expect(toggle).toBeFocused();

    const input = page.getByLabel('Message');
    await input.fill('hello with my settings');
    await input.press('Enter');
    await expect(page.locator('.message.twin').last()).toHaveAttribute('data-status', 'done', { timeout: 20_000 });
    expect(chatRequests(fake.requests).at(-1)).toMatchObject({ max_tokens: 64, temperature: 1.3 });

    await page.getByRole('button', { name: 'New chat' }).click();
    await input.fill('hello with the twin\'s settings');
    await input.press('Enter');
    await expect(page.locator('.message.twin').last()).toHaveAttribute('data-status', 'done', { timeout: 20_000 });
    expect(chatRequests(fake.requests).at(-1)).toMatchObject({ max_tokens: 1024, temperature: 0.7 });
  });

  test('the twin greets a new chat with one of its greetings, keeps the one chosen, and wears the picture it was given', async ({ page }) => {
    await begin(page);
    await openSettings(page, 'Persona');
    await page.getByRole('button', { name: 'Add a greeting' }).click();
    await page.getByLabel('Greeting 1', { exact: true }).fill('Ahoy! What shall we explore today?');
    await page.getByRole('button', { name: 'Add a greeting' }).click();
    await page.getByLabel('Greeting 2', { exact: true }).fill('Back again? Good.');
    await page.getByRole('button', { name: 'Save persona' }).click();
    await expect(page.getByText('Saved.')).toBeVisible();
    await page.locator('.picture-settings input[type=file]').setInputFiles({ name: 'me.png', mimeType: 'image/png', buffer: squarePng() });
    await expect(page.locator('.picture-settings img.avatar')).toHaveAttribute('src', /^data:image\/(webp|png);base64,/);

    await page.getByRole('button', { name: 'Chat', exact: true }).click();
    await page.getByRole('button', { name: 'New chat' }).click();
    const greeting = page.locator('.message.greeting');
    await expect(greeting).toContainText('Ahoy! What shall we explore today?');
    await greeting.getByRole('button', { name: 'Next greeting' }).click();
    await expect(greeting).toContainText('Back again? Good.');
    await expect(page.locator('.twin-header img.avatar')).toBeVisible();
    expect(await seriousAxeViolations(page)).toEqual([]);
    await page.screenshot({ path: join(screenshotDir, 'chat-greeting.png') });

    const input = page.getByLabel('Message');
    await input.fill('hello there');
    await input.press('Enter');
    await expect(page.locator('.message.twin:not(.greeting)').last()).toHaveAttribute('data-status', 'done', { timeout: 20_000 });
    // the greeting is part of the conversation the model sees, before the user's first message
    const messages = chatRequests(fake.requests).at(-1)?.messages ?? [];
    expect(messages.slice(-2)).toEqual([{ role: 'assistant', content: 'Back again? Good.' }, { role: 'user', content: 'hello there' }]);

    await page.reload();
    await expect(page.locator('.message.greeting')).toContainText('Back again? Good.');
    await expect(page.locator('.message.greeting').getByRole('group', { name: 'Greetings' })).toHaveCount(0);
    await expect(page.locator('.message.user')).toHaveCount(1);
  });

  test('a reload while a reply is written follows it to its end: one message, the whole reply', async ({ page }) => {
    await begin(page);
    const input = page.getByLabel('Message');
    await input.fill('tell it slowly please');
    await input.press('Enter');
    await expect(page.locator('.message.twin').last().locator('.text')).toContainText('one more line', { timeout: 20_000 });
    await page.reload();
    const reply = page.locator('.message.twin:not(.greeting)').last();
    await expect(reply).toHaveAttribute('data-status', 'done', { timeout: 30_000 });
    await expect(reply.locator('.text')).toContainText('the end.');
    await expect(page.locator('.message.user')).toHaveCount(1);
    expect(chatRequests(fake.requests).filter((r) => r.messages.at(-1)?.content === 'tell it slowly please')).toHaveLength(1);
  });

  test('a reload while a reply goes on follows the continuation: the reply is whole, its start once', async ({ page }) => {
    await begin(page);
    const input = page.getByLabel('Message');
    await input.fill('tell me a long story');
    await input.press('Enter');
    const reply = page.locator('.message.twin').last();
    await expect(reply.locator('.meta')).toContainText('cut at its length limit', { timeout: 20_000 });
    await reply.getByRole('button', { name: 'Continue' }).click();
    await expect(reply.locator('.text')).toContainText('the road went on', { timeout: 20_000 });
    await page.reload();
    const followed = page.locator('.message.twin:not(.greeting)').last();
    await expect(followed.locator('.text')).toContainText('until the end.', { timeout: 30_000 });
    await expect(followed).toHaveAttribute('data-status', 'done');
    const text = await followed.locator('.text').innerText();
    expect(text.match(/Once upon a time/g)).toHaveLength(1);
    expect(text).toMatch(/^Once upon a time and then the road went on/);
  });

  test('the tools a reply used are cards beside it, their output a click away, also when reopened', async ({ page }) => {
    await begin(page);
    const input = page.getByLabel('Message');
    await input.fill('what time is it?');
    await input.press('Enter');
    const reply = page.locator('.message.twin').last();
    await expect(reply).toHaveAttribute('data-status', 'done', { timeout: 20_000 });
    await expect(reply.locator('.text')).toHaveText('I looked at the clock.');
    const card = reply.getByRole('list', { name: 'Tools used' }).getByRole('listitem');
    await expect(card).toHaveCount(1);
    await expect(card).toContainText('time.now');
    await card.locator('summary').click();
    await expect(card.locator('.tool-output')).toBeVisible();
    expect(await seriousAxeViolations(page)).toEqual([]);
    await page.reload();
    await expect(page.locator('.message.twin').last().getByRole('list', { name: 'Tools used' })).toContainText('time.now');
  });

  test('a tool that asks first shows its card in the chat; the card comes back after a reload, and Allow once runs it', async ({ page }) => {
    const url = new URL(host.url);
    const client = createHostClient({ port: Number(url.port), token: new URLSearchParams(url.hash.slice(1)).get('token') as string });
    await client.tools.setPolicy.mutate({ tool: 'time.now', policy: 'ask' });
    try {
      await begin(page);
      const input = page.getByLabel('Message');
      await input.fill('what time is it, asking first?');
      await input.press('Enter');
      const card = page.getByRole('group', { name: 'Allow time.now?' });
      await expect(card).toBeVisible({ timeout: 20_000 });
      await expect(card.getByRole('button', { name: 'Allow once' })).toBeVisible();
      expect(await seriousAxeViolations(page)).toEqual([]);
      await page.screenshot({ path: join(screenshotDir, 'chat-approval.png') });
      await page.reload();
      const again = page.getByRole('group', { name: 'Allow time.now?' });
      await expect(again).toBeVisible({ timeout: 20_000 });
      await again.getByRole('button', { name: 'Allow once' }).click();
      const reply = page.locator('.message.twin').last();
      await expect(reply.locator('.text')).toHaveText('I looked at the clock.', { timeout: 20_000 });
      await expect(reply.locator('.tool-card')).toHaveAttribute('data-status', 'done');
      await expect(page.getByRole('group', { name: 'Allow time.now?' })).toHaveCount(0);
    } finally {
      await client.tools.setPolicy.mutate({ tool: 'time.now', policy: 'allow' });
    }
  });

  test('Esc leaves editing and renaming with focus back where it was', async ({ page }) => {
    await begin(page);
    const input = page.getByLabel('Message');
    await input.fill('a message to edit');
    await input.press('Enter');
    await expect(page.locator('.message.twin').last()).toHaveAttribute('data-status', 'done', { timeout: 20_000 });
    const edit = page.locator('.message.user').last().getByRole('button', { name: 'Edit' });
    await edit.click();
    await page.getByLabel('Edit message').press('Escape');
    await expect(edit).toBeFocused();
    await expect(page.locator('.message.twin').last()).toHaveAttribute('data-status', 'done');

    const rename = page.getByRole('button', { name: 'Rename a message to edit' });
    await rename.click();
    await page.getByLabel('Title').press('Escape');
    await expect(rename).toBeFocused();
  });
});
