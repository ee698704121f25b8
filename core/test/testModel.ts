import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** A real GGUF for tests: PAGI_TEST_MODEL, else the shared tiny model beside the checkout; null (with the reason printed) when neither exists. */
export function testModelPath(file = 'stories260K-chatml.gguf'): string | null {
  const candidates = [process.env.PAGI_TEST_MODEL, join(repoRoot, '..', 'shared', 'models', file)].filter((p): p is string => !!p);
  const found = candidates.find((p) => existsSync(p));
  if (!found) console.log(`skipping model tests: no model (set PAGI_TEST_MODEL or put ${file} in ../shared/models)`);
  return found ?? null;
}

export function sharedModel(file: string): string | null {
  const p = join(repoRoot, '..', 'shared', 'models', file);
  return existsSync(p) ? p : null;
}

export { repoRoot };
