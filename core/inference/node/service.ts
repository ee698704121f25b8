import { availableParallelism, freemem } from 'node:os';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { PagiError } from '../../contracts/errors.js';
import { defineService } from '../../runtime/common/defineService.js';
import { openServiceDatabase } from '../../runtime/node/migrations.js';
import { inferenceContract, type InferenceStatus } from '../common/contract.js';
import {
  contextSizeSettingSchema, flashAttentionSettingSchema, gpuLayersSettingSchema, gpuSettingSchema, kvCacheTypeSettingSchema, parallelSequencesSettingSchema,
  threadsSettingSchema,
} from '../common/settings.js';
import { boundJsonSchema, unknownTypeIn } from '../common/jsonSchemaBounds.js';
import { AUTO_CONTEXT_MAX, createLlamaEngine, type LoadedModel } from './llamaEngine.js';
import { inferenceMigrations } from './migrations.js';
import { createModelLibrary } from './modelLibrary.js';
import { createModelSlot } from './modelSlot.js';
import { createDownloadManager } from './downloadManager.js';
import { CATALOG } from '../common/catalog.js';
import { fitFromSize } from '../common/fit.js';
import { createRemoteEngine } from './remoteEngine.js';
import { diagnose } from './doctor.js';
import { estimateFit } from './fitEstimate.js';
import { createTextCoalescer } from './textCoalescer.js';

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
  /** Milliseconds between streamed chunks: tokens are coalesced so per-token cost stays small. */
  streamIntervalMs: z.number().int().min(0).max(1_000).default(16),
}).refine((c) => c.provider === 'local' || c.remote !== undefined, { path: ['remote'], message: 'provider "remote" needs remote.baseUrl and remote.model' });

