import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { processGone, waitUntil } from '../../../../native/testing/processGone.js';
import type { ToolContext } from '../toolDefinition.js';
import { shellRunTool, type ShellRunResult } from './shell.js';
import { testToolContext } from './testContext.js';

const run = (args: unknown, ctx: ToolContext): Promise<ShellRunResult> => shellRunTool.run(shellRunTool.args.parse(args), ctx) as Promise<ShellRunResult>;

describe.skipIf(process.platform === 'win32')('shell.run', () => {
  let root: string;
  let grant: string;
  let ctx: ToolContext;
  beforeEach(() => {
    root = realpathSync(mkdtempSync(join(tmpdir(), 'pagi-shell-')));
    grant = join(root, 'granted');
    mkdirSync(join(grant, 'sub'), { recursive: true });
    ctx = testToolContext({ grants: [grant], limits: { maxOutputChars: 100, shellTimeoutMs: 10_000 } });
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('runs in the granted folder and returns exit code, output and duration', async () => {
    const result = await run({ command: 'pwd; echo oops >&2; exit 4' }, ctx);
    expect(result).toMatchObject({ exitCode: 4, signal: null, stdout: `${grant}\n`, stderr: 'oops\n', killed: false, timedOut: false });
    expect(result.durationMs).toBeGreaterThanOrEqual(0);
    expect((await run({ command: 'pwd', folder: 'sub' }, ctx)).stdout).toBe(`${join(grant, 'sub')}\n`);
  });

  it('refuses folders outside the grant', async () => {
    await expect(run({ command: 'ls', folder: '..' }, ctx)).rejects.toMatchObject({ code: 'PERMISSION_DENIED' });
    await expect(run({ command: 'ls', folder: '/' }, ctx)).rejects.toMatchObject({ code: 'PERMISSION_DENIED' });
    await expect(run({ command: 'ls' }, testToolContext())).rejects.toMatchObject({ code: 'PERMISSION_DENIED' });
  });

  it('caps output and says how much was cut', async () => {
    const result = await run({ command: 'head -c 5000 /dev/zero | tr "\\0" a' }, ctx);
    expect(result.stdout).toBe(`${'a'.repeat(100)}\n…cut, 4900 more characters`);
  });

  it('kills the whole tree on cancel, grandchild included', async () => {
    const controller = new AbortController();
    const running = run({ command: 'sleep 30 & echo $! > grandchild.pid; wait' }, { ...ctx, signal: controller.signal });
    const pidFile = join(grant, 'grandchild.pid');
    await waitUntil(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8').trim() !== '');
    const grandchild = Number(readFileSync(pidFile, 'utf8'));
    expect(processGone(grandchild)).toBe(false);
    controller.abort();
    await expect(running).rejects.toMatchObject({ code: 'CANCELLED' });
    await waitUntil(() => processGone(grandchild));
  });

  it('kills the tree at the time limit and reports it', async () => {
    const started = Date.now();
    const result = await run({ command: 'echo started; sleep 30 & echo $! > grandchild.pid; wait' }, { ...ctx, limits: { ...ctx.limits, shellTimeoutMs: 300 } });
    expect(result).toMatchObject({ killed: true, timedOut: true, exitCode: null, signal: 'SIGKILL', stdout: 'started\n' });
    expect(Date.now() - started).toBeLessThan(5_000);
    await waitUntil(() => processGone(Number(readFileSync(join(grant, 'grandchild.pid'), 'utf8'))));
  });

  it('stops background processes the command leaves behind', async () => {
    const result = await run({ command: 'sleep 30 & echo $! > bg.pid' }, ctx);
    expect(result.exitCode).toBe(0);
    await waitUntil(() => processGone(Number(readFileSync(join(grant, 'bg.pid'), 'utf8'))));
  });

  it('shows the exact command and folder on the approval card', () => {
    expect(shellRunTool.preview?.({ command: 'rm -r build' }, { grants: [grant] })).toEqual({ summary: `Run a command in ${grant}`, command: 'rm -r build', folder: grant });
  });
});
