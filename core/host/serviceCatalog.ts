import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SERVICE_MANIFEST, SERVICE_IDS, serviceFolder, type ServiceId } from '../contracts/manifest.js';

/** The built output folder (`out/`): this file is bundled into `out/core/host/…` or a chunk in `out/chunks/`. */
export function outDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!/[\\/]out$/.test(dir) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
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
