import { availableParallelism, freemem } from 'node:os';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import type { ApiOf } from '../../contracts/contract.js';
import { PagiError } from '../../contracts/errors.js';
import { defineService } from '../../runtime/common/defineService.js';
import { openServiceDatabase } from '../../runtime/node/migrations.js';
import { CATALOG } from '../common/catalog.js';
import { inferenceContract } from '../common/contract.js';
import { fitFromSize } from '../common/fit.js';
import { unknownTypeIn } from '../common/jsonSchemaBounds.js';
import {
  contextSizeSettingSchema, flashAttentionSettingSchema, gpuLayersSettingSchema, gpuSettingSchema, kvCacheTypeSettingSchema, parallelSequencesSettingSchema,
  threadsSettingSchema,
} from '../common/settings.js';
import { diagnose } from './doctor.js';
import { createDownloadManager, type DownloadRequest } from './downloadManager.js';
import type { InferenceEngine } from './engine.js';
import { estimateFit } from './fitEstimate.js';
import { AUTO_CONTEXT_MAX, createLlamaEngine, type LlamaEngine } from './llamaEngine.js';
import { createLocalEngine } from './localEngine.js';
import { inferenceMigrations } from './migrations.js';
import { createModelLibrary } from './modelLibrary.js';
import { createRemoteEngine } from './remoteEngine.js';
import { withCoalescedText } from './textCoalescer.js';

/** On small machines node-llama-cpp's default of at least 4 threads is far slower than 1–2. */
const defaultThreads = (): number => Math.max(1, Math.min(8, Math.floor(availableParallelism() / 2)));

const configSchema = z.object({
  /** `remote`: an OpenAI-compatible server does the inference (see `remote`). */
  provider: z.enum(['local', 'remote']).default('local'),
  remote: z
    .object({
      baseUrl: z.url({ message: 'remote.baseUrl must be a URL such as http://gpu-box:8000/v1' }),
      apiKey: z.string().min(1).optional(),
      model: z.string().min(1),
      embeddingModel: z.string().min(1).optional(),
      timeoutMs: z.number().int().min(1_000).default(300_000),
    })
    .optional(),
  modelPath: z.string().min(1).optional(),
  gpu: gpuSettingSchema.default('auto'),
  threads: threadsSettingSchema.default(defaultThreads),
  /** "auto": as much of the model's trained context as fits in memory, capped at AUTO_CONTEXT_MAX. */
  contextSize: contextSizeSettingSchema.default('auto'),
  /** Generations at once, each with its own contextSize of KV cache; more wait in line. "auto": see AUTO_PARALLEL_SEQUENCES. */
  parallelSequences: parallelSequencesSettingSchema.default('auto'),
  /** With gpu "auto": backends never to use, e.g. ["vulkan"] on a machine whose Vulkan driver misbehaves. */
  excludeBackends: z.array(z.enum(['cuda', 'vulkan', 'metal'])).max(3).default([]),
  gpuLayers: gpuLayersSettingSchema.default('auto'),
  flashAttention: flashAttentionSettingSchema.default('auto'),
  kvCacheType: kvCacheTypeSettingSchema.default('F16'),
  /** A separate model for embeddings (semantic memory); without one, the chat model embeds. */
  embeddingModelPath: z.string().min(1).optional(),
  /** Unload a model after this many minutes unused (0 = never); the next use loads it again. */
  idleUnloadMinutes: z.number().min(0).max(7 * 24 * 60).default(30),
  /** A model download whose server sends nothing for this long fails (no answer) or pauses (a transfer that stopped), with the reason. */
  downloadStallSeconds: z.number().min(1).max(600).default(30),
  /** Milliseconds between streamed chunks: tokens are coalesced so per-token cost stays small. */
  streamIntervalMs: z.number().int().min(0).max(1_000).default(16),
}).refine((c) => c.provider === 'local' || c.remote !== undefined, { path: ['remote'], message: 'provider "remote" needs remote.baseUrl and remote.model' });

type Config = z.output<typeof configSchema>;
type Api = ApiOf<typeof inferenceContract>;
type ModelLibrary = ReturnType<typeof createModelLibrary>;
type DownloadManager = ReturnType<typeof createDownloadManager>;

/** The procedures every engine answers (or refuses): generation, embeddings, tokens, what is loaded. */
function engineProcedures(engine: InferenceEngine, streamIntervalMs: number): Pick<Api, 'status' | 'unload' | 'generate' | 'generateJson' | 'embed' | 'countTokens' | 'countTokensMany'> {
  return {
    status: () => engine.status(),
    async unload() {
      await engine.unload('requested');
      return engine.status();
    },
    generate: (input, { emit, signal }) => withCoalescedText(streamIntervalMs, emit, (out) => engine.generate(input, { emit: out, signal })),
    generateJson(input, { signal }) {
      const bad = unknownTypeIn(input.schema);
      if (bad) throw new PagiError('INVALID_INPUT', `${bad}: not a JSON type (use string, number, integer, boolean, null, object or array)`);
      return engine.generateJson(input, signal);
    },
    embed: ({ texts }, { signal }) => engine.embed(texts, signal),
    countTokens: ({ text }) => engine.countTokens(text),
    countTokensMany: ({ texts }) => engine.countTokensMany(texts),
  };
}

