import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { PagiError } from '../../contracts/errors.js';
import { defineService } from '../../runtime/common/defineService.js';
import { openServiceDatabase } from '../../runtime/node/migrations.js';
import { inferenceContract, type InferenceStatus } from '../common/contract.js';
import { boundJsonSchema, unknownTypeIn } from '../common/jsonSchemaBounds.js';
import { createLlamaEngine, type LoadedModel } from './llamaEngine.js';
import { inferenceMigrations } from './migrations.js';
import { createModelLibrary } from './modelLibrary.js';
import { diagnose } from './doctor.js';
import { estimateFit } from './fitEstimate.js';
import { createTextCoalescer } from './textCoalescer.js';

/** On small machines node-llama-cpp's default of at least 4 threads is far slower than 1–2. */
const defaultThreads = (): number => Math.max(1, Math.min(8, Math.floor(availableParallelism() / 2)));

const configSchema = z.object({
  modelPath: z.string().min(1).optional(),
  gpu: z.union([z.enum(['auto', 'cuda', 'vulkan', 'metal']), z.literal(false)]).default('auto'),
  threads: z.number().int().min(1).max(256).default(defaultThreads),
  contextSize: z.number().int().min(256).max(1_048_576).default(2048),
  /** With gpu "auto": backends never to use, e.g. ["vulkan"] on a machine whose Vulkan driver misbehaves. */
  excludeBackends: z.array(z.enum(['cuda', 'vulkan', 'metal'])).max(3).default([]),
  gpuLayers: z.union([z.literal('auto'), z.number().int().min(0)]).default('auto'),
  flashAttention: z.union([z.literal('auto'), z.boolean()]).default('auto'),
  /** Quantized KV cache (less memory for long contexts, slightly lower quality) where the backend supports it. */
  kvCacheType: z.enum(['F16', 'Q8_0', 'Q4_0']).default('F16'),
  /** Milliseconds between streamed chunks: tokens are coalesced so per-token cost stays small. */
  streamIntervalMs: z.number().int().min(0).max(1_000).default(16),
});

