import { z } from 'zod';
import { call, defineContract } from '../../contracts/contract.js';
import { actorSchema, episodeKindSchema, episodeSchema, padSchema } from '../../contracts/domain.js';

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

export const episodicMemoryContract = defineContract('memory.episodic', {
  store: call(newEpisodeSchema, episodeSchema),
  /** An import batch: stored in one transaction, all or none. */
  storeMany: call(z.object({ episodes: z.array(newEpisodeSchema).min(1).max(2_000) }), z.object({ ids: z.array(z.string()) })),
  get: call(z.object({ id: z.string() }), episodeSchema),
  search: call(
    z.object({ query: z.string().max(10_000), limit: z.number().int().min(1).max(500).default(10), sessionId: z.string().optional(), touch: z.boolean().default(false) }),
    z.array(z.object({ episode: episodeSchema, score: z.number() })),
  ),
  range: call(
    z.object({
      from: z.iso.datetime({ offset: true }).optional(),
      to: z.iso.datetime({ offset: true }).optional(),
      sessionId: z.string().optional(),
      limit: z.number().int().min(1).max(10_000).default(100),
      order: z.enum(['asc', 'desc']).default('asc'),
    }),
    z.array(episodeSchema),
  ),
  adjustImportance: call(
    /** `opId` makes the change idempotent: a retried or redelivered adjustment is applied once. */
    z.object({ id: z.string(), delta: z.number().min(-1).max(1), opId: z.string().min(1).max(200).optional() }),
    z.object({ id: z.string(), importance: z.number(), applied: z.boolean() }),
  ),
  count: call(z.object({}).default({}), z.object({ episodes: z.number().int() })),
});
