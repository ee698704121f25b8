import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { killProcessTree, shellCommand, spawnProcessTree } from './processTree.js';
import { processGone, waitUntil } from './testing/processGone.js';

describe.skipIf(process.platform === 'win32')('process tree', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'pagi-tree-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('kills the command and the grandchild it started', async () => {
    const { file, args } = shellCommand('sleep 30 & echo $! > grandchild.pid; wait');
    const child = spawnProcessTree(file, args, { cwd: dir });
    const pidFile = join(dir, 'grandchild.pid');
    await waitUntil(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8').trim() !== '');
    const grandchild = Number(readFileSync(pidFile, 'utf8'));
    expect(processGone(grandchild)).toBe(false);
    const exited = new Promise((r) => child.once('exit', r));
    killProcessTree(child);
    await exited;
    await waitUntil(() => processGone(grandchild));
    killProcessTree(child); // twice is harmless
  });

  it('runs commands through sh -c with the folder as working directory', async () => {
    const { file, args } = shellCommand('pwd; exit 3');
    const child = spawnProcessTree(file, args, { cwd: dir });
    let out = '';
    child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
    const code = await new Promise((r) => child.once('close', r));
    expect(code).toBe(3);
    expect(out.trim()).toMatch(/pagi-tree-/);
  });
});
