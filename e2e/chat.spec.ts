import { expect, test } from '@playwright/test';
import { join } from 'node:path';
import { chromiumMissing, findModel, screenshotDir, seriousAxeViolations, hostForSuite } from './serveFixture';

const model = findModel();
const noBrowser = chromiumMissing();

test.describe('the UI in a browser against pagi serve', () => {
  test.skip(!!noBrowser, noBrowser ?? '');
  test.skip(!model, 'no model: set PAGI_TEST_MODEL or put stories260K-chatml.gguf in ../shared/models');
  const served = hostForSuite(model);

  test('chat streams a reply token by token, and the status page lists the 14 services', async ({ page }) => {
    await page.goto(served().url);
    await expect(page).not.toHaveURL(/token=/); // the token leaves the address bar
    // first run: keep the defaults (onboarding has its own spec)
    await page.getByRole('button', { name: 'Skip: keep the defaults' }).click();
    await expect(page.getByLabel('Message')).toBeVisible();
    const input = page.getByLabel('Message');
    // record every length the reply's text passes through, to see it arrive in pieces
    await page.evaluate(() => {
      const w = window as unknown as { replyLengths: number[] };
      w.replyLengths = [];
      new MutationObserver(() => {
        const t = document.querySelector('.message.twin:last-of-type .text')?.textContent ?? '';
        if (t !== '…' && w.replyLengths.at(-1) !== t.length) w.replyLengths.push(t.length);
      }).observe(document.querySelector('.messages') as Node, { subtree: true, childList: true, characterData: true });
      // layout shifts (Chromium's Layout Instability API): streamed text must not push the page around
      const l = window as unknown as { shifts: Array<{ value: number; sources: string[] }> };
      l.shifts = [];
      new PerformanceObserver((list) => {
        for (const e of list.getEntries() as unknown as Array<{ value: number; hadRecentInput: boolean; sources?: Array<{ node?: Node }> }>) {
          if (!e.hadRecentInput) l.shifts.push({ value: e.value, sources: (e.sources ?? []).map((x) => (x.node as Element | undefined)?.className ?? '?') });
        }
      }).observe({ type: 'layout-shift', buffered: false });
    });
    await input.fill('Once upon a time there was a brave little cat');
    await input.press('Enter');
    const reply = page.locator('.message.twin').last();
    // while streaming, the text grows; the reply ends with its token count and mood
    await expect(reply).toHaveAttribute('data-status', 'streaming');
    await expect(reply.locator('.meta')).toContainText(/\d+ tokens/, { timeout: 30_000 });
    await expect(reply).toHaveAttribute('data-status', 'done');
    expect((await reply.locator('.text').innerText()).trim().length).toBeGreaterThan(0);
    const lengths = await page.evaluate(() => (window as unknown as { replyLengths: number[] }).replyLengths);
    expect(lengths.filter((n) => n > 0).length, `reply lengths seen: ${lengths.join(',')}`).toBeGreaterThan(2);
    const shifts = await page.evaluate(() => (window as unknown as { shifts: Array<{ value: number; sources: string[] }> }).shifts);
    const cumulative = shifts.reduce((sum, x) => sum + x.value, 0);
    // 0.1 is the "good" cumulative layout shift of Web Vitals
    expect(cumulative, `layout shifts while streaming: ${JSON.stringify(shifts)}`).toBeLessThan(0.1);
    // per reply: feedback goes to the learning engine, and the "why" panel opens
    await reply.getByRole('button', { name: 'Good reply' }).click();
    await expect(reply.getByRole('status')).toContainText('the twin learns from this');
    await reply.getByRole('button', { name: 'Why?' }).click();
    await expect(reply.locator('.why')).toContainText(/Memories used \(\d+; plus \d+ recent turns\)/);
    await expect(reply.locator('.why')).toContainText(/prompt \+ \d+ reply tokens/);
    expect(await seriousAxeViolations(page)).toEqual([]);
    await page.screenshot({ path: join(screenshotDir, 'chat.png') });

    // regenerate: a second reply to the same message, both kept, switchable
    const firstReply = await reply.locator('.text').innerText();
    await reply.getByRole('button', { name: 'Regenerate' }).click();
    await expect(page.locator('.message.twin').last()).toHaveAttribute('data-status', 'done', { timeout: 30_000 });
    const versions = page.locator('.message.user').last().getByRole('group', { name: 'Versions' });
    await expect(versions).toContainText('2/2');
    await versions.getByRole('button', { name: 'Previous version' }).click();
    await expect(versions).toContainText('1/2');
    expect(await page.locator('.message.twin').last().locator('.text').innerText()).toBe(firstReply);
    // ↑ in the empty composer edits the last message; sending it starts a third branch
    await input.focus();
    await input.press('ArrowUp');
    await page.getByLabel('Edit message').fill('Once upon a time there was a sleepy dog');
    await page.getByRole('button', { name: 'Send edited' }).click();
    await expect(page.locator('.message.twin').last()).toHaveAttribute('data-status', 'done', { timeout: 30_000 });
    await expect(versions).toContainText('3/3');
    await expect(page.locator('.message.user').last()).toContainText('sleepy dog');
    await page.screenshot({ path: join(screenshotDir, 'chat-branches.png') });

    await page.getByRole('button', { name: 'System', exact: true }).click();
    const rows = page.locator('table.services tbody tr');
    await expect(rows).toHaveCount(14);
    await expect(page.locator('tr[data-state="running"]')).toHaveCount(14);
    expect(await seriousAxeViolations(page)).toEqual([]);
    await page.screenshot({ path: join(screenshotDir, 'status.png') });

    // the mood moved with the messages; each change links to its conversation
    await page.getByRole('button', { name: 'Emotion', exact: true }).click();
    await expect(page.locator('.mood-changes li').first()).toContainText('user message');
    await expect(page.locator('.turn-marker').first()).toBeVisible();
    expect(await seriousAxeViolations(page)).toEqual([]);
    await page.locator('.mood-changes li').first().getByRole('button', { name: 'Open the conversation' }).click();
    await expect(page.getByRole('button', { name: 'Chat', exact: true })).toHaveAttribute('aria-current', 'page');
    await expect(page.locator('.message.user').first()).toContainText('Once upon a time there was a');

    // conversations are listed; a new chat starts empty and an old one opens again
    await page.getByRole('button', { name: 'Chat', exact: true }).click();
    await page.getByRole('button', { name: 'New chat' }).click();
    await expect(page.locator('.message')).toHaveCount(0);
    await page.getByRole('navigation', { name: 'Conversations' }).getByRole('button', { name: /^Once upon a time there was a brave little cat ·/ }).click();
    // the branches come back from the core: the latest one shown, the others a click away
    await expect(page.locator('.message.user')).toContainText('sleepy dog');
    await expect(page.locator('.message.user').getByRole('group', { name: 'Versions' })).toContainText('3/3');

    // rename, then delete it with what the twin remembered of it
    const conversations = page.getByRole('navigation', { name: 'Conversations' });
    await conversations.getByRole('button', { name: /^Rename / }).click();
    await conversations.getByLabel('Title').fill('Cat and dog stories');
    await conversations.getByRole('button', { name: 'Save' }).click();
    await expect(conversations.getByRole('button', { name: /Cat and dog stories/ }).first()).toBeVisible();
    await conversations.getByRole('button', { name: 'Delete Cat and dog stories' }).click();
    await conversations.getByLabel('Also forget what the twin remembers of it').check();
    await conversations.getByRole('button', { name: 'Delete', exact: true }).click();
    await expect(conversations).toContainText('No conversations yet.');
    await expect(page.locator('.message')).toHaveCount(0);
    await page.getByRole('button', { name: 'Memory', exact: true }).click();
    await page.getByRole('searchbox', { name: 'Search memories' }).fill('sleepy dog');
    await page.getByRole('button', { name: 'Search' }).click();
    await expect(page.getByText('Nothing found for “sleepy dog”.')).toBeVisible();
  });

  test('a reopened conversation shows all it showed when new, and the address bar holds where you are', async ({ page }) => {
    await page.goto(served().url);
    const skip = page.getByRole('button', { name: 'Skip: keep the defaults' });
    // first run (this test alone) or not (after the one above): either way, on to the chat
    await expect(page.getByLabel('Message').or(skip)).toBeVisible();
    if (await skip.isVisible()) await skip.click();
    await expect(page).toHaveURL(/#\/chat$/);
    const input = page.getByLabel('Message');
    await input.fill('The fox found a red ball in the garden');
    await input.press('Enter');
    const reply = page.locator('.message.twin').last();
    await expect(reply).toHaveAttribute('data-status', 'done', { timeout: 30_000 });
    const meta = await reply.locator('.meta').innerText();
    expect(meta).toMatch(/\d+ tokens.* · mood /);
    // the twin's own face: its name in the header and on each reply, its mood in words, icons not emoji
    const name = (await page.locator('.twin-header .twin-name').innerText()).trim();
    expect(name.length).toBeGreaterThan(0);
    await expect(reply.locator('.who-name')).toHaveText(name);
    await expect(page.getByTestId('twin-mood')).toHaveText(/^(steady|(a little )?(cheerful|eager|content|gentle|irritated|worried|unimpressed|down))$/);
    await expect(reply.getByRole('button', { name: 'Good reply' }).locator('svg')).toHaveCount(1);
    expect(await reply.getByRole('button', { name: 'Good reply' }).innerText()).toBe('');
    // the conversation has its address once it started
    await expect(page).toHaveURL(/#\/chat\/[0-9a-f-]{36}$/);
    const address = page.url();

    await page.reload();
    await expect(page).toHaveURL(address);
    const reopened = page.locator('.message.twin').last();
    await expect(page.locator('.message.user').last()).toContainText('red ball');
    await expect(reopened.locator('.meta')).toHaveText(meta);
    for (const name of ['Good reply', 'Bad reply', "That's wrong", 'Why?', 'Regenerate']) await expect(reopened.getByRole('button', { name, exact: true })).toBeVisible();
    await reopened.getByRole('button', { name: 'Why?' }).click();
    await expect(reopened.locator('.why')).toContainText(/Memories used/);
    await reopened.getByRole('button', { name: 'Bad reply' }).click();
    await expect(reopened.getByRole('status')).toContainText('the twin learns from this');

    // back and forward move between pages and land on the same conversation
    await page.getByRole('button', { name: 'Memory', exact: true }).click();
    await expect(page).toHaveURL(/#\/memory$/);
    await page.goBack();
    await expect(page).toHaveURL(address);
    await expect(page.getByRole('button', { name: 'Chat', exact: true })).toHaveAttribute('aria-current', 'page');
    await expect(page.locator('.message.user').last()).toContainText('red ball');
    await page.goForward();
    await expect(page.getByRole('button', { name: 'Memory', exact: true })).toHaveAttribute('aria-current', 'page');
    // New chat is an empty conversation with the plain chat address
    await page.goBack();
    await page.getByRole('button', { name: 'New chat' }).click();
    await expect(page).toHaveURL(/#\/chat$/);
    await expect(page.locator('.message')).toHaveCount(0);
  });

  test('without the token the page says what to open', async ({ page }) => {
    await page.goto(served().url.split('#')[0] as string);
    await expect(page.getByRole('alert')).toContainText('pagi serve');
  });
});
