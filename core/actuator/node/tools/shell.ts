// shell.run: one command in a granted folder (kind "shell": asks first by default), bounded in time
// and output, its whole process tree killed on cancel or timeout so nothing it started lives on.
import { z } from 'zod';
import { killProcessTree, shellCommand, spawnProcessTree } from '../../../../native/processTree.js';
import { PagiError } from '../../../contracts/errors.js';
import type { ToolContext, ToolDefinition } from '../toolDefinition.js';
import { absolutePathOf, grantHolding, resolveExisting } from './grantedPaths.js';
import { CappedText, parametersOf } from './toolText.js';

/** How long output may keep arriving after the command exited (from pipes a leftover process held open). */
const DRAIN_MS = 2_000;

const shellArgs = z.object({
  command: z.string().min(1).max(8_000).describe(process.platform === 'win32' ? 'One PowerShell command line' : 'One sh command line'),
  folder: z.string().min(1).max(4_096).optional().describe('Granted folder (or a folder inside one) to run in; omitted: the granted folder, when exactly one is granted'),
});

export interface ShellRunResult {
  exitCode: number | null;
  /** The signal that ended the command, when one did. */
  signal: string | null;
  stdout: string;
  stderr: string;
  durationMs: number;
  /** Whether the command's process tree was killed (it ran past the time limit). */
  killed: boolean;
  timedOut: boolean;
}

export const shellRunTool: ToolDefinition<typeof shellArgs> = {
  name: 'shell.run',
  kind: 'shell',
  description: `Run one command line (${process.platform === 'win32' ? 'PowerShell' : 'sh'}) in a folder the user granted and return its exit code and output. It is stopped, with everything it started, when it runs past the time limit. Processes it leaves in the background are stopped when it ends.`,
  args: shellArgs,
  parameters: parametersOf(shellArgs),
  preview({ command, folder }, { grants }) {
    let shown = folder ?? grants[0] ?? '(no granted folder)';
    try {
      shown = grantHolding(absolutePathOf(folder ?? '.', grants), grants) ? absolutePathOf(folder ?? '.', grants) : shown;
    } catch {
      // the run refuses it with the reason; the card shows the folder as given
    }
    return { summary: `Run a command in ${shown}`, command, folder: shown };
  },
  async run({ command, folder }, ctx: ToolContext): Promise<ShellRunResult> {
    const cwd = await resolveExisting(folder ?? '.', ctx.grants);
    if (!cwd.info.isDirectory()) throw new PagiError('INVALID_INPUT', `"${folder}" is a file; give the folder to run the command in`);
    if (ctx.signal.aborted) throw new PagiError('CANCELLED', 'the command was cancelled before it started');
    const { file, args } = shellCommand(command);
    const started = Date.now();
    const child = spawnProcessTree(file, args, { cwd: cwd.path });
    // listened for at once: 'close' can follow 'exit' in the same tick
    const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
    const stdout = new CappedText(ctx.limits.maxOutputChars);
    const stderr = new CappedText(ctx.limits.maxOutputChars);
    child.stdout?.setEncoding('utf8').on('data', (c: string) => stdout.push(c));
    child.stderr?.setEncoding('utf8').on('data', (c: string) => stderr.push(c));

    let stoppedBy: 'timeout' | 'cancel' | null = null;
    const stop = (why: 'timeout' | 'cancel'): void => {
      stoppedBy ??= why;
      killProcessTree(child);
    };
    const timer = setTimeout(() => stop('timeout'), ctx.limits.shellTimeoutMs);
    const onAbort = (): void => stop('cancel');
    ctx.signal.addEventListener('abort', onAbort, { once: true });

    try {
      const [exitCode, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
        child.once('error', (err) => reject(new PagiError('UNAVAILABLE', `the shell (${file}) could not be started: ${err.message}`)));
        child.once('exit', (code, sig) => resolve([code, sig]));
      });
      // background processes the command left would hold its output open and outlive the tool run
      killProcessTree(child);
      let drained: NodeJS.Timeout | undefined;
      await Promise.race([closed, new Promise<void>((resolve) => (drained = setTimeout(resolve, DRAIN_MS)))]);
      clearTimeout(drained);
      child.stdout?.destroy();
      child.stderr?.destroy();
      const durationMs = Date.now() - started;
      if (stoppedBy === 'cancel') {
        throw new PagiError('CANCELLED', `the command was cancelled after ${durationMs} ms; it and every process it started were stopped`, { stdout: stdout.toString(), stderr: stderr.toString() });
      }
      return { exitCode, signal, stdout: stdout.toString(), stderr: stderr.toString(), durationMs, killed: stoppedBy === 'timeout', timedOut: stoppedBy === 'timeout' };
    } finally {
      clearTimeout(timer);
      ctx.signal.removeEventListener('abort', onAbort);
    }
  },
};
