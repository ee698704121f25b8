import { z } from 'zod';
import { changeActorSchema, episodeKindSchema, isoTime, scoreBreakdownSchema } from '../contracts/domain.js';
import { PagiError } from '../contracts/errors.js';
import { uploadedFileSchema } from '../contracts/fileKinds.js';
import { episodicMemoryContract } from '../memory-episodic/common/contract.js';
import { type MemoryTierClient, type MemoryTierName } from '../memory-kit/common/tierContract.js';
import { semanticMemoryContract } from '../memory-semantic/common/contract.js';
import { workingMemoryContract } from '../memory-working/common/contract.js';
import { withChosenFile } from './chosenFile.js';
import type { ApiContext } from './coreAccess.js';
import { procedure, router } from './trpc.js';

const TIERS = ['episodic', 'semantic'] as const;
const tierSchema = z.enum(TIERS);

/** One memory as the CLI and the memory explorer show it, whichever tier holds it. */
export const memoryHitSchema = z.object({
  id: z.string(),
  tier: tierSchema,
  ref: z.string().nullable(),
  text: z.string(),
  time: z.string(),
  actor: z.string().nullable(),
  sessionId: z.string().nullable(),
  score: z.number(),
  scores: scoreBreakdownSchema,
});
export type MemoryHit = z.infer<typeof memoryHitSchema>;

const clients = (ctx: ApiContext) => ({ episodic: ctx.core.client(episodicMemoryContract), semantic: ctx.core.client(semanticMemoryContract) });
/** Either tier through the procedures both have (`memoryTierProcedures`). */
const tierClient = (ctx: ApiContext, tier: MemoryTierName): MemoryTierClient => clients(ctx)[tier];

/** Which tier holds an id (ids are UUIDv7, unique across tiers); `hint` skips the lookup. */
async function tierOf(ctx: ApiContext, id: string, hint?: MemoryTierName): Promise<MemoryTierName> {
  if (hint) return hint;
  for (const tier of TIERS) if ((await tierClient(ctx, tier).history({ id })).length > 0) return tier;
  throw PagiError.hinted('NOT_FOUND', `no memory with id ${id}`, { cli: '`pagi memory list` shows the ids', app: 'it may have been deleted or forgotten: search your memories again' });
}

/** Which tier recorded a change. */
async function changeTier(ctx: ApiContext, changeId: string): Promise<MemoryTierName> {
  for (const tier of TIERS) {
    try {
      await tierClient(ctx, tier).change({ id: changeId });
      return tier;
    } catch (err) {
      if (PagiError.from(err).code !== 'NOT_FOUND') throw err;
    }
  }
  throw PagiError.hinted('NOT_FOUND', `no change with id ${changeId}`, { cli: '`pagi memory history ID` lists a memory\'s changes', app: 'open the memory again to see its history' });
}

