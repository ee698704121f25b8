import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { ServiceStatus } from '../runtime/common/serviceStatus.js';
import type { Supervisor } from '../runtime/node/supervisor.js';
import { repoRoot } from './testModel.js';

export async function waitFor<T>(what: string, fn: () => Promise<T | null | undefined | false> | T | null | undefined | false, timeoutMs = 10_000, everyMs = 25): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export async function statusOf(sup: Supervisor, id: string): Promise<ServiceStatus> {
  const s = (await sup.status()).find((x) => x.id === id);
  if (!s) throw new Error(`no service ${id}`);
  return s;
}

export async function pids(sup: Supervisor): Promise<Record<string, number | null>> {
  return Object.fromEntries((await sup.status()).map((s) => [s.id, s.pid]));
}

/** Runs the built `pagi` CLI; resolves with stdout/stderr, or the error (with `code`) when it exits non-zero. */
export function pagi(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ stdout: string; stderr: string } | { code: number; stdout: string; stderr: string }> {
  return promisify(execFile)(process.execPath, [join(repoRoot, 'bin', 'pagi.js'), ...args], { encoding: 'utf8', env: { ...process.env, ...env } }).catch(
    (err: { code: number; stdout: string; stderr: string }) => err,
  );
}
