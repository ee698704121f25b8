// Starting a command so that it and everything it starts can be stopped together: on POSIX the
// command leads its own process group (killing the group reaches grandchildren that outlived their
// parent's wait); on Windows `taskkill /T` walks the tree from the command's pid.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';

/** The shell a one-line command runs in: PowerShell on Windows, `sh -c` elsewhere. */
export function shellCommand(command: string): { file: string; args: string[] } {
  return process.platform === 'win32'
    ? { file: 'powershell.exe', args: ['-NoProfile', '-NonInteractive', '-Command', command] }
    : { file: '/bin/sh', args: ['-c', command] };
}

export interface ProcessTreeOptions {
  cwd: string;
  env?: NodeJS.ProcessEnv;
}

/** Starts `file args` with piped output and no input, as the root of a tree `killProcessTree` can end. */
export function spawnProcessTree(file: string, args: string[], options: ProcessTreeOptions): ChildProcess {
  return spawn(file, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    // its own process group on POSIX; on Windows `detached` would open a console window instead
    detached: process.platform !== 'win32',
    windowsHide: true,
  });
}

/** Kills the process and every descendant it started (those still in its group on POSIX). Safe to call twice. */
export function killProcessTree(child: ChildProcess): void {
  const pid = child.pid;
  if (pid === undefined) return;
  if (process.platform === 'win32') {
    spawnSync('taskkill', ['/pid', String(pid), '/T', '/F'], { windowsHide: true, stdio: 'ignore' });
    return;
  }
  try {
    process.kill(-pid, 'SIGKILL');
  } catch (err) {
    // ESRCH: the group is already gone; anything else, kill at least the root
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') child.kill('SIGKILL');
  }
}