export default defineService({
  id: 'inference',
  contract: inferenceContract,
  configSchema,
  async start(ctx) {
    const db = openServiceDatabase(ctx.paths.twinDir, 'models.db', inferenceMigrations);
    const library = createModelLibrary({ db, modelsDir: join(ctx.paths.dataDir, 'models'), bus: ctx.bus, log: ctx.log, signal: ctx.signal });
    library.kickHashing(); // checksums interrupted by a restart
    const engine = createLlamaEngine({
      gpu: ctx.config.gpu, exclude: ctx.config.excludeBackends, threads: ctx.config.threads, contextSize: ctx.config.contextSize,
      gpuLayers: ctx.config.gpuLayers, flashAttention: ctx.config.flashAttention, kvCacheType: ctx.config.kvCacheType, log: ctx.log,
    });

    let loaded: LoadedModel | null = null;
    let loading: Promise<LoadedModel> | null = null;
    let lastError: string | null = null;
    let busy = 0;
    const slots: Array<() => void> = [];
    const acquire = async (): Promise<() => void> => {
      if (busy >= 2) await new Promise<void>((r) => slots.push(r));
      busy++;
      return () => {
        busy--;
        slots.shift()?.();
      };
    };

    const status = (): InferenceStatus => ({
      state: loading ? 'loading' : loaded ? 'ready' : lastError ? 'error' : 'no-model',
      model: loaded
        ? {
            path: loaded.path,
            name: loaded.summary.name,
            architecture: loaded.summary.architecture,
            fileBytes: loaded.summary.fileBytes,
            trainedContextLength: loaded.summary.contextLength,
            contextSize: loaded.context.contextSize,
            embeddingLength: loaded.summary.embeddingLength,
            chatTemplate: engine.chatTemplateName(loaded),
          }
        : null,
      backend: engine.backend(),
      error: lastError,
    });

    const load = (path: string): Promise<LoadedModel> => {
      const previous = loaded;
      const p = (async () => {
        const next = await engine.load(path);
        if (previous) await engine.unload(previous);
        loaded = next;
        lastError = null;
        if (!library.registry.findByPath(path, null)) library.register(path, 'reference');
        library.registry.touch(path);
        const backend = engine.backend();
        if (backend) void ctx.bus.publish('inference.backend.selected', { backend: backend.name, gpu: backend.gpu, reason: backend.reason }).catch(() => undefined);
        void ctx.bus.publish('inference.model.loaded', { path, backend: backend?.name ?? 'cpu', contextSize: next.context.contextSize }).catch(() => undefined);
        ctx.log.info(`model loaded: ${path}`);
        return next;
      })();
      loading = p;
      p.catch((err: unknown) => {
        lastError = PagiError.from(err).message;
        ctx.log.error(`model load failed: ${lastError}`);
      }).finally(() => {
        if (loading === p) loading = null;
      });
      return p;
    };

    const unload = async (reason: string): Promise<void> => {
      if (loading) await loading.catch(() => undefined);
      if (!loaded) return;
      const m = loaded;
      loaded = null;
      await engine.unload(m);
      void ctx.bus.publish('inference.model.unloaded', { path: m.path, reason }).catch(() => undefined);
    };

    const current = async (): Promise<LoadedModel> => {
      if (loading) return loading;
      if (loaded) return loaded;
      throw new PagiError('FAILED_PRECONDITION', lastError
        ? `no model is loaded (the last load failed: ${lastError})`
        : 'no model is loaded: start with --model PATH or load a .gguf model first');
    };

    // A configured model loads in the background so the service is ready (and reports progress) at once.
    if (ctx.config.modelPath) void load(ctx.config.modelPath).catch(() => undefined);

    return {
      api: {
        status: () => status(),
        async diagnose({ probe }) {
          const llama = await engine.llama();
          return diagnose({ llama, gpuSetting: String(ctx.config.gpu), exclude: ctx.config.excludeBackends, threads: ctx.config.threads, chosenReason: engine.backendReason(), probe });
        },
        async load({ path, id }) {
          await load(id ? library.registry.get(id, null).path : resolve(path as string));
          return status();
        },
        async fit({ path, id, contextSize }) {
          return estimateFit(await engine.llama(), id ? library.registry.get(id, null).path : resolve(path as string), contextSize ?? ctx.config.contextSize);
        },
        listModels: () => library.registry.list(loaded?.path ?? null),
        importModel: ({ path, mode }) => library.import(path, mode, loaded?.path ?? null),
        async removeModel({ id }) {
          const record = library.registry.get(id, loaded?.path ?? null);
          if (record.loaded) await unload('the model was removed');
          return library.remove(id);
        },
        async unload() {
          await unload('requested');
          return status();
        },
        async generate(input, { emit, signal }) {
          const m = await current();
          const release = await acquire();
          const out = createTextCoalescer(ctx.config.streamIntervalMs, (text) => emit({ text }));
          try {
            const result = await engine.generate(m, { ...input, signal, onText: out.push });
            out.flush();
            library.registry.touch(m.path);
            return { ...result, model: m.path };
          } finally {
            out.close();
            release();
          }
        },
        async generateJson({ schema, ...input }, { signal }) {
          const bad = unknownTypeIn(schema);
          if (bad) throw new PagiError('INVALID_INPUT', `${bad}: not a JSON type (use string, number, integer, boolean, null, object or array)`);
          const m = await current();
          const grammar = await engine.jsonGrammar(boundJsonSchema(schema, { maxStringLength: 256, maxArrayItems: 32 }));
          const release = await acquire();
          try {
            const result = await engine.generate(m, { ...input, tools: [], signal, onText: () => undefined, grammar });
            if (result.stopReason === 'cancelled') throw new PagiError('CANCELLED', 'structured generation was cancelled');
            let value: unknown;
            try {
              value = grammar.parse(result.text);
            } catch {
              throw new PagiError('RESOURCE_EXHAUSTED', `the JSON did not finish within ${input.maxTokens} tokens; raise maxTokens or bound the schema's strings and arrays more tightly`);
            }
            return { value, text: result.text, usage: result.usage, model: m.path };
          } finally {
            release();
          }
        },
        async embed({ texts }) {
          const m = await current();
          const vectors = await engine.embed(m, texts);
          return { model: m.path, dims: vectors[0]?.length ?? 0, vectors };
        },
        async countTokens({ text }) {
          const m = await current();
          return { tokens: engine.countTokens(m, text), model: m.path };
        },
      },
      health: () => ({ ok: true, detail: status().state }),
      async dispose() {
        if (loaded) await engine.unload(loaded).catch(() => undefined);
        await engine.dispose().catch(() => undefined);
        db.close();
      },
    };
  },
});
