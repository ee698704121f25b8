import { z } from 'zod';
import { call, defineContract } from '../../contracts/contract.js';
import { factSchema } from '../../contracts/domain.js';

export const factHitSchema = z.object({ fact: factSchema, score: z.number(), via: z.enum(['vector', 'lexical']) });

export const semanticMemoryContract = defineContract('memory.semantic', {
  addFact: call(
    z.object({
      text: z.string().trim().min(1).max(20_000),
      confidence: z.number().min(0).max(1).default(0.8),
      pinned: z.boolean().default(false),
      sourceEpisodeIds: z.array(z.string()).max(1_000).default([]),
    }),
    factSchema,
  ),
  get: call(z.object({ id: z.string() }), factSchema),
  delete: call(z.object({ id: z.string() }), z.object({ deleted: z.boolean() })),
  list: call(z.object({ limit: z.number().int().min(1).max(10_000).default(100), offset: z.number().int().min(0).default(0) }), z.array(factSchema)),
  search: call(
    z.object({ query: z.string().max(10_000), k: z.number().int().min(1).max(200).default(8) }),
    z.object({ hits: z.array(factHitSchema), mode: z.enum(['vector', 'lexical']), note: z.string().nullable() }),
  ),
  embeddingInfo: call(z.object({}).default({}), z.object({ model: z.string().nullable(), dims: z.number().int().nullable(), embedded: z.number().int(), total: z.number().int() })),
});
