import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SERVICE_MANIFEST, SERVICE_IDS, serviceFolder, type ServiceId } from '../contracts/manifest.js';

// This installation: where its built files are (the service host, each service's module, the UI)
// and which version it is. Nothing here depends on the data folder or the twin.

/**
 * The built output folder: the `out/` this file was bundled into, or — when it runs from source
 * (tests) — the `out/` beside the project's package.json.
 */
export function outDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  for (let dir = here; dirname(dir) !== dir; dir = dirname(dir)) {
    if (/[\\/]out$/.test(dir)) return dir;
    if (existsSync(join(dir, 'package.json'))) return join(dir, 'out');
  }
  throw new Error(`cannot find the built output folder from ${here}`);
}

/** This build's version (package.json beside `out/`): printed by `pagi --version`, recorded in bundles. */
export function appVersion(): string {
  return (JSON.parse(readFileSync(join(outDir(), '..', 'package.json'), 'utf8')) as { version: string }).version;
}

export function serviceHostEntry(out = outDir()): string {
  return join(out, 'core', 'runtime', 'node', 'serviceHost.js');
}

export interface CatalogSpec {
  id: ServiceId;
  dependsOn: readonly string[];
  modulePath: string;
  config: unknown;
}

/** One spec per service of the manifest, pointing at its built module, with its config section. */
export function serviceSpecs(config: Partial<Record<ServiceId, unknown>>, out = outDir()): CatalogSpec[] {
  return SERVICE_IDS.map((id) => ({
    id,
    dependsOn: SERVICE_MANIFEST[id].dependsOn,
    modulePath: join(out, 'core', serviceFolder(id), 'node', 'service.js'),
    config: config[id] ?? {},
  }));
}
