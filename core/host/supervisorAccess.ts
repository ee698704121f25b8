import type { CoreAccess } from '../api/coreAccess.js';
import { createOperationHub } from '../api/operationHub.js';
import { episodicMemoryContract } from '../memory-episodic/common/contract.js';
import type { Supervisor } from '../runtime/node/supervisor.js';
import { exportTwin } from './bundle/bundleExport.js';
import { importTwin } from './bundle/bundleImport.js';
import { loadHostConfig, saveServiceConfig } from './hostConfig.js';
import { twinFromCard } from './personaImport/cardPersona.js';
import { readCharacterCard } from './personaImport/characterCard.js';
import { importChatGptExport } from './personaImport/chatgptImport.js';
import { createTwin } from './personaImport/twinFactory.js';
import { appVersion, outDir } from './serviceCatalog.js';
import { privateRoots, scrubPaths } from './requestGuards.js';
import { dirname } from 'node:path';
import { listTwins, recordTwin } from './twinRegistry.js';
import { setActiveTwin } from './activeTwin.js';
import { PagiError } from '../contracts/errors.js';

const asRecord = (v: unknown): Record<string, unknown> => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {});

/** What both hosts hand the router: clients and controls of their supervisor, and the twin's config.json. */
export function supervisorAccess(supervisor: Supervisor, dataDir: string): CoreAccess {
  // a failure's message streams to the client as data, past tRPC's error handling: keep our folders out of it
  const roots = privateRoots({ '<data-dir>': dataDir, '<app>': dirname(outDir()) });
  const scrubMessage = (message: string): string => scrubPaths(message, roots);
  return {
    operations: { turns: createOperationHub({ scrubMessage }), bundles: createOperationHub({ scrubMessage }) },
    get twinId() {
      return supervisor.twinId;
    },
    launcher: supervisor.launcherKind,
    client: (contract) => supervisor.client(contract),
    status: () => supervisor.status({ refresh: true }),
    restart: (id) => supervisor.restart(id),
    serviceConfig(id) {
      const { effective } = supervisor.config(id);
      return { saved: asRecord(loadHostConfig(dataDir).services[id]), effective: effective === null ? null : asRecord(effective) };
    },
    async reconfigure(id, patch, runtimeOnly = {}) {
      const saved = asRecord(loadHostConfig(dataDir).services[id]);
      // the running config may carry more than the file (e.g. `pagi serve --model`): keep that too
      const running = asRecord(supervisor.config(id).given);
      await supervisor.reconfigure(id, { ...running, ...patch, ...runtimeOnly });
      saveServiceConfig(dataDir, id, { ...saved, ...patch });
    },
    async exportBundle(input, onProgress) {
      const r = await exportTwin({ supervisor, dataDir, appVersion: appVersion(), ...input, onProgress });
      return { file: r.file, bytes: r.bytes, entries: r.entries, encrypted: r.encrypted, twinId: r.manifest.twin.id, name: r.manifest.twin.name };
    },
    async importBundle(input, onProgress) {
      const r = await importTwin({ supervisor, dataDir, ...input, onProgress });
      recordTwin(dataDir, { id: r.twinId, name: r.name, origin: r.mode, parentId: r.parentId });
      return r;
    },
    async createTwinFromCard(file) {
      const card = await readCharacterCard(file);
      const twin = twinFromCard(card);
      const made = await createTwin(supervisor, dataDir, twin);
      recordTwin(dataDir, { id: made.twinId, name: twin.name, origin: 'card', parentId: null });
      return { twinId: made.twinId, name: twin.name, spec: card.spec, facts: made.facts, notes: twin.notes };
    },
    listTwins: () => listTwins(dataDir),
    async activateTwin(id) {
      if (!listTwins(dataDir).some((t) => t.id === id)) throw new PagiError('NOT_FOUND', `there is no twin ${id} in ${dataDir}`);
      const previous = supervisor.twinId;
      if (id === previous) return;
      await supervisor.switchTwin(id);
      // a twin whose services cannot run is not left running (nor made the one to start next time)
      const failed = (await supervisor.status()).filter((s) => s.state === 'failed');
      if (failed.length > 0) {
        await supervisor.switchTwin(previous);
        throw new PagiError('FAILED_PRECONDITION', `twin ${id} cannot run here (${failed.map((s) => `${s.id}: ${s.lastError ?? 'failed'}`).join('; ')}); ${previous} runs again`);
      }
      setActiveTwin(dataDir, id);
    },
    importChatGpt: (file, onProgress) =>
      importChatGptExport(file, async (episodes) => void (await supervisor.client(episodicMemoryContract).storeMany({ episodes, by: 'import' })), onProgress),
  };
}
