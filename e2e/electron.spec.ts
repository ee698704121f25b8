import { _electron as electron, expect, test } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findModel, repoRoot, screenshotDir } from './serveFixture';

/** The desktop variant of the chat test: runs wherever an Electron binary is installed. */
function electronBinary(): string | null {
  try {
    const path = createRequire(import.meta.url)('electron') as unknown as string;
    return typeof path === 'string' && existsSync(path) ? path : null;
  } catch {
    return null;
  }
}

const binary = electronBinary();
const model = findModel();
const SKIP_NO_ELECTRON = 'no Electron binary is installed here (installed with ELECTRON_SKIP_BINARY_DOWNLOAD=1); this spec runs where `npm install` could download Electron';
if (!binary) console.log(`electron.spec: skipped — ${SKIP_NO_ELECTRON}`);

test.describe('the desktop app (Electron)', () => {
  test.skip(!binary, SKIP_NO_ELECTRON);
  test.skip(!model, 'no model: set PAGI_TEST_MODEL or put stories260K-chatml.gguf in ../shared/models');

  const launch = async (extraArgs: string[] = []) => {
    const dataDir = mkdtempSync(join(tmpdir(), 'pagi-electron-'));
    writeFileSync(join(dataDir, 'config.json'), JSON.stringify({ services: { inference: { modelPath: model, threads: 1 } } }));
    const app = await electron.launch({ executablePath: binary as string, args: [join(repoRoot, 'out', 'main', 'main.js'), ...extraArgs], env: { ...process.env, PAGI_DATA_DIR: dataDir } });
    return { app, dataDir };
  };

  test('first run: the twin is set up in the onboarding page, then the chat opens', async () => {
    const { app, dataDir } = await launch();
    try {
      const page = await app.firstWindow();
      const setup = page.getByRole('region', { name: 'Set up your twin' });
      await setup.getByLabel('Name', { exact: true }).fill('Robin');
      await setup.getByRole('button', { name: 'Start' }).click();
      await expect(page.getByLabel('Message')).toBeVisible({ timeout: 30_000 });
      await page.screenshot({ path: join(screenshotDir, 'electron-onboarding.png') });
    } finally {
      await app.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  test('opens the window, streams a chat reply and lists the services', async () => {
    const { app, dataDir } = await launch();
    try {
      const page = await app.firstWindow();
      await page.getByRole('button', { name: 'Skip: keep the defaults' }).click();
      const input = page.getByLabel('Message');
      await input.fill('Once upon a time');
      await input.press('Enter');
      await expect(page.locator('.message.twin').last().locator('.meta')).toContainText(/\d+ tokens/, { timeout: 60_000 });
      await page.screenshot({ path: join(screenshotDir, 'electron-chat.png') });
      await page.getByRole('button', { name: 'System' }).click();
      await expect(page.locator('table.services tbody tr')).toHaveCount(14);
    } finally {
      await app.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  test('a .pagi file opened with the app (double-click) shows the import dialog, and imports it', async () => {
    // a bundle made by the CLI from another data folder
    const source = mkdtempSync(join(tmpdir(), 'pagi-electron-src-'));
    const bundle = join(source, 'friend.pagi');
    execFileSync(process.execPath, [join(repoRoot, 'bin', 'pagi.js'), 'export', '--out', bundle, '--data-dir', source]);
    const { app, dataDir } = await launch([bundle]);
    try {
      const page = await app.firstWindow();
      const dialog = page.getByRole('dialog', { name: 'Import a twin bundle' });
      await expect(dialog).toBeVisible({ timeout: 30_000 });
      await expect(dialog.getByRole('group', { name: 'Bundle file (.pagi)' })).toContainText('friend.pagi');
      await dialog.getByRole('button', { name: 'Import' }).click();
      await expect(dialog.getByText(/Imported .* as a clone/)).toBeVisible({ timeout: 60_000 });
      await page.screenshot({ path: join(screenshotDir, 'electron-open-bundle.png') });
    } finally {
      await app.close();
      rmSync(dataDir, { recursive: true, force: true });
      rmSync(source, { recursive: true, force: true });
    }
  });

  test('files come from the system dialogs: a bundle exported through the save dialog (never over a file unasked), imported through the open dialog, a document ingested', async () => {
    const { app, dataDir } = await launch();
    const files = mkdtempSync(join(tmpdir(), 'pagi-electron-files-'));
    const saved = join(files, 'saved.pagi');
    const notes = join(files, 'notes.md');
    writeFileSync(notes, '# Garden\n\nThe roses along the north wall bloom in June.\n');
    try {
      // the dialogs answer as a user would; the renderer asks through the preload bridge
      await app.evaluate(({ dialog }, paths) => {
        let opened = 0;
        dialog.showSaveDialog = (async () => ({ canceled: false, filePath: paths.saved })) as unknown as typeof dialog.showSaveDialog;
        dialog.showOpenDialog = (async () => ({ canceled: false, filePaths: [opened++ === 0 ? paths.saved : paths.notes] })) as unknown as typeof dialog.showOpenDialog;
      }, { saved, notes });
      const page = await app.firstWindow();
      await page.getByRole('button', { name: 'Skip: keep the defaults' }).click();
      await page.getByRole('button', { name: 'Settings', exact: true }).click();
      await page.getByRole('tab', { name: 'Import and export', exact: true }).click();
      const exportForm = page.getByRole('form', { name: 'Export this twin' });
      await exportForm.getByRole('button', { name: 'Export…' }).click();
      await expect(exportForm.getByText(/Exported .* to .*saved\.pagi/)).toBeVisible({ timeout: 60_000 });
      expect(existsSync(saved)).toBe(true);

      const importForm = page.getByRole('form', { name: 'Import a twin' });
      await importForm.getByRole('button', { name: 'Choose a file' }).click();
      await expect(importForm.getByRole('group', { name: 'Bundle file (.pagi)' })).toContainText('saved.pagi');
      await importForm.getByRole('button', { name: 'Import' }).click();
      await expect(importForm.getByText(/Imported .* as a clone/)).toBeVisible({ timeout: 60_000 });

      // a file dragged from a web page has no place on disk: said, never guessed
      const dropped = await page.evaluateHandle(() => {
        const data = new DataTransfer();
        data.items.add(new File(['x'], 'mira.png', { type: 'image/png' }));
        return data;
      });
      const card = page.getByRole('form', { name: 'New twin from a character card' });
      await card.getByRole('group', { name: /Character card/ }).dispatchEvent('drop', { dataTransfer: dropped });
      await expect(card.getByRole('alert')).toContainText('not a file on this computer');

      await page.getByRole('button', { name: 'Memory', exact: true }).click();
      await page.getByRole('tab', { name: /Facts/ }).click();
      const docForm = page.getByRole('form', { name: 'Import a document' });
      await docForm.getByRole('button', { name: 'Choose a file' }).click();
      await expect(docForm).toContainText('notes.md');
      await docForm.getByRole('button', { name: 'Import' }).click();
      await expect(page.getByRole('list', { name: 'Documents' })).toContainText('notes.md', { timeout: 30_000 });
      await page.screenshot({ path: join(screenshotDir, 'electron-files.png') });
    } finally {
      await app.close();
      rmSync(dataDir, { recursive: true, force: true });
      rmSync(files, { recursive: true, force: true });
    }
  });
});