export default defineService({
  id: 'inference',
  contract: inferenceContract,
  configSchema,
  async start(ctx) {
    // the models installed on this machine and its downloads: never part of a twin bundle
    const db = openServiceDatabase(ctx, 'models.db', inferenceMigrations, { portable: false });
    const library = createModelLibrary({ db, modelsDir: join(ctx.paths.dataDir, 'models'), bus: ctx.bus, log: ctx.log, signal: ctx.signal });
    library.adoptModelsFolder();
    library.kickHashing(); // checksums interrupted by a restart, and those of adopted files
    const downloads = createDownloadManager({ db, modelsDir: join(ctx.paths.dataDir, 'models'), library, bus: ctx.bus, log: ctx.log });
    const engine = createLlamaEngine({
      gpu: ctx.config.gpu, exclude: ctx.config.excludeBackends, threads: ctx.config.threads, contextSize: ctx.config.contextSize,
      parallelSequences: ctx.config.parallelSequences, gpuLayers: ctx.config.gpuLayers, flashAttention: ctx.config.flashAttention, kvCacheType: ctx.config.kvCacheType, log: ctx.log,
    });

    const slotEvents = (purpose: 'chat' | 'embedding', lastStep = { value: -1 }) => ({
      onLoaded: (m: LoadedModel) => {
        if (!library.registry.findByPath(m.path, null)) library.register(m.path, 'reference');
        library.registry.touch(m.path);
        const backend = engine.backend();
        if (backend) void ctx.bus.publish('inference.backend.selected', { backend: backend.name, gpu: backend.gpu, reason: backend.reason }).catch(() => undefined);
        void ctx.bus.publish('inference.model.loaded', { path: m.path, backend: backend?.name ?? 'cpu', contextSize: m.context?.contextSize ?? 0, purpose }).catch(() => undefined);
        ctx.log.info(`${purpose} model loaded: ${m.path}`);
      },
      onUnloaded: (path: string, reason: string) => {
        void ctx.bus.publish('inference.model.unloaded', { path, reason }).catch(() => undefined);
      },
      onProgress: (path: string, progress: number) => {
        // one event per tenth: enough for a progress bar, not a flood
        const step = Math.floor(progress * 10);
        if (step === lastStep.value) return;
        lastStep.value = step;
        void ctx.bus.publish('inference.model.loading', { path, progress, purpose }).catch(() => undefined);
      },
    });
    const idleUnloadMs = ctx.config.idleUnloadMinutes * 60_000;
    const chat = createModelSlot({ engine, purpose: 'chat', idleUnloadMs, log: ctx.log, ...slotEvents('chat') });
    const embedder = ctx.config.embeddingModelPath ? createModelSlot({ engine, purpose: 'embedding', idleUnloadMs, log: ctx.log, ...slotEvents('embedding') }) : null;

    const remote = ctx.config.provider === 'remote' && ctx.config.remote ? createRemoteEngine(ctx.config.remote) : null;

    const status = (): InferenceStatus => {
      if (remote && ctx.config.remote) {
        const r = ctx.config.remote;
        return {
          state: 'ready', loadProgress: null, error: null,
          model: { path: `remote:${r.model}`, name: r.model, architecture: null, fileBytes: 0, trainedContextLength: null, contextSize: 0, parallelSequences: 0, embeddingLength: null, chatTemplate: 'applied by the server' },
          embeddingModel: r.embeddingModel ? { path: `remote:${r.embeddingModel}`, state: 'ready', dims: null } : null,
          backend: { name: 'remote', gpu: null, reason: `inference runs on ${remote.describe()}`, threads: 0 },
        };
      }
      const c = chat.state();
      const m = chat.loaded;
      const e = embedder?.state();
      return {
        state: c.state,
        loadProgress: c.progress,
        model: m
          ? {
              path: m.path,
              name: m.summary.name,
              architecture: m.summary.architecture,
              fileBytes: m.summary.fileBytes,
              trainedContextLength: m.summary.contextLength,
              contextSize: m.context?.contextSize ?? 0,
              parallelSequences: m.pool?.size ?? 0,
              embeddingLength: m.summary.embeddingLength,
              chatTemplate: engine.chatTemplateName(m),
            }
          : null,
        embeddingModel: embedder && e ? { path: e.path ?? (ctx.config.embeddingModelPath as string), state: e.state, dims: embedder.loaded?.summary.embeddingLength ?? null } : null,
        backend: engine.backend(),
        error: c.error,
      };
    };

    const current = async (): Promise<LoadedModel> => {
      const m = await chat.current();
      if (m) return m;
      const error = chat.lastError();
      throw new PagiError('FAILED_PRECONDITION', error
        ? `no model is loaded (the last load failed: ${error})`
        : 'no model is loaded: start with --model PATH or load a .gguf model first');
    };
    const embeddingModel = async (): Promise<LoadedModel> => (embedder ? ((await embedder.current()) ?? current()) : current());

    // Configured models load in the background so the service is ready (and reports progress) at once.
    if (!remote && ctx.config.modelPath) void chat.load(ctx.config.modelPath).catch(() => undefined);
    if (!remote && embedder && ctx.config.embeddingModelPath) void embedder.load(ctx.config.embeddingModelPath).catch(() => undefined);

    ctx.onDispose(async () => {
      downloads.dispose();
      chat.dispose();
      embedder?.dispose();
      if (chat.loaded) await engine.unload(chat.loaded, 'inference stopped').catch(() => undefined);
      if (embedder?.loaded) await engine.unload(embedder.loaded, 'inference stopped').catch(() => undefined);
      await engine.dispose().catch(() => undefined);
    });

    return {
      api: {
        status: () => status(),
        async diagnose({ probe }) {
          const llama = await engine.llama();
          return diagnose({ llama, gpuSetting: String(ctx.config.gpu), exclude: ctx.config.excludeBackends, threads: ctx.config.threads, chosenReason: engine.backendReason(), probe });
        },
        async load({ path, id }) {
          await chat.load(id ? library.registry.get(id, null).path : resolve(path as string));
          return status();
        },
        async fit({ path, id, contextSize }) {
          return estimateFit(await engine.llama(), id ? library.registry.get(id, null).path : resolve(path as string), contextSize ?? (ctx.config.contextSize === 'auto' ? AUTO_CONTEXT_MAX : ctx.config.contextSize));
        },
        async catalog() {
          const llama = await engine.llama();
          const vram = llama.gpu ? await llama.getVramState() : null;
          const installed = new Set(library.registry.list(null).map((m) => m.fileName));
          return CATALOG.map((entry) => ({
            ...entry,
            fit: fitFromSize({ bytes: entry.approxBytes, backend: llama.gpu || 'cpu', vramFreeBytes: vram?.free ?? null, freeRamBytes: freemem(), contextSize: ctx.config.contextSize === 'auto' ? AUTO_CONTEXT_MAX : ctx.config.contextSize }),
            installed: installed.has(entry.fileName),
          }));
        },
        download({ catalogId, url, fileName, sha256 }) {
          if (catalogId) {
            const entry = CATALOG.find((e) => e.id === catalogId);
            if (!entry) throw new PagiError('NOT_FOUND', `the catalog has no model "${catalogId}" (see \`pagi models catalog\`)`);
            return downloads.start({ uri: entry.uri, fileName: entry.fileName, sha256: entry.sha256, catalogId });
          }
          const name = fileName ?? decodeURIComponent(new URL(url as string).pathname.split('/').pop() ?? '');
          if (!/^[^\\/]+\.gguf$/.test(name)) throw new PagiError('INVALID_INPUT', 'fileName: the URL does not end in a .gguf file name; give fileName');
          return downloads.start({ uri: url as string, fileName: name, sha256: sha256 ?? null, catalogId: null });
        },
        downloads: () => downloads.list(),
        getDownload: ({ id }) => downloads.get(id),
        cancelDownload: ({ id }) => downloads.cancel(id),
        pauseDownload: ({ id }) => downloads.pause(id),
        resumeDownload: ({ id }) => downloads.resume(id),
        listModels: () => library.registry.list(chat.loaded?.path ?? null),
        importModel: ({ path, mode }) => library.import(path, mode, chat.loaded?.path ?? null),
        async removeModel({ id }) {
          const record = library.registry.get(id, chat.loaded?.path ?? null);
          if (record.loaded) await chat.unload('the model was removed');
          if (embedder?.loaded?.path === record.path) await embedder.unload('the model was removed');
          return library.remove(id);
        },
        async unload() {
          await chat.unload('requested');
          return status();
        },
        async generate(input, { emit, signal }) {
          if (remote) {
            // the server keeps its own queue, out of sight: from here the reply starts at once
            emit({ type: 'generating' });
            const out = createTextCoalescer(ctx.config.streamIntervalMs, (text) => emit({ type: 'text', text }));
            try {
              const result = await remote.generate({ ...input, signal, onText: out.push });
              out.flush();
              return { ...result, model: `remote:${ctx.config.remote?.model ?? ''}` };
            } finally {
              out.close();
            }
          }
          const m = await current();
          const out = createTextCoalescer(ctx.config.streamIntervalMs, (text) => emit({ type: 'text', text }));
          try {
            const result = await engine.generate(m, {
              ...input, signal, onText: out.push,
              onWaiting: (ahead) => emit({ type: 'waiting', ahead }),
              onGenerating: () => emit({ type: 'generating' }),
            });
            out.flush();
            library.registry.touch(m.path);
            return { ...result, model: m.path };
          } finally {
            out.close();
          }
        },
        async generateJson({ schema, ...input }, { signal }) {
          const bad = unknownTypeIn(schema);
          if (bad) throw new PagiError('INVALID_INPUT', `${bad}: not a JSON type (use string, number, integer, boolean, null, object or array)`);
          if (remote) {
            const result = await remote.generate({ ...input, tools: [], jsonSchema: schema, signal, onText: () => undefined });
            try {
              return { value: JSON.parse(result.text) as unknown, text: result.text, usage: result.usage, model: `remote:${ctx.config.remote?.model ?? ''}` };
            } catch {
              throw new PagiError('UNAVAILABLE', 'the remote server did not return valid JSON for the schema (does it support response_format json_schema?)');
            }
          }
          const m = await current();
          const grammar = await engine.jsonGrammar(boundJsonSchema(schema, { maxStringLength: 256, maxArrayItems: 32 }));
          const result = await engine.generate(m, { ...input, tools: [], signal, onText: () => undefined, grammar });
          if (result.stopReason === 'cancelled') throw new PagiError('CANCELLED', 'structured generation was cancelled');
          let value: unknown;
          try {
            value = grammar.parse(result.text);
          } catch {
            throw new PagiError('RESOURCE_EXHAUSTED', `the JSON did not finish within ${input.maxTokens} tokens; raise maxTokens or bound the schema's strings and arrays more tightly`);
          }
          return { value, text: result.text, usage: result.usage, model: m.path };
        },
        async embed({ texts }, { signal }) {
          if (remote) {
            const r = await remote.embed(texts, signal);
            return { model: r.model, dims: r.vectors[0]?.length ?? 0, vectors: r.vectors };
          }
          const m = await embeddingModel();
          const vectors = await engine.embed(m, texts);
          return { model: m.path, dims: vectors[0]?.length ?? 0, vectors };
        },
        async countTokens({ text }) {
          if (remote) throw new PagiError('UNSUPPORTED', 'the OpenAI-compatible protocol has no way to count tokens; counts come with each reply');
          const m = await current();
          return { tokens: engine.countTokens(m, text), model: m.path };
        },
        async countTokensMany({ texts }) {
          if (remote) throw new PagiError('UNSUPPORTED', 'the OpenAI-compatible protocol has no way to count tokens; counts come with each reply');
          const m = await current();
          return { counts: texts.map((t) => engine.countTokens(m, t)), model: m.path };
        },
      },
      health: () => ({ ok: true, detail: status().state }),
    };
  },
});
