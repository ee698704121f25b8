import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
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

/**
 * Writes one service's section of config.json, keeping everything else in the file as it was. The
 * file is replaced whole (written beside it, then renamed), so a crash mid-write never leaves half a file.
 */
export function saveServiceConfig(dataDir: string, serviceId: ServiceId, section: Record<string, unknown>): void {
  const file = join(dataDir, 'config.json');
  const current = loadHostConfig(dataDir); // refuses to overwrite a file it cannot read
  const raw = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>) : {};
  const next = { ...raw, services: { ...current.services, [serviceId]: section } };
  hostConfigSchema.parse(next);
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(next, null, 2)}\n`, { mode: 0o600 }); // it can hold a remote API key
  renameSync(tmp, file);
}
