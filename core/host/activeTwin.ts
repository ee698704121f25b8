import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { PagiError } from '../contracts/errors.js';
import { idSchema, newId } from '../contracts/ids.js';

const activeSchema = z.object({ twinId: idSchema });

/** Which twin the next start of this data folder runs. */
export function setActiveTwin(dataDir: string, twinId: string): void {
  const file = join(dataDir, 'active-twin.json');
  writeFileSync(`${file}.tmp`, JSON.stringify({ twinId }, null, 2), { mode: 0o600 });
  renameSync(`${file}.tmp`, file);
}

/** The twin this data folder runs: `<data-dir>/active-twin.json`, created with a new UUIDv7 on first run. */
export function activeTwinId(dataDir: string): string {
  const file = join(dataDir, 'active-twin.json');
  if (existsSync(file)) {
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(file, 'utf8'));
    } catch {
      throw new PagiError('INVALID_INPUT', `${file} is not valid JSON; restore it or delete it to start a new twin`);
    }
    const parsed = activeSchema.safeParse(raw);
    if (!parsed.success) throw PagiError.invalidInput(parsed.error, file);
    return parsed.data.twinId;
  }
  mkdirSync(dataDir, { recursive: true });
  const twinId = newId();
  setActiveTwin(dataDir, twinId);
  return twinId;
}
