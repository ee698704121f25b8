import { expect, test } from '@playwright/test';
import { chromiumMissing, hostForSuite, seriousAxeViolations } from './serveFixture';

const noBrowser = chromiumMissing();

test.describe('with the model runner stopped for good', () => {
  test.skip(!!noBrowser, noBrowser ?? '');
  // a config the inference service refuses: it is marked failed at once, without restarts
  const served = hostForSuite(null, { services: { inference: { threads: 0 } } });

  test('the chat says so before anything is typed, and a message sent anyway fails once, in words', async ({ page }) => {
    await page.goto(served().url);
    await page.getByRole('button', { name: 'Skip: keep the defaults' }).click();
    const alert = page.getByRole('alert').filter({ hasText: 'cannot reply right now' });
    await expect(alert).toContainText('the model runner (inference) has stopped');
    await expect(alert.getByRole('button', { name: 'Restart it' })).toBeVisible();
    expect(await seriousAxeViolations(page)).toEqual([]);

    const input = page.getByLabel('Message');
    await input.fill('Hello there');
    await input.press('Enter');
    const reply = page.locator('.message.twin').last();
    await expect(reply).toHaveAttribute('data-status', 'error');
    await expect(reply.locator('.meta')).toContainText('inference has failed');
    // one message on screen and one conversation: nothing was sent again behind the user's back
    await expect(page.locator('.message.user')).toHaveCount(1);
    await page.reload();
    await expect(page.getByRole('navigation', { name: 'Conversations' }).getByRole('list', { name: 'Past conversations' }).getByRole('listitem')).toHaveCount(1);
    await expect(page.getByRole('navigation', { name: 'Conversations' })).toContainText('1 turns');
  });
});