/** The models installed on this machine and their downloads, and loading one of them. */
function libraryProcedures(engine: InferenceEngine, library: ModelLibrary, downloads: DownloadManager): Pick<Api, 'load' | 'listModels' | 'importModel' | 'removeModel' | 'download' | 'downloads' | 'getDownload' | 'cancelDownload' | 'pauseDownload' | 'resumeDownload'> {
  return {
    async load({ path, id }) {
      await engine.load(id ? library.registry.get(id, null).path : resolve(path as string));
      return engine.status();
    },
    listModels: () => library.registry.list(engine.loadedPath()),
    importModel: ({ path, mode }) => library.import(path, mode, engine.loadedPath()),
    async removeModel({ id }) {
      await engine.release(library.registry.get(id, null).path, 'the model was removed');
      return library.remove(id);
    },
    download: (input) => downloads.start(downloadRequest(input)),
    downloads: () => downloads.list(),
    getDownload: ({ id }) => downloads.get(id),
    cancelDownload: ({ id }) => downloads.cancel(id),
    pauseDownload: ({ id }) => downloads.pause(id),
    resumeDownload: ({ id }) => downloads.resume(id),
  };
}

function downloadRequest({ catalogId, url, fileName, sha256 }: Parameters<Api['download']>[0]): DownloadRequest {
  if (catalogId) {
    const entry = CATALOG.find((e) => e.id === catalogId);
    if (!entry) throw PagiError.hinted('NOT_FOUND', `the catalog has no model "${catalogId}"`, { cli: 'see `pagi models catalog`', app: 'pick one from the catalog on the Models page' });
    return { uri: entry.uri, fileName: entry.fileName, sha256: entry.sha256, catalogId };
  }
  const name = fileName ?? decodeURIComponent(new URL(url as string).pathname.split('/').pop() ?? '');
  if (!/^[^\\/]+\.gguf$/.test(name)) throw new PagiError('INVALID_INPUT', 'fileName: the URL does not end in a .gguf file name; give fileName');
  return { uri: url as string, fileName: name, sha256: sha256 ?? null, catalogId: null };
}

/** This machine's hardware, whichever engine runs: the doctor, fit estimates, the catalog's fit labels. */
function hardwareProcedures(llama: LlamaEngine, library: ModelLibrary, config: Config): Pick<Api, 'diagnose' | 'fit' | 'catalog'> {
  const contextSize = config.contextSize === 'auto' ? AUTO_CONTEXT_MAX : config.contextSize;
  return {
    async diagnose({ probe }) {
      return diagnose({ llama: await llama.llama(), gpuSetting: String(config.gpu), exclude: config.excludeBackends, threads: config.threads, chosenReason: llama.backendReason(), probe });
    },
    async fit({ path, id, contextSize: asked }) {
      return estimateFit(await llama.llama(), id ? library.registry.get(id, null).path : resolve(path as string), asked ?? contextSize);
    },
    async catalog() {
      const l = await llama.llama();
      const vram = l.gpu ? await l.getVramState() : null;
      const installed = new Set(library.registry.list(null).map((m) => m.fileName));
      return CATALOG.map((entry) => ({
        ...entry,
        fit: fitFromSize({ bytes: entry.approxBytes, backend: l.gpu || 'cpu', vramFreeBytes: vram?.free ?? null, freeRamBytes: freemem(), contextSize }),
        installed: installed.has(entry.fileName),
      }));
    },
  };
}

export default defineService({
  id: 'inference',
  contract: inferenceContract,
  configSchema,
  async start(ctx) {
    const config = ctx.config;
    // the models installed on this machine and its downloads: never part of a twin bundle
    const db = openServiceDatabase(ctx, 'models.db', inferenceMigrations, { portable: false });
    const modelsDir = join(ctx.paths.dataDir, 'models');
    const library = createModelLibrary({ db, modelsDir, bus: ctx.bus, log: ctx.log, signal: ctx.signal });
    library.adoptModelsFolder();
    library.kickHashing(); // checksums interrupted by a restart, and those of adopted files
    const downloads = createDownloadManager({ db, modelsDir, library, bus: ctx.bus, log: ctx.log, stallMs: config.downloadStallSeconds * 1000 });
    ctx.onDispose(() => downloads.dispose());
    // node-llama-cpp is loaded on first use: with a remote engine only the doctor and fit estimates need it
    const llama = createLlamaEngine({
      gpu: config.gpu, exclude: config.excludeBackends, threads: config.threads, contextSize: config.contextSize,
      parallelSequences: config.parallelSequences, gpuLayers: config.gpuLayers, flashAttention: config.flashAttention, kvCacheType: config.kvCacheType, log: ctx.log,
    });
    ctx.onDispose(() => llama.dispose().catch(() => undefined));
    const engine: InferenceEngine = config.provider === 'remote' && config.remote
      ? createRemoteEngine(config.remote)
      : createLocalEngine({
          llama, modelPath: config.modelPath, embeddingModelPath: config.embeddingModelPath, idleUnloadMs: config.idleUnloadMinutes * 60_000, bus: ctx.bus, log: ctx.log,
          models: {
            loaded(path) {
              if (!library.registry.findByPath(path, null)) library.register(path, 'reference');
              library.registry.touch(path);
            },
            used: (path) => library.registry.touch(path),
          },
        });
    // registered last, so it runs first: the models are unloaded before the runtime goes
    ctx.onDispose(() => engine.dispose());

    return {
      api: { ...engineProcedures(engine, config.streamIntervalMs), ...libraryProcedures(engine, library, downloads), ...hardwareProcedures(llama, library, config) },
      health: () => ({ ok: true, detail: engine.status().state }),
    };
  },
});
