import { z } from 'zod';
import { call, defineContract } from '../../contracts/contract.js';
import { actorSchema, changeActorSchema, episodeKindSchema, episodeSchema, isoTime, padSchema, scoreBreakdownSchema } from '../../contracts/domain.js';
import { byUser, changedSchema, idInput, memoryTierProcedures, weightsSchema } from '../../memory-kit/common/tierContract.js';

// the settings router reads the weights' schema from the tier it configures
export { weightsSchema };

export const newEpisodeSchema = z.object({
  sessionId: z.string().min(1).max(200),
  actor: actorSchema,
  kind: episodeKindSchema.default('message'),
  text: z.string().min(1).max(200_000),
  time: isoTime.optional(),
  mood: padSchema.nullable().default(null),
  importance: z.number().min(0).max(1).default(0.5),
  ref: z.string().max(500).nullable().default(null),
});

export const episodeHitSchema = z.object({ episode: episodeSchema, score: z.number(), scores: scoreBreakdownSchema });

/**
 * Search is hybrid: BM25 over the text, speaker and neighbouring turns, vector similarity when the
 * memory has embeddings, recency, importance and emotional salience, fused and diversified (MMR);
 * time expressions in the query ("in June") become `timeRange`.
 */
export const episodicMemoryContract = defineContract('memory.episodic', {
  ...memoryTierProcedures({
    memory: episodeSchema,
    hit: episodeHitSchema,
    search: {
      input: {
        sessionId: z.string().optional(),
        weights: weightsSchema.partial().optional(),
        /** Reference time for recency and "last week" (defaults to now). */
        now: isoTime.optional(),
      },
      output: { timeRange: z.object({ from: z.string(), to: z.string(), phrase: z.string() }).nullable() },
    },
  }),
  store: call(newEpisodeSchema.extend({ by: changeActorSchema.default('twin') }), episodeSchema),
  /** An import batch: stored in one transaction, all or none. */
  storeMany: call(z.object({ episodes: z.array(newEpisodeSchema).min(1).max(2_000), by: changeActorSchema.default('import') }), z.object({ ids: z.array(z.string()) })),
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
      ...byUser,
    }),
    changedSchema(episodeSchema),
  ),
  adjustImportance: call(
    /** `opId` makes the change idempotent: a retried or redelivered adjustment is applied once. */
    z.object({ id: z.string(), delta: z.number().min(-1).max(1), opId: z.string().min(1).max(200).optional() }),
    z.object({ id: z.string(), importance: z.number(), applied: z.boolean() }),
  ),
  count: call(z.object({}).default({}), z.object({ episodes: z.number().int() })),
  sessions: call(z.object({}).default({}), z.array(z.object({ sessionId: z.string(), episodes: z.number().int(), first: z.string(), last: z.string() }))),
});
