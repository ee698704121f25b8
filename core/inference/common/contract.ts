import { z } from 'zod';
import { call, defineContract, stream } from '../../contracts/contract.js';
import { chatMessageSchema, modelToolCallSchema, usageSchema } from '../../contracts/domain.js';
import { catalogEntrySchema } from './catalog.js';
import { diagnosisSchema } from './diagnosis.js';
import { downloadRecordSchema } from './download.js';
import { fitSchema } from './fit.js';
import { modelRecordSchema } from './modelRecord.js';

export const toolSchemaSchema = z.object({
  name: z.string().regex(/^[a-zA-Z][a-zA-Z0-9_.]{0,63}$/, 'tool names are letters, digits, "_" and "."'),
  description: z.string().max(2000).default(''),
  parameters: z.record(z.string(), z.unknown()).optional(),
});

export const modelInfoSchema = z.object({
  path: z.string(),
  name: z.string().nullable(),
  architecture: z.string().nullable(),
  fileBytes: z.number(),
  trainedContextLength: z.number().nullable(),
  /** Tokens of context each generation has (every parallel sequence has its own). */
  contextSize: z.number().int(),
  /** Generations that run at once; more wait in line (0: the remote server decides). */
  parallelSequences: z.number().int().min(0),
  embeddingLength: z.number().nullable(),
  chatTemplate: z.string(),
});

export const inferenceStatusSchema = z.object({
  state: z.enum(['no-model', 'loading', 'ready', 'error', 'idle-unloaded']),
  /** 0–1 while loading. */
  loadProgress: z.number().min(0).max(1).nullable(),
  model: modelInfoSchema.nullable(),
  /** A separate model for embeddings, when one is configured. */
  embeddingModel: z.object({ path: z.string(), state: z.string(), dims: z.number().nullable() }).nullable(),
  backend: z.object({ name: z.string(), gpu: z.string().nullable(), reason: z.string(), threads: z.number().int() }).nullable(),
  error: z.string().nullable(),
});
export type InferenceStatus = z.infer<typeof inferenceStatusSchema>;

/**
 * Sampling beyond temperature; each absent means the engine's own default. topK 0 and minP 0 turn
 * that filter off; repeatPenalty 1 is no penalty.
 */
export const samplingShape = {
  topP: z.number().gt(0, 'topP is above 0 (1 keeps every token)').max(1).optional(),
  topK: z.number().int().min(0).max(1_000).optional(),
  minP: z.number().min(0).max(1).optional(),
  repeatPenalty: z.number().min(1).max(2).optional(),
};
export interface Sampling { topP?: number | undefined; topK?: number | undefined; minP?: number | undefined; repeatPenalty?: number | undefined }

export const generateInputSchema = z.object({
  /** Ending with an assistant message: that reply is carried on (Continue), not answered. */
  messages: z.array(chatMessageSchema).min(1).max(1_000),
  maxTokens: z.number().int().min(1).max(32_768).default(256),
  temperature: z.number().min(0).max(2).default(0.7),
  seed: z.number().int().min(0).optional(),
  tools: z.array(toolSchemaSchema).max(64).default([]),
  ...samplingShape,
});

export const generateChunkSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('text'), text: z.string() }),
  /** Queued behind `ahead` other generations; sent when queued and whenever the position changes. */
  z.object({ type: z.literal('waiting'), ahead: z.number().int().min(0) }),
  /** A sequence is free and generation starts (always sent once, before the first text). */
  z.object({ type: z.literal('generating') }),
]);
export type GenerateChunk = z.infer<typeof generateChunkSchema>;

