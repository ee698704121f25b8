import { z } from 'zod';
import { call, defineContract } from '../../contracts/contract.js';
import { changeActorSchema, factKindSchema, factSchema, memoryChangeSchema, scoreBreakdownSchema } from '../../contracts/domain.js';
import { embeddingStatusSchema } from '../../memory-episodic/common/contract.js';

export const factHitSchema = z.object({ fact: factSchema, score: z.number(), scores: scoreBreakdownSchema });

const idInput = z.object({ id: z.string().min(1).max(100) });
const by = changeActorSchema.default('user');
const isoTime = z.iso.datetime({ offset: true, message: 'use an ISO 8601 date-time, e.g. 2024-06-01T10:00:00Z' });
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

const factChange = z.object({ fact: factSchema, change: memoryChangeSchema.nullable() });

export const semanticMemoryContract = defineContract('memory.semantic', {
  addFact: call(newFactSchema.extend({ by }), factSchema),
  get: call(idInput, factSchema),
  edit: call(idInput.extend({ text: factText.optional(), confidence: z.number().min(0).max(1).optional(), validFrom: isoTime.nullable().optional(), validTo: isoTime.nullable().optional(), by }), factChange),
  pin: call(idInput.extend({ pinned: z.boolean().default(true), by }), factChange),
  /** The old fact is retired (kept, with a pointer to the new one); the new one becomes current. */
  supersede: call(idInput.extend({ text: factText, confidence: z.number().min(0).max(1).default(0.8), sourceEpisodeIds: z.array(z.string()).max(1_000).default([]), validFrom: isoTime.nullable().optional(), by }), z.object({ fact: factSchema, retired: factSchema, change: memoryChangeSchema })),
  delete: call(idInput.extend({ by }), memoryChangeSchema),
  /** Hard delete: text, index, vector and its history's copies are removed. Cannot be undone. */
  forget: call(idInput.extend({ by }), memoryChangeSchema),
  history: call(idInput, z.array(memoryChangeSchema)),
  change: call(z.object({ id: z.string().min(1).max(100) }), memoryChangeSchema),
  changes: call(z.object({ limit: z.number().int().min(1).max(1_000).default(50) }), z.array(memoryChangeSchema)),
  undo: call(z.object({ changeId: z.string().min(1).max(100), by }), memoryChangeSchema),
  list: call(
    z.object({ limit: z.number().int().min(1).max(10_000).default(100), offset: z.number().int().min(0).default(0), includeRetired: z.boolean().default(false), kind: factKindSchema.optional(), document: z.string().optional() }),
    z.array(factSchema),
  ),
  /** What the twin believed at a moment: facts learned by then and not retired by then. */
  beliefsAt: call(z.object({ time: isoTime, limit: z.number().int().min(1).max(10_000).default(100) }), z.array(factSchema)),
  search: call(
    z.object({
      query: z.string().max(10_000),
      k: z.number().int().min(1).max(200).default(8),
      /** Search the beliefs held at this time instead of the current ones. */
      asOf: isoTime.optional(),
      kinds: z.array(factKindSchema).min(1).default(['fact', 'chunk']),
      touch: z.boolean().default(false),
    }),
    z.object({ hits: z.array(factHitSchema), mode: z.enum(['hybrid', 'vector', 'lexical']), notes: z.array(z.string()), tookMs: z.number() }),
  ),
  ingestDocument: call(z.object({ path: z.string().min(1).max(4_096) }), documentSchema),
  documents: call(z.object({}).default({}), z.array(documentSchema)),
  document: call(idInput, documentSchema),
  /** Queues turns for fact extraction with the loaded model; returns the job (follow it with `extraction`). */
  extract: call(z.object({ episodeIds: z.array(z.string().min(1)).min(1).max(200) }), extractionJobSchema),
  extraction: call(idInput, extractionJobSchema),
  extractions: call(z.object({ status: extractionJobSchema.shape.status.optional(), limit: z.number().int().min(1).max(1_000).default(50) }), z.array(extractionJobSchema)),
  retryExtraction: call(z.object({ id: z.string().min(1).max(100).optional() }), z.object({ requeued: z.number().int() })),
  embeddingStatus: call(z.object({}).default({}), embeddingStatusSchema),
  stats: call(z.object({}).default({}), z.object({ facts: z.number().int(), retired: z.number().int(), chunks: z.number().int(), documents: z.number().int(), extractions: z.record(z.string(), z.number().int()) })),
});
