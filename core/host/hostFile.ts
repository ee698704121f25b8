import { existsSync, readFileSync, rmSync, writeFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

export const hostFileSchema = z.object({
  pid: z.number().int(),
  port: z.number().int(),
  token: z.string().min(16),
  url: z.string(),
  twinId: z.string(),
  startedAt: z.string(),
});
export type HostFile = z.infer<typeof hostFileSchema>;

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
