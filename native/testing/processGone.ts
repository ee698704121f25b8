// For tests that check a killed process tree: whether a pid still runs, and waiting for a condition.
import { existsSync, readFileSync } from 'node:fs';

/** Whether a pid is gone: no such process, or a zombie waiting for its reaper (it runs no more code). */
export function processGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return true;
  }
  // a container's pid 1 may never reap orphans: a zombie counts as gone
  const stat = `/proc/${pid}/stat`;
  return existsSync(stat) && /\) Z /.test(readFileSync(stat, 'utf8'));
}

/** Resolves once `check()` holds, polling; rejects after `ms`. */
export async function waitUntil(check: () => boolean, ms = 5_000): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
