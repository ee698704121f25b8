import { z } from 'zod';
import { call, type ClientOf, type Contract } from '../../contracts/contract.js';
import { changeActorSchema, memoryChangeSchema } from '../../contracts/domain.js';

export const idInput = z.object({ id: z.string().min(1).max(100) });
/** Who asks for a change; a person, unless a procedure says otherwise. */
export const byUser = { by: changeActorSchema.default('user') };

/** Weights of the hybrid score (config `search.weights`; a request may override them). */
export const weightsSchema = z.object({
  bm25: z.number().min(0).max(10),
  vector: z.number().min(0).max(10),
  recency: z.number().min(0).max(10),
  importance: z.number().min(0).max(10),
  salience: z.number().min(0).max(10),
});

export const embeddingStatusSchema = z.object({
  model: z.string().nullable(),
  dims: z.number().int().nullable(),
  embedded: z.number().int(),
  total: z.number().int(),
  state: z.enum(['idle', 'embedding', 'waiting-for-model', 'failed']),
  note: z.string().nullable(),
});

/** Which signals took part in a search: BM25 and vectors, or one of them alone. */
export const searchModeSchema = z.enum(['hybrid', 'lexical', 'vector']);

/** Config both tiers read the same way (the tier wiring's embedding timeouts). */
export const embeddingConfigShape = {
  /** A query is embedded within this, or searched without its vector. */
  queryEmbedTimeoutMs: z.number().int().min(50).default(1_500),
  embedBatchTimeoutMs: z.number().int().min(100).default(60_000),
  embedRetryMs: z.number().int().min(100).default(60_000),
};

/** A change to one memory and the memory as it is after it (null change: nothing differed). */
export const changedSchema = <M extends z.ZodType>(memory: M) => z.object({ memory, change: memoryChangeSchema.nullable() });

export interface TierProcedureSpec<M extends z.ZodType, H extends z.ZodType, SI extends z.ZodRawShape, SO extends z.ZodRawShape> {
  /** One memory of the tier (an episode, a fact). */
  memory: M;
  /** One search hit (the memory, its score and the score's parts). */
  hit: H;
  /** The tier's own search parameters and result fields, beside `query`, `limit`, `touch` and `hits`, `mode`, `notes`, `tookMs`. */
  search: { input: SI; output: SO };
}

/**
 * The procedures every memory tier has, with the same names, parameters and result shapes, so that
 * a caller (the tRPC router, a tool) can treat the tiers alike. A tier's contract spreads these and
 * adds its own.
 */
export function memoryTierProcedures<M extends z.ZodType, H extends z.ZodType, SI extends z.ZodRawShape, SO extends z.ZodRawShape>(spec: TierProcedureSpec<M, H, SI, SO>) {
  return {
    get: call(idInput, spec.memory),
    pin: call(idInput.extend({ pinned: z.boolean().default(true), ...byUser }), changedSchema(spec.memory)),
    /** Removes the memory; the history keeps its content so `undo` can restore it. */
    delete: call(idInput.extend(byUser), memoryChangeSchema),
    /** Hard delete: text, index, vector and every copy in the history are removed. Cannot be undone. */
    forget: call(idInput.extend(byUser), memoryChangeSchema),
    history: call(idInput, z.array(memoryChangeSchema)),
    change: call(idInput, memoryChangeSchema),
    changes: call(z.object({ limit: z.number().int().min(1).max(1_000).default(50) }), z.array(memoryChangeSchema)),
    /** Any change whose fields nothing later touched; undoing an undo redoes. */
    undo: call(z.object({ changeId: z.string().min(1).max(100), ...byUser }), memoryChangeSchema),
    embeddingStatus: call(z.object({}).default({}), embeddingStatusSchema),
    /**
     * Hybrid search; each hit carries its score breakdown, `mode` and `notes` say which signals took
     * part and why. `touch` counts the hits as used (access count, last access).
     */
    search: call(
      z.object({
        query: z.string().max(10_000),
        limit: z.number().int().min(1).max(500).default(10),
        touch: z.boolean().default(false),
      }).extend(spec.search.input),
      z.object({ hits: z.array(spec.hit), mode: searchModeSchema, notes: z.array(z.string()), tookMs: z.number() }).extend(spec.search.output),
    ),
  };
}

type NoExtras = Record<never, never>;
type SharedProcedures = ReturnType<typeof memoryTierProcedures<z.ZodType, z.ZodType, NoExtras, NoExtras>>;

/** What a caller may do with either tier through the shared procedures (both tiers' clients are one). */
export type MemoryTierClient = ClientOf<Contract<string, SharedProcedures>>;
export type MemoryTierName = 'episodic' | 'semantic';
