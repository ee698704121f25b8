import { z } from 'zod';
import { call, defineContract } from '../../contracts/contract.js';
import { memoryTierSchema, provenanceSchema, scoreBreakdownSchema } from '../../contracts/domain.js';

export const contextItemSchema = z.object({
  tier: memoryTierSchema,
  id: z.string(),
  text: z.string(),
  role: z.enum(['user', 'assistant', 'system', 'tool']).nullable(),
  time: z.string().nullable(),
  score: z.number(),
  /** The hybrid score's parts (null for working-memory turns, which are included by recency alone). */
  scores: scoreBreakdownSchema.nullable(),
  tokens: z.number().int(),
});

export const contextContract = defineContract('context', {
  build: call(
    z.object({
      sessionId: z.string().min(1).max(200),
      query: z.string().max(100_000),
      budgetTokens: z.number().int().min(16).max(1_000_000).default(1_024),
      /** Ids to leave out (e.g. the turn being answered, already in the prompt). */
      exclude: z.array(z.string()).max(1_000).default([]),
    }),
    z.object({
      recent: z.array(contextItemSchema),
      recalled: z.array(contextItemSchema),
      provenance: z.array(provenanceSchema),
      usedTokens: z.number().int(),
      budgetTokens: z.number().int(),
      degraded: z.array(z.string()),
      timings: z.object({ workingMs: z.number(), episodicMs: z.number(), semanticMs: z.number(), countMs: z.number(), packMs: z.number(), totalMs: z.number() }),
    }),
  ),
});
