import { serviceFolder } from '../contracts/manifest.js';
import type { ServiceDefinition } from '../runtime/common/defineService.js';

/** Loads a service definition from source, for the in-process launcher. */
export async function loadServiceFromSource(id: string): Promise<ServiceDefinition> {
  const mod = (await import(`../${serviceFolder(id)}/node/service.ts`)) as { default: ServiceDefinition };
  return mod.default;
}

export const TEST_TWIN_ID = '0190a000-0000-7000-8000-000000000001';
