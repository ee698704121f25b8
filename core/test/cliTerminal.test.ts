import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHeadlessHost, type HeadlessHost } from '../host/headlessHost.js';
import { printable, terminalJson } from '../host/terminalText.js';
import { episodicMemoryContract } from '../memory-episodic/common/contract.js';
import { repoRoot, testModelPath } from './testModel.js';

const model = testModelPath();
const HOSTILE = 'plain \u001b[31mred\u001b[0m \r overwritten \u009b2J \u202egnp.exe \u0007bell\ttab\nnext line';

describe('text for a terminal', () => {
  it('shows control characters as escapes and keeps newlines and tabs', () => {
    expect(printable(HOSTILE)).toBe('plain \\x1b[31mred\\x1b[0m \\x0d overwritten \\x9b2J \\u202egnp.exe \\x07bell\ttab\nnext line');
  });

  it('keeps JSON valid and equal, with nothing a terminal acts on', () => {
    const text = terminalJson({ text: HOSTILE });
    // eslint-disable-next-line no-control-regex
    expect(text).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e]/);
    expect(JSON.parse(text)).toEqual({ text: HOSTILE });
  });
});

describe('the CLI against a running host', () => {
  let host: HeadlessHost;
  let dataDir: string;
  let storedId = '';
  const run = (args: string[], cwd = repoRoot) =>
    promisify(execFile)(process.execPath, [join(repoRoot, 'bin', 'pagi.js'), ...args, '--data-dir', dataDir], { cwd, encoding: 'utf8' });
  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'pagi-cli-term-'));
    host = await startHeadlessHost({ dataDir });
    storedId = (await host.supervisor.client(episodicMemoryContract).store({ sessionId: 's1', actor: 'user', kind: 'message', text: HOSTILE })).id;
  });
  afterAll(async () => {
    await host?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('prints a stored memory holding escape sequences without handing them to the terminal', async () => {
    for (const args of [['memory', 'list'], ['memory', 'search', 'overwritten'], ['memory', 'search', 'overwritten', '--json'], ['memory', 'show', storedId]]) {
      const { stdout } = await run(args);
      expect(stdout, args.join(' ')).toContain('overwritten');
      // eslint-disable-next-line no-control-regex
      expect(stdout, args.join(' ')).not.toMatch(/[\u001b\u0007\u009b\u202e\r]/);
    }
  });

  it.skipIf(!model)('resolves a relative path against the folder the command runs in, not the host\'s', async () => {
    const here = join(dataDir, 'elsewhere');
    mkdirSync(here);
    copyFileSync(model as string, join(here, 'mine.gguf'));
    const { stdout } = await run(['models', 'import', 'mine.gguf', '--json'], here);
    expect((JSON.parse(stdout) as { path: string }).path).toBe(join(here, 'mine.gguf'));
  });
});
