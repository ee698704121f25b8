import { dirname } from 'node:path';
import type { ApiContext, StagedFiles } from '../api/coreAccess.js';
import { createOperationHub } from '../api/operationHub.js';
import { createWatchFeed } from '../api/watchFeed.js';
import { eventRouterContract } from '../event-router/common/contract.js';
import type { ServiceStateListener } from '../runtime/common/serviceStatus.js';
import { PagiError } from '../contracts/errors.js';
import { identityContract } from '../identity/common/contract.js';
import { episodicMemoryContract } from '../memory-episodic/common/contract.js';
import { semanticMemoryContract } from '../memory-semantic/common/contract.js';
import type { Supervisor } from '../runtime/node/supervisor.js';
import { setActiveTwin } from './activeTwin.js';
import { exportTwin } from './bundle/bundleExport.js';
import { importTwin } from './bundle/bundleImport.js';
import { loadHostConfig, saveServiceConfig } from './hostConfig.js';
import { twinFromCard } from './imports/cardPersona.js';
import { cardPortrait, readCharacterCard } from './imports/characterCard.js';
import { importConversations } from './imports/conversationImport.js';
import { openConversationSource } from './imports/conversationSources.js';
import { createTwin } from './imports/twinFactory.js';
import { appVersion, outDir } from './installation.js';
import { privateRoots, scrubPaths } from './requestGuards.js';
import { createStagedFiles } from './stagedFiles.js';
import { deleteTwinFiles, listTwins, recordTwin, rememberTwinName, renameTwinLater, takePendingName } from './twinRegistry.js';
import { asRecord } from '../contracts/records.js';


