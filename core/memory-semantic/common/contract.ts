import { z } from 'zod';
import { call, defineContract } from '../../contracts/contract.js';
import { factKindSchema, factSchema, isoTime, memoryChangeSchema, scoreBreakdownSchema } from '../../contracts/domain.js';
import { byUser, changedSchema, idInput, memoryTierProcedures } from '../../memory-kit/common/tierContract.js';

export const factHitSchema = z.object({ fact: factSchema, score: z.number(), scores: scoreBreakdownSchema });

const factText = z.string().trim().min(1, 'a fact needs some text').max(20_000);

export const newFactSchema = z.object({
  text: factText,
  confidence: z.number().min(0).max(1).default(0.8),
  pinned: z.boolean().default(false),
  sourceEpisodeIds: z.array(z.string()).max(1_000).default([]),
  /** When it became true in the world, if known. */
  validFrom: isoTime.nullable().optional(),
  validTo: isoTime.nullable().optional(),
});

export const extractionJobSchema = z.object({
  id: z.string(),
  sessionId: z.string().nullable(),
  episodeIds: z.array(z.string()),
  status: z.enum(['pending', 'running', 'done', 'failed']),
  attempts: z.number().int(),
  error: z.string().nullable(),
  result: z.object({
    added: z.number().int(), updated: z.number().int(), superseded: z.number().int(), unchanged: z.number().int(),
    decisions: z.array(z.object({ proposal: z.string(), action: z.string(), factId: z.string().nullable() })),
  }).nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export const documentSchema = z.object({
  id: z.string(), name: z.string(), mediaType: z.string(), bytes: z.number().int(), sha256: z.string(),
  chunks: z.number().int(), totalChunks: z.number().int(), status: z.enum(['ingesting', 'done', 'failed']), error: z.string().nullable(), createdAt: z.string(),
});

/** Search runs over current beliefs, or those held `asOf`; document chunks take part unless `kinds` leaves them out. */
export const semanticMemoryContract = defineContract('memory.semantic', {
  ...memoryTierProcedures({
    memory: factSchema,
    hit: factHitSchema,
    search: {
      input: {
        /** Search the beliefs held at this time instead of the current ones. */
        asOf: isoTime.optional(),
        kinds: z.array(factKindSchema).min(1).default(['fact', 'chunk']),
      },
      output: {},
    },
  }),
  addFact: call(newFactSchema.extend(byUser), factSchema),
  edit: call(idInput.extend({ text: factText.optional(), confidence: z.number().min(0).max(1).optional(), validFrom: isoTime.nullable().optional(), validTo: isoTime.nullable().optional(), ...byUser }), changedSchema(factSchema)),
  /** The old fact is retired (kept, with a pointer to the new one); the new one becomes current. */
  supersede: call(idInput.extend({ text: factText, confidence: z.number().min(0).max(1).default(0.8), sourceEpisodeIds: z.array(z.string()).max(1_000).default([]), validFrom: isoTime.nullable().optional(), ...byUser }), z.object({ fact: factSchema, retired: factSchema, change: memoryChangeSchema })),
  list: call(
    z.object({ limit: z.number().int().min(1).max(10_000).default(100), offset: z.number().int().min(0).default(0), includeRetired: z.boolean().default(false), kind: factKindSchema.optional(), document: z.string().optional() }),
    z.array(factSchema),
  ),
  /** What the twin believed at a moment: facts learned by then and not retired by then. */
  beliefsAt: call(z.object({ time: isoTime, limit: z.number().int().min(1).max(10_000).default(100) }), z.array(factSchema)),
  ingestDocument: call(z.object({ path: z.string().min(1).max(4_096) }), documentSchema),
  documents: call(z.object({}).default({}), z.array(documentSchema)),
  document: call(idInput, documentSchema),
  /** Queues turns for fact extraction with the loaded model; returns the job (follow it with `extraction`). */
  extract: call(z.object({ episodeIds: z.array(z.string().min(1)).min(1).max(200) }), extractionJobSchema),
  extraction: call(idInput, extractionJobSchema),
  extractions: call(z.object({ status: extractionJobSchema.shape.status.optional(), limit: z.number().int().min(1).max(1_000).default(50) }), z.array(extractionJobSchema)),
  retryExtraction: call(z.object({ id: z.string().min(1).max(100).optional() }), z.object({ requeued: z.number().int() })),
  stats: call(z.object({}).default({}), z.object({ facts: z.number().int(), retired: z.number().int(), chunks: z.number().int(), documents: z.number().int(), extractions: z.record(z.string(), z.number().int()) })),
});
