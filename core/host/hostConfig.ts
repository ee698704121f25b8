import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { PagiError } from '../contracts/errors.js';
import { SERVICE_IDS, type ServiceId } from '../contracts/manifest.js';

/**
 * `<data-dir>/config.json`: per-service config sections (each validated by its service at start)
 * and host settings. Unknown top-level keys are refused so a typo never passes silently.
 */
export const hostConfigSchema = z
  .object({
    logLevel: z.enum(['trace', 'debug', 'info', 'warn', 'error']).default('info'),
    services: z.partialRecord(z.enum(SERVICE_IDS as [ServiceId, ...ServiceId[]]), z.record(z.string(), z.unknown())).default({}),
  })
  .strict();
export type HostConfig = z.infer<typeof hostConfigSchema>;

export function loadHostConfig(dataDir: string): HostConfig {
  const file = join(dataDir, 'config.json');
  if (!existsSync(file)) return hostConfigSchema.parse({});
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new PagiError('INVALID_INPUT', `${file} is not valid JSON (${(err as Error).message}); fix or delete it`, { file });
  }
  const parsed = hostConfigSchema.safeParse(raw);
  if (!parsed.success) throw PagiError.invalidInput(parsed.error, `config file ${file}`);
  return parsed.data;
}