/** What both hosts hand the router: clients and controls of their supervisor, the data folder's files, and its twins. */
export function createApiContext(supervisor: Supervisor, dataDir: string, files: StagedFiles = createStagedFiles(dataDir)): ApiContext {
  // a failure's message streams to the client as data, past tRPC's error handling: keep our folders out of it
  const roots = privateRoots({ '<data-dir>': dataDir, '<app>': dirname(outDir()) });
  const scrubMessage = (message: string): string => scrubPaths(message, roots);
  const episodic = () => supervisor.client(episodicMemoryContract);
  const semantic = () => supervisor.client(semanticMemoryContract);

  /** Never used: no memories, no facts or documents, its persona as it was created. When unsure, it counts as used. */
  const runningTwinUnused = async (): Promise<boolean> => {
    try {
      const [episodes, facts, twin] = await Promise.all([episodic().count({}), semantic().stats({}), supervisor.client(identityContract).get({})]);
      return episodes.episodes === 0 && facts.facts === 0 && facts.documents === 0 && twin.updatedAt === twin.createdAt;
    } catch {
      return false;
    }
  };

  // switching, renaming and deleting twins take turns: a delete must never meet a switch half-way
  let twinOps: Promise<unknown> = Promise.resolve();
  const oneAtATime = <T>(op: () => Promise<T>): Promise<T> => {
    const run = twinOps.then(op, op);
    twinOps = run.catch(() => undefined);
    return run;
  };

  const activateTwin = async (id: string): Promise<void> => {
    if (!listTwins(dataDir).some((t) => t.id === id)) throw new PagiError('NOT_FOUND', `there is no twin ${id} on this computer`);
    const previous = supervisor.twinId;
    if (id === previous) return;
    // its name, while it can still be asked, so the list can name it once another runs
    const leaving = await supervisor.client(identityContract).get({}).catch(() => null);
    if (leaving) rememberTwinName(dataDir, previous, leaving.name);
    await supervisor.switchTwin(id);
    // a twin whose services cannot run is not left running (nor made the one to start next time)
    const failed = (await supervisor.status()).filter((s) => s.state === 'failed');
    if (failed.length > 0) {
      await supervisor.switchTwin(previous);
      throw new PagiError('FAILED_PRECONDITION', `twin ${id} cannot run here (${failed.map((s) => `${s.id}: ${s.lastError ?? 'failed'}`).join('; ')}); ${previous} runs again`);
    }
    setActiveTwin(dataDir, id);
    // a name given while it did not run is its name now
    const identity = supervisor.client(identityContract);
    const pending = takePendingName(dataDir, id);
    const twin = pending ? await identity.update({ name: pending }) : await identity.get({}).catch(() => null);
    if (twin) rememberTwinName(dataDir, id, twin.name);
  };
  const scrubbedStateChanges = (listener: ServiceStateListener): (() => void) =>
    supervisor.onStateChange((change) => listener({ ...change, lastError: change.lastError === null ? null : scrubMessage(change.lastError) }));
  return {
    watch: createWatchFeed({ onStateChange: scrubbedStateChanges, bus: () => supervisor.client(eventRouterContract), twinId: () => supervisor.twinId }),
    core: {
      get twinId() {
        return supervisor.twinId;
      },
      launcher: supervisor.launcherKind,
      client: (contract) => supervisor.client(contract),
    },
    system: {
      status: () => supervisor.status({ refresh: true }),
      restart: (id) => supervisor.restart(id),
      onStateChange: scrubbedStateChanges,
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
    },
    operations: { turns: createOperationHub({ scrubMessage }), files: createOperationHub({ scrubMessage }) },
    bundles: {
      async export(input, onProgress) {
        const r = await exportTwin({ supervisor, dataDir, appVersion: appVersion(), ...input, onProgress });
        return { file: r.file, bytes: r.bytes, entries: r.entries, encrypted: r.encrypted, twinId: r.manifest.twin.id, name: r.manifest.twin.name, download: null };
      },
      async import({ activate, ...input }, onProgress) {
        // asked before the import: on a fresh install the empty twin gives way to the one imported
        const previousUnused = await runningTwinUnused();
        const r = await importTwin({ supervisor, dataDir, ...input, onProgress });
        recordTwin(dataDir, { id: r.twinId, name: r.name, origin: r.mode, parentId: r.parentId });
        let activated = false;
        let activationError: string | null = null;
        if (activate ?? previousUnused) {
          // the twin is in and recorded: a twin that cannot run here is said, never an import that "failed"
          try {
            await oneAtATime(() => activateTwin(r.twinId));
            activated = true;
          } catch (err) {
            activationError = scrubMessage(PagiError.from(err).message);
          }
        }
        return { ...r, activated, previousUnused, activationError };
      },
    },
    imports: {
      async card(file) {
        const card = await readCharacterCard(file);
        const twin = twinFromCard(card, cardPortrait(file));
        const made = await createTwin(supervisor, dataDir, twin);
        recordTwin(dataDir, { id: made.twinId, name: twin.name, origin: 'card', parentId: null });
        return { twinId: made.twinId, name: twin.name, spec: card.spec, facts: made.facts, notes: twin.notes };
      },
      async conversations({ file, extract }, onProgress, signal) {
        const source = openConversationSource(file, (read) => onProgress({ phase: 'import', done: read, total: source.bytes, unit: 'bytes' }));
        return await importConversations(source, {
          store: async (episodes) => (await episodic().storeMany({ episodes, by: 'import' })).ids,
          extract: async (episodeIds) => (await semantic().extract({ episodeIds })).id,
          job: (id) => semantic().extraction({ id }),
        }, { extract, onProgress, signal });
      },
    },
    files,
    twins: {
      list: () => listTwins(dataDir),
      activate: (id) => oneAtATime(() => activateTwin(id)),
      rememberName: (id, name) => rememberTwinName(dataDir, id, name),
      rename: (id, name) => oneAtATime(async () => {
        if (!listTwins(dataDir).some((t) => t.id === id)) throw new PagiError('NOT_FOUND', `there is no twin ${id} on this computer`);
        if (id !== supervisor.twinId) return renameTwinLater(dataDir, id, name);
        await supervisor.client(identityContract).update({ name });
        rememberTwinName(dataDir, id, name);
      }),
      delete: (id) => oneAtATime(async () => {
        if (id === supervisor.twinId) throw PagiError.hinted('FAILED_PRECONDITION', 'the twin that runs now cannot be deleted', { app: 'switch to another twin first', cli: 'switch to another first with `pagi twins activate ID`' });
        deleteTwinFiles(dataDir, id);
      }),
    },
  };
}
