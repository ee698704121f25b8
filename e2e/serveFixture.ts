import AxeBuilder from '@axe-core/playwright';
import { test, type Page } from '@playwright/test';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const screenshotDir = join(repoRoot, 'e2e', 'output', 'screenshots');

export function findModel(): string | null {
  const candidates = [process.env.PAGI_TEST_MODEL, join(repoRoot, '..', 'shared', 'models', 'stories260K-chatml.gguf')].filter((p): p is string => !!p);
  return candidates.find((p) => existsSync(p)) ?? null;
}

export function chromiumMissing(): string | null {
  const path = process.env.PAGI_CHROMIUM ?? '/usr/bin/chromium';
  return existsSync(path) ? null : `no Chromium at ${path} (install Debian's chromium or set PAGI_CHROMIUM)`;
}

export interface ServedHost {
  url: string;
  dataDir: string;
  stop(): Promise<void>;
}

/** Starts `pagi serve` as a user would and returns the URL it prints. */
export async function servePagi(model: string | null, config?: unknown): Promise<ServedHost> {
  const dataDir = mkdtempSync(join(tmpdir(), 'pagi-e2e-'));
  if (config) writeFileSync(join(dataDir, 'config.json'), JSON.stringify(config));
  const child: ChildProcess = spawn(process.execPath, [join(repoRoot, 'bin', 'pagi.js'), 'serve', '--data-dir', dataDir, ...(model ? ['--model', model] : [])], { stdio: ['ignore', 'pipe', 'pipe'] });
  const url = await new Promise<string>((resolveUrl, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`pagi serve did not print ready within 30 s:\n${out}`)), 30_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const m = /ready at (http:\/\/\S+)/.exec(out);
      if (m?.[1]) {
        clearTimeout(timer);
        resolveUrl(m[1]);
      }
    });
    child.stderr?.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('exit', (code) => reject(new Error(`pagi serve exited with ${code}:\n${out}`)));
  });
  return {
    url,
    dataDir,
    async stop() {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Opens Settings at one of its sections (its tab). */
export async function openSettings(page: Page, section: string): Promise<void> {
  await page.getByRole('button', { name: 'Settings', exact: true }).click();
  await page.getByRole('tab', { name: section, exact: true }).click();
}

/** Serious and critical accessibility violations on the page as it is now (axe-core), with where they are. */
export async function seriousAxeViolations(page: Page): Promise<string[]> {
  const result = await new AxeBuilder({ page }).analyze();
  return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
}

/** Starts `pagi serve` before the suite's tests and stops it after; call inside a `test.describe`. */
export function hostForSuite(model: string | null, config?: unknown): () => ServedHost {
  let host: ServedHost | undefined;
  test.beforeAll(async () => {
    host = await servePagi(model, config);
  });
  test.afterAll(async () => {
    await host?.stop();
  });
  return () => {
    if (!host) throw new Error('pagi serve did not start for this suite');
    return host;
  };
}
