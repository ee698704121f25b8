import { PagiError } from '../../contracts/errors.js';
import type { BusClient } from '../../runtime/common/busClient.js';
import type { Logger } from '../../runtime/common/defineService.js';
import type { InferenceStatus } from '../common/contract.js';
import { boundJsonSchema } from '../common/jsonSchemaBounds.js';
import type { InferenceEngine } from './engine.js';
import type { LlamaEngine, LoadedModel } from './llamaEngine.js';
import { createModelSlot, type ModelSlot } from './modelSlot.js';

/** Every string and array in a JSON schema gets these bounds unless it has its own, so the JSON always finishes. */
const JSON_BOUNDS = { maxStringLength: 256, maxArrayItems: 32 };

export interface LocalEngineOptions {
  llama: LlamaEngine;
  /** Loaded in the background at start, so the service is ready (and reports progress) at once. */
  modelPath?: string | undefined;
  /** A separate model for embeddings; without one, the chat model embeds. */
  embeddingModelPath?: string | undefined;
  /** Unload after this long unused (0 = never); the next use loads it again. */
  idleUnloadMs: number;
  bus: BusClient;
  log: Logger;
  /** The model library: a loaded file is registered (if new) and marked used; each generation marks it used. */
  models: { loaded(path: string): void; used(path: string): void };
}

/** Load, unload and progress of a slot as bus events; a loaded file goes into the model library. */
function slotEvents(opts: LocalEngineOptions, purpose: 'chat' | 'embedding') {
  // one event per tenth: enough for a progress bar, not a flood
  let lastStep = -1;
  return {
    onLoaded: (m: LoadedModel) => {
      opts.models.loaded(m.path);
      const backend = opts.llama.backend();
      if (backend) void opts.bus.publish('inference.backend.selected', { backend: backend.name, gpu: backend.gpu, reason: backend.reason }).catch(() => undefined);
      void opts.bus.publish('inference.model.loaded', { path: m.path, backend: backend?.name ?? 'cpu', contextSize: m.context?.contextSize ?? 0, purpose }).catch(() => undefined);
      opts.log.info(`${purpose} model loaded: ${m.path}`);
    },
    onUnloaded: (path: string, reason: string) => {
      void opts.bus.publish('inference.model.unloaded', { path, reason }).catch(() => undefined);
    },
    onProgress: (path: string, progress: number) => {
      const step = Math.floor(progress * 10);
      if (step === lastStep) return;
      lastStep = step;
      void opts.bus.publish('inference.model.loading', { path, progress, purpose }).catch(() => undefined);
    },
  };
}

/** The contract's status of the local models: the chat slot's state, and the embedding slot's when there is one. */
function localStatus(llama: LlamaEngine, chat: ModelSlot, embedder: ModelSlot | null, embeddingModelPath: string | undefined): InferenceStatus {
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
          chatTemplate: llama.chatTemplateName(m),
        }
      : null,
    embeddingModel: embedder && e ? { path: e.path ?? (embeddingModelPath as string), state: e.state, dims: embedder.loaded?.summary.embeddingLength ?? null } : null,
    backend: llama.backend(),
    error: c.error,
  };
}

/**
 * This machine's node-llama-cpp as an inference engine: the chat model and an optional embedding
 * model in model slots (load with progress events, replace, idle unload), generations through the
 * context's sequence pool and its fair queue, JSON through a bounded grammar.
 */
export function createLocalEngine(opts: LocalEngineOptions): InferenceEngine {
  const { llama } = opts;
  const slot = (purpose: 'chat' | 'embedding'): ModelSlot => createModelSlot({ engine: llama, purpose, idleUnloadMs: opts.idleUnloadMs, log: opts.log, ...slotEvents(opts, purpose) });
  const chat = slot('chat');
  const embedder = opts.embeddingModelPath ? slot('embedding') : null;

  const current = async (): Promise<LoadedModel> => {
    const m = await chat.current();
    if (m) return m;
    const error = chat.lastError();
    throw new PagiError('FAILED_PRECONDITION', error
      ? `no model is loaded (the last load failed: ${error})`
      : 'no model is loaded: start with --model PATH or load a .gguf model first');
  };
  const embeddingModel = async (): Promise<LoadedModel> => (embedder ? ((await embedder.current()) ?? current()) : current());

  if (opts.modelPath) void chat.load(opts.modelPath).catch(() => undefined);
  if (embedder && opts.embeddingModelPath) void embedder.load(opts.embeddingModelPath).catch(() => undefined);

  return {
    status: () => localStatus(llama, chat, embedder, opts.embeddingModelPath),
    async load(path) {
      await chat.load(path);
    },
    unload: (reason) => chat.unload(reason),
    loadedPath: () => chat.loaded?.path ?? null,
    async release(path, reason) {
      if (chat.loaded?.path === path) await chat.unload(reason);
      if (embedder?.loaded?.path === path) await embedder.unload(reason);
    },
    async generate(input, { emit, signal }) {
      const m = await current();
      const result = await llama.generate(m, {
        ...input, signal,
        onText: (text) => emit({ type: 'text', text }),
        onWaiting: (ahead) => emit({ type: 'waiting', ahead }),
        onGenerating: () => emit({ type: 'generating' }),
      });
      opts.models.used(m.path);
      return { ...result, model: m.path };
    },
    async generateJson({ schema, ...input }, signal) {
      const m = await current();
      const grammar = await llama.jsonGrammar(boundJsonSchema(schema, JSON_BOUNDS));
      const result = await llama.generate(m, { ...input, tools: [], signal, onText: () => undefined, grammar });
      if (result.stopReason === 'cancelled') throw new PagiError('CANCELLED', 'structured generation was cancelled');
      let value: unknown;
      try {
        value = grammar.parse(result.text);
      } catch {
        throw new PagiError('RESOURCE_EXHAUSTED', `the JSON did not finish within ${input.maxTokens} tokens; raise maxTokens or bound the schema's strings and arrays more tightly`);
      }
      return { value, text: result.text, usage: result.usage, model: m.path };
    },
    async embed(texts) {
      const m = await embeddingModel();
      const vectors = await llama.embed(m, texts);
      return { model: m.path, dims: vectors[0]?.length ?? 0, vectors };
    },
    async countTokens(text) {
      const m = await current();
      return { tokens: llama.countTokens(m, text), model: m.path };
    },
    async countTokensMany(texts) {
      const m = await current();
      return { counts: texts.map((t) => llama.countTokens(m, t)), model: m.path };
    },
    async dispose() {
      chat.dispose();
      embedder?.dispose();
      if (chat.loaded) await llama.unload(chat.loaded, 'inference stopped').catch(() => undefined);
      if (embedder?.loaded) await llama.unload(embedder.loaded, 'inference stopped').catch(() => undefined);
    },
  };
}