export const memoryRouter = router({
  /** Hybrid search over one tier or both, merged by score. */
  search: procedure
    .input(z.object({
      query: z.string().max(10_000),
      k: z.number().int().min(1).max(200).default(10),
      tier: z.enum(['episodic', 'semantic', 'all']).default('all'),
      sessionId: z.string().optional(),
      now: isoTime.optional(),
      asOf: isoTime.optional(),
    }))
    .query(async ({ ctx, input }) => {
      const c = clients(ctx);
      const [e, s] = await Promise.all([
        input.tier !== 'semantic' ? c.episodic.search({ query: input.query, limit: input.k, sessionId: input.sessionId, now: input.now }) : null,
        input.tier !== 'episodic' ? c.semantic.search({ query: input.query, limit: input.k, asOf: input.asOf }) : null,
      ]);
      const hits: MemoryHit[] = [
        ...(e?.hits ?? []).map((h) => ({ id: h.episode.id, tier: 'episodic' as const, ref: h.episode.ref, text: h.episode.text, time: h.episode.time, actor: h.episode.actor, sessionId: h.episode.sessionId, score: h.score, scores: h.scores })),
        ...(s?.hits ?? []).map((h) => ({ id: h.fact.id, tier: 'semantic' as const, ref: h.fact.source ? `${h.fact.source.document}#${h.fact.source.chunk}` : null, text: h.fact.text, time: h.fact.createdAt, actor: null, sessionId: null, score: h.score, scores: h.scores })),
      ].sort((a, b) => b.score - a.score).slice(0, input.k);
      return {
        hits,
        modes: { episodic: e?.mode ?? null, semantic: s?.mode ?? null },
        notes: [...(e?.notes ?? []).map((n) => `episodic: ${n}`), ...(s?.notes ?? []).map((n) => `semantic: ${n}`)],
        timeRange: e?.timeRange ?? null,
        tookMs: Math.max(e?.tookMs ?? 0, s?.tookMs ?? 0),
      };
    }),
  recent: procedure.input(episodicMemoryContract.procedures.range.input).query(({ ctx, input }) => clients(ctx).episodic.range(input)),
  around: procedure.input(episodicMemoryContract.procedures.around.input).query(({ ctx, input }) => clients(ctx).episodic.around(input)),
  sessions: procedure.query(({ ctx }) => clients(ctx).episodic.sessions({})),
  list: procedure
    .input(z.object({
      tier: tierSchema.default('episodic'),
      limit: z.number().int().min(1).max(10_000).default(50),
      offset: z.number().int().min(0).default(0),
      sessionId: z.string().optional(),
      actor: z.string().optional(),
      kind: episodeKindSchema.optional(),
      includeRetired: z.boolean().default(false),
    }))
    .query(async ({ ctx, input }) => {
      const c = clients(ctx);
      if (input.tier === 'semantic') return { tier: 'semantic' as const, episodes: [], facts: await c.semantic.list({ limit: input.limit, offset: input.offset, includeRetired: input.includeRetired }) };
      return { tier: 'episodic' as const, facts: [], episodes: await c.episodic.range({ limit: input.limit, offset: input.offset, order: 'desc', sessionId: input.sessionId, actor: input.actor, kind: input.kind }) };
    }),
  get: procedure.input(z.object({ id: z.string().min(1), tier: tierSchema.optional() })).query(async ({ ctx, input }) => {
    const c = clients(ctx);
    const tier = await tierOf(ctx, input.id, input.tier);
    const history = await tierClient(ctx, tier).history({ id: input.id });
    // the one place the tiers differ in shape: an episode or a fact
    if (tier === 'episodic') return { tier, episode: await c.episodic.get({ id: input.id }), fact: null, history };
    return { tier, episode: null, fact: await c.semantic.get({ id: input.id }), history };
  }),
  edit: procedure
    .input(z.object({
      id: z.string().min(1), tier: tierSchema.optional(), text: z.string().trim().min(1).max(200_000).optional(), importance: z.number().min(0).max(1).optional(),
      confidence: z.number().min(0).max(1).optional(), validFrom: isoTime.nullable().optional(), validTo: isoTime.nullable().optional(), by: changeActorSchema.default('user'),
    }).refine((v) => v.text !== undefined || v.importance !== undefined || v.confidence !== undefined || v.validFrom !== undefined || v.validTo !== undefined, { message: 'give something to change: text, importance, confidence, validFrom or validTo' }))
    .mutation(async ({ ctx, input }) => {
      const c = clients(ctx);
      const tier = await tierOf(ctx, input.id, input.tier);
      if (tier === 'episodic') {
        if (input.confidence !== undefined || input.validFrom !== undefined || input.validTo !== undefined) throw new PagiError('INVALID_INPUT', 'episodes have no confidence or validity; those belong to facts');
        return { tier, change: (await c.episodic.edit({ id: input.id, text: input.text, importance: input.importance, by: input.by })).change };
      }
      if (input.importance !== undefined) throw new PagiError('INVALID_INPUT', 'facts have a confidence, not an importance');
      return { tier, change: (await c.semantic.edit({ id: input.id, text: input.text, confidence: input.confidence, validFrom: input.validFrom, validTo: input.validTo, by: input.by })).change };
    }),
  pin: procedure.input(z.object({ id: z.string().min(1), tier: tierSchema.optional(), pinned: z.boolean().default(true) })).mutation(async ({ ctx, input }) => {
    const tier = await tierOf(ctx, input.id, input.tier);
    const r = await tierClient(ctx, tier).pin({ id: input.id, pinned: input.pinned, by: 'user' });
    return { tier, change: r.change };
  }),
  /** `hard`: forget (text, index, vectors and history copies gone; no undo). */
  delete: procedure.input(z.object({ id: z.string().min(1), tier: tierSchema.optional(), hard: z.boolean().default(false) })).mutation(async ({ ctx, input }) => {
    const c = tierClient(ctx, await tierOf(ctx, input.id, input.tier));
    const args = { id: input.id, by: 'user' as const };
    return input.hard ? c.forget(args) : c.delete(args);
  }),
  history: procedure.input(z.object({ id: z.string().min(1), tier: tierSchema.optional() })).query(async ({ ctx, input }) =>
    tierClient(ctx, await tierOf(ctx, input.id, input.tier)).history({ id: input.id })),
  changes: procedure.input(z.object({ tier: tierSchema.default('episodic'), limit: z.number().int().min(1).max(1_000).default(50) })).query(({ ctx, input }) =>
    tierClient(ctx, input.tier).changes({ limit: input.limit })),
  undo: procedure.input(z.object({ changeId: z.string().min(1), tier: tierSchema.optional() })).mutation(async ({ ctx, input }) =>
    tierClient(ctx, input.tier ?? (await changeTier(ctx, input.changeId))).undo({ changeId: input.changeId, by: 'user' })),
  importEpisodes: procedure.input(episodicMemoryContract.procedures.storeMany.input).mutation(({ ctx, input }) => clients(ctx).episodic.storeMany(input)),
  addFact: procedure.input(semanticMemoryContract.procedures.addFact.input).mutation(({ ctx, input }) => clients(ctx).semantic.addFact({ ...input, by: 'user' })),
  supersede: procedure.input(semanticMemoryContract.procedures.supersede.input).mutation(({ ctx, input }) => clients(ctx).semantic.supersede({ ...input, by: 'user' })),
  beliefsAt: procedure.input(semanticMemoryContract.procedures.beliefsAt.input).query(({ ctx, input }) => clients(ctx).semantic.beliefsAt(input)),
  /** A document by its path, or uploaded to the headless host (removed once read: ingestion reads the file before it answers). */
  ingest: procedure
    .input(z.union([semanticMemoryContract.procedures.ingestDocument.input, uploadedFileSchema]))
    .mutation(({ ctx, input }) => withChosenFile(ctx, 'upload' in input ? input : input.path, 'document', (path) => clients(ctx).semantic.ingestDocument({ path }))),
  documents: procedure.query(({ ctx }) => clients(ctx).semantic.documents({})),
  document: procedure.input(semanticMemoryContract.procedures.document.input).query(({ ctx, input }) => clients(ctx).semantic.document(input)),
  extract: procedure.input(semanticMemoryContract.procedures.extract.input).mutation(({ ctx, input }) => clients(ctx).semantic.extract(input)),
  extraction: procedure.input(semanticMemoryContract.procedures.extraction.input).query(({ ctx, input }) => clients(ctx).semantic.extraction(input)),
  extractions: procedure.input(semanticMemoryContract.procedures.extractions.input).query(({ ctx, input }) => clients(ctx).semantic.extractions(input)),
  retryExtraction: procedure.input(semanticMemoryContract.procedures.retryExtraction.input).mutation(({ ctx, input }) => clients(ctx).semantic.retryExtraction(input)),
  working: procedure.input(workingMemoryContract.procedures.get.input).query(({ ctx, input }) => ctx.core.client(workingMemoryContract).get(input)),
  workingSessions: procedure.query(({ ctx }) => ctx.core.client(workingMemoryContract).sessions({})),
  stats: procedure.query(async ({ ctx }) => {
    const c = clients(ctx);
    const [episodes, semantic, episodicEmbedding, semanticEmbedding] = await Promise.all([c.episodic.count({}), c.semantic.stats({}), c.episodic.embeddingStatus({}), c.semantic.embeddingStatus({})]);
    return { episodes: episodes.episodes, ...semantic, embedding: { episodic: episodicEmbedding, semantic: semanticEmbedding } };
  }),
});
