import { existsSync, readFileSync, rmSync, writeFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { PagiError } from '../contracts/errors.js';

/**
 * `<data-dir>/host.json`: the host running for this data folder. Both hosts write it, so nothing
 * else starts services on the same twin: the headless host with its address and token (how the CLI
 * reaches it), the desktop app without (it serves only its own window).
 */
const headlessSchema = z.object({
  kind: z.literal('headless').default('headless'),
  pid: z.number().int(),
  port: z.number().int(),
  token: z.string().min(16),
  url: z.string(),
  twinId: z.string(),
  startedAt: z.string(),
});
const desktopSchema = z.object({ kind: z.literal('desktop'), pid: z.number().int(), twinId: z.string(), startedAt: z.string() });
export const hostFileSchema = z.union([desktopSchema, headlessSchema]);
export type HostFile = z.infer<typeof hostFileSchema>;
export type HeadlessHostFile = z.infer<typeof headlessSchema>;

const fileOf = (dataDir: string): string => join(dataDir, 'host.json');

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The running host of a data folder, if any: a stale file (its process is gone) counts as none. */
export function readHostFile(dataDir: string): HostFile | null {
  const file = fileOf(dataDir);
  if (!existsSync(file)) return null;
  try {
    const parsed = hostFileSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
    if (!parsed.success || !pidAlive(parsed.data.pid)) return null;
    return parsed.data;
  } catch {
    return null;
  }
}

/** Where a running host can be reached, named for a person: the headless host's address, or the desktop app. */
export function describeHost(host: HostFile): string {
  return host.kind === 'desktop' ? `the PAGI Twin desktop app (pid ${host.pid})` : `${host.url.split('#')[0]} (pid ${host.pid})`;
}

/**
 * The running headless host the CLI can talk to. The desktop app serves only its window: while it
 * runs, the CLI must neither reach past it nor start a second set of services on the same twin.
 */
export function reachableHost(dataDir: string): HeadlessHostFile | null {
  const host = readHostFile(dataDir);
  if (host?.kind === 'desktop') throw new PagiError('CONFLICT', `${describeHost(host)} is using this data folder: do this in the app, or quit it first`);
  return host;
}

export function writeHostFile(dataDir: string, data: HostFile): void {
  const file = fileOf(dataDir);
  writeFileSync(`${file}.tmp`, JSON.stringify(data, null, 2), { mode: 0o600 });
  renameSync(`${file}.tmp`, file);
}

export function removeHostFile(dataDir: string, pid: number): void {
  const file = fileOf(dataDir);
  try {
    const current = hostFileSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
    if (current.success && current.data.pid !== pid) return; // another host owns it now
  } catch {
    // unreadable: ours to remove
  }
  rmSync(file, { force: true });
}
