import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

export function twinDirOf(dataDir: string, twinId: string): string {
  return join(dataDir, 'twins', twinId);
}

export function ensureDir(dir: string): string {
  mkdirSync(dir, { recursive: true });
  return dir;
}
