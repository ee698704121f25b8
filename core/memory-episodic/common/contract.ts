import { z } from 'zod';
import { call, defineContract } from '../../contracts/contract.js';
import { actorSchema, changeActorSchema, episodeKindSchema, episodeSchema, memoryChangeSchema, padSchema, scoreBreakdownSchema } from '../../contracts/domain.js';

export const newEpisodeSchema = z.object({
  sessionId: z.string().min(1).max(200),
  actor: actorSchema,
  kind: episodeKindSchema.default('message'),
  text: z.string().min(1).max(200_000),
  time: z.iso.datetime({ offset: true }).optional(),
  mood: padSchema.nullable().default(null),
  importance: z.number().min(0).max(1).default(0.5),
  ref: z.string().max(500).nullable().default(null),
});

const idInput = z.object({ id: z.string().min(1).max(100) });
const byInput = { by: changeActorSchema.default('user') };
const isoTime = z.iso.datetime({ offset: true, message: 'use an ISO 8601 date-time, e.g. 2024-06-01T10:00:00Z' });

export const episodeHitSchema = z.object({ episode: episodeSchema, score: z.number(), scores: scoreBreakdownSchema });

export const embeddingStatusSchema = z.object({
  model: z.string().nullable(),
  dims: z.number().int().nullable(),
  embedded: z.number().int(),
  total: z.number().int(),
  state: z.enum(['idle', 'embedding', 'waiting-for-model', 'failed']),
  note: z.string().nullable(),
});

/** Weights of the hybrid score (config `search.weights`; a request may override them). */
export const weightsSchema = z.object({
  bm25: z.number().min(0).max(10),
  vector: z.number().min(0).max(10),
  recency: z.number().min(0).max(10),
  importance: z.number().min(0).max(10),
  salience: z.number().min(0).max(10),
});

export const episodicMemoryContract = defineContract('memory.episodic', {
  store: call(newEpisodeSchema.extend({ by: changeActorSchema.default('twin') }), episodeSchema),
  /** An import batch: stored in one transaction, all or none. */
  storeMany: call(z.object({ episodes: z.array(newEpisodeSchema).min(1).max(2_000), by: changeActorSchema.default('import') }), z.object({ ids: z.array(z.string()) })),
  get: call(idInput, episodeSchema),
  /**
   * Hybrid search: BM25 over the text, speaker and neighbouring turns, vector similarity when the
   * memory has embeddings, recency, importance and emotional salience, fused and diversified (MMR).
   * Each hit carries its score breakdown; `mode` and `notes` say which signals took part and why.
   */
  search: call(
    z.object({
      query: z.string().max(10_000),
      limit: z.number().int().min(1).max(500).default(10),
      sessionId: z.string().optional(),
      touch: z.boolean().default(false),
      weights: weightsSchema.partial().optional(),
      /** Reference time for recency and "last week" (defaults to now). */
      now: isoTime.optional(),
    }),
    z.object({
      hits: z.array(episodeHitSchema),
      mode: z.enum(['hybrid', 'lexical', 'vector']),
      timeRange: z.object({ from: z.string(), to: z.string(), phrase: z.string() }).nullable(),
      notes: z.array(z.string()),
      tookMs: z.number(),
    }),
  ),
  range: call(
    z.object({
      from: isoTime.optional(),
      to: isoTime.optional(),
      sessionId: z.string().optional(),
      actor: z.string().max(120).optional(),
      kind: episodeKindSchema.optional(),
      limit: z.number().int().min(1).max(10_000).default(100),
      offset: z.number().int().min(0).default(0),
      order: z.enum(['asc', 'desc']).default('asc'),
    }),
    z.array(episodeSchema),
  ),
  /** What happened around a moment: up to `count` episodes before and after it. */
  around: call(z.object({ time: isoTime, count: z.number().int().min(1).max(200).default(5), sessionId: z.string().optional() }), z.array(episodeSchema)),
  edit: call(
    idInput.extend({
      text: z.string().trim().min(1).max(200_000).optional(),
      actor: actorSchema.optional(),
      kind: episodeKindSchema.optional(),
      time: isoTime.optional(),
      importance: z.number().min(0).max(1).optional(),
      ...byInput,
    }),
    z.object({ episode: episodeSchema, change: memoryChangeSchema.nullable() }),
  ),
  pin: call(idInput.extend({ pinned: z.boolean().default(true), ...byInput }), z.object({ episode: episodeSchema, change: memoryChangeSchema.nullable() })),
  /** Removes the episode; the history keeps its content so `undo` can restore it. */
  delete: call(idInput.extend(byInput), memoryChangeSchema),
  /** Hard delete: text, index, vector and every copy in the history are removed. Cannot be undone. */
  forget: call(idInput.extend(byInput), memoryChangeSchema),
  history: call(idInput, z.array(memoryChangeSchema)),
  change: call(z.object({ id: z.string().min(1).max(100) }), memoryChangeSchema),
  changes: call(z.object({ limit: z.number().int().min(1).max(1_000).default(50) }), z.array(memoryChangeSchema)),
  undo: call(z.object({ changeId: z.string().min(1).max(100), ...byInput }), memoryChangeSchema),
  adjustImportance: call(
    /** `opId` makes the change idempotent: a retried or redelivered adjustment is applied once. */
    z.object({ id: z.string(), delta: z.number().min(-1).max(1), opId: z.string().min(1).max(200).optional() }),
    z.object({ id: z.string(), importance: z.number(), applied: z.boolean() }),
  ),
  count: call(z.object({}).default({}), z.object({ episodes: z.number().int() })),
  sessions: call(z.object({}).default({}), z.array(z.object({ sessionId: z.string(), episodes: z.number().int(), first: z.string(), last: z.string() }))),
  embeddingStatus: call(z.object({}).default({}), embeddingStatusSchema),
});