export const inferenceContract = defineContract('inference', {
  status: call(z.object({}).default({}), inferenceStatusSchema),
  /** The hardware doctor: chosen backend and why, why the others are not used, devices, memory, advice. */
  diagnose: call(z.object({ probe: z.boolean().default(false) }).default({ probe: false }), diagnosisSchema),
  load: call(
    z.object({ path: z.string().min(1).max(4096).optional(), id: z.string().min(1).max(100).optional() })
      .refine((v) => (v.path === undefined) !== (v.id === undefined), { message: 'give either path (a .gguf file) or id (an installed model)' }),
    inferenceStatusSchema,
  ),
  /** Will a model fit here, how many layers go to the GPU, how fast: before loading it. */
  fit: call(
    z.object({ path: z.string().min(1).max(4096).optional(), id: z.string().min(1).max(100).optional(), contextSize: z.number().int().min(256).max(1_048_576).optional() })
      .refine((v) => (v.path === undefined) !== (v.id === undefined), { message: 'give either path (a .gguf file) or id (an installed model)' }),
    fitSchema,
  ),
  catalog: call(z.object({}).default({}), z.array(catalogEntrySchema.extend({ fit: fitSchema, installed: z.boolean() }))),
  download: call(
    z.object({
      catalogId: z.string().min(1).max(200).optional(),
      url: z.url({ protocol: /^https?$/, message: 'url must be an http(s) URL of a .gguf file' }).optional(),
      fileName: z.string().regex(/^[^\\/]+\.gguf$/, 'fileName must be a plain file name ending in .gguf').optional(),
      sha256: z.string().regex(/^[0-9a-f]{64}$/, 'sha256 must be 64 lowercase hex digits').optional(),
    }).refine((v) => (v.catalogId === undefined) !== (v.url === undefined), { message: 'give either catalogId (see the catalog) or url' }),
    downloadRecordSchema,
  ),
  downloads: call(z.object({}).default({}), z.array(downloadRecordSchema)),
  getDownload: call(z.object({ id: z.string().min(1).max(100) }), downloadRecordSchema),
  cancelDownload: call(z.object({ id: z.string().min(1).max(100) }), downloadRecordSchema),
  /** Stops the transfer and keeps what arrived; `resumeDownload` asks the server only for the rest. */
  pauseDownload: call(z.object({ id: z.string().min(1).max(100) }), downloadRecordSchema),
  resumeDownload: call(z.object({ id: z.string().min(1).max(100) }), downloadRecordSchema),
  listModels: call(z.object({}).default({}), z.array(modelRecordSchema)),
  importModel: call(
    z.object({
      path: z.string().min(1).max(4096),
      /**
       * `reference` uses the file where it is; `copy` copies it into the app's models folder; `move`
       * renames it there (no second copy of many GB: for a file the app staged itself, an upload),
       * copying and then removing it where the models folder is on another file system.
       */
      mode: z.enum(['reference', 'copy', 'move']).default('reference'),
    }),
    modelRecordSchema,
  ),
  removeModel: call(z.object({ id: z.string().min(1).max(100) }), z.object({ removed: z.boolean(), deletedFile: z.boolean() })),
  unload: call(z.object({}).default({}), inferenceStatusSchema),
  /**
   * Generations share the chat context's sequences and wait in line (first come, first served) when
   * all are busy; more than 256 waiting fail at once with RESOURCE_EXHAUSTED.
   */
  generate: stream(
    generateInputSchema,
    generateChunkSchema,
    z.object({
      text: z.string(),
      stopReason: z.enum(['eos', 'max-tokens', 'stop-trigger', 'tool-calls', 'cancelled']),
      /** Each with an id its answer refers to (the server's, or one made here). */
      toolCalls: z.array(modelToolCallSchema),
      usage: usageSchema,
      model: z.string(),
    }),
  ),
  /** Output constrained by a JSON schema (grammar): always valid JSON that matches it, even from tiny models. */
  generateJson: call(
    generateInputSchema.omit({ tools: true }).extend({
      schema: z.record(z.string(), z.unknown()),
      temperature: z.number().min(0).max(2).default(0),
      maxTokens: z.number().int().min(1).max(32_768).default(1_024),
    }),
    z.object({ value: z.unknown(), text: z.string(), usage: usageSchema, model: z.string() }),
  ),
  embed: call(
    z.object({ texts: z.array(z.string().max(100_000)).min(1).max(256) }),
    z.object({ model: z.string(), dims: z.number().int(), vectors: z.array(z.array(z.number())) }),
  ),
  countTokens: call(z.object({ text: z.string().max(1_000_000) }), z.object({ tokens: z.number().int(), model: z.string() })),
  /** Token counts with the loaded model's tokenizer, for budgets (context packing, working memory). */
  countTokensMany: call(z.object({ texts: z.array(z.string().max(1_000_000)).max(2_000) }), z.object({ counts: z.array(z.number().int()), model: z.string() })),
});
