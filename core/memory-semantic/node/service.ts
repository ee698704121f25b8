import { z } from 'zod';
import type { Fact } from '../../contracts/domain.js';
import { EVENT_TOPICS } from '../../contracts/events.js';
import { defineService } from '../../runtime/common/defineService.js';
import { openServiceDatabase } from '../../runtime/node/migrations.js';
import { inferenceContract } from '../../inference/common/contract.js';
import { episodicMemoryContract } from '../../memory-episodic/common/contract.js';
import { embeddingConfigShape, weightsSchema } from '../../memory-kit/common/tierContract.js';
import { tierProcedures } from '../../memory-kit/node/tierApi.js';
import { createTierWiring } from '../../memory-kit/node/tierWiring.js';
import { createVectorStore } from '../../memory-kit/node/vectorStore.js';
import { semanticMemoryContract } from '../common/contract.js';
import { createDocumentIngestion } from './documentIngestion.js';
import { createFactExtraction } from './factExtraction.js';
import { DEFAULT_FACT_SEARCH, createFactSearch } from './factSearch.js';
import { createFactStore } from './factStore.js';
import { semanticMigrations } from './migrations.js';

const configSchema = z.object({
  ...embeddingConfigShape,
  search: z.object({ weights: weightsSchema.default(DEFAULT_FACT_SEARCH.weights) }).default({ weights: DEFAULT_FACT_SEARCH.weights }),
  extraction: z.object({
    /** Extract facts from every conversation, once it pauses for `idleMs`. */
    auto: z.boolean().default(true),
    idleMs: z.number().int().min(0).default(20_000),
    timeoutMs: z.number().int().min(1_000).default(120_000),
    similarityFloor: z.number().min(0).max(1).default(0.35),
  }).default({ auto: true, idleMs: 20_000, timeoutMs: 120_000, similarityFloor: 0.35 }),
});

export default defineService({
  id: 'memory.semantic',
  contract: semanticMemoryContract,
  configSchema,
  async start(ctx) {
    const db = openServiceDatabase(ctx, 'semantic.db', semanticMigrations, { vec: true });
    db.pragma('secure_delete = ON');
    const vectors = createVectorStore(db, 'fact_vectors', 'facts');
    const facts = createFactStore(db, vectors);
    const finder = createFactSearch(db, facts, vectors);
    const inference = ctx.client(inferenceContract);
    const episodic = ctx.client(episodicMemoryContract);
    const searchSettings = { ...DEFAULT_FACT_SEARCH, weights: ctx.config.search.weights };

    const episodeText = async (ids: string[]): Promise<string> => {
      const lines: string[] = [];
      for (const id of ids) {
        const e = await episodic.get({ id });
        lines.push(`[${e.time.slice(0, 10)}] ${e.actor}: ${e.text}`);
      }
      return lines.join('\n');
    };

    const wiring = createTierWiring(ctx, {
      tier: 'semantic',
      vectors,
      total: () => facts.counts().total,
      embed: (texts, opts) => inference.embed({ texts }, opts),
      words: { memory: 'fact', memories: 'facts', withoutVectors: 'BM25, recency and confidence' },
      onModelLoaded: () => extraction.retryWaitingForModel(),
      events: {
        topics: ['turn.completed'],
        async handler(event) {
          if (!ctx.config.extraction.auto) return;
          const p = EVENT_TOPICS['turn.completed'].parse(event.payload);
          const ids = [p.userEpisodeId, p.replyEpisodeId].filter((id): id is string => id !== null);
          if (ids.length === 0) return;
          const text = await episodeText(ids).catch(() => null);
          if (text) extraction.enqueue({ episodeIds: ids, text, sessionId: p.sessionId, delayMs: ctx.config.extraction.idleMs });
        },
      },
    });
    const { embedder, notPublished } = wiring;

    const search = async (query: string, limit: number, kinds: Array<Fact['kind']>, asOf?: string) => {
      const signals = await wiring.querySignals(query);
      const r = finder.search({ query, limit, vector: signals.vector, asOf, kinds, vectorReliability: signals.reliability }, searchSettings);
      return { ...r, notes: signals.notes };
    };

    const extraction = createFactExtraction({
      db, facts, inference,
      similar: async (text) => (await search(text, 5, ['fact'])).hits,
      onFact: (id) => {
        embedder.kick();
        void ctx.bus.publish('memory.fact.stored', { id, text: facts.get(id).text }).catch(notPublished);
      },
      onFinished: (job) => void ctx.bus.publish('memory.extraction.finished', {
        jobId: job.id, status: job.status === 'done' ? 'done' : 'failed', added: job.result?.added ?? 0, updated: job.result?.updated ?? 0, superseded: job.result?.superseded ?? 0, error: job.error,
      }).catch(notPublished),
      timeoutMs: ctx.config.extraction.timeoutMs,
      similarityFloor: ctx.config.extraction.similarityFloor,
    });
    extraction.recover();
    ctx.onDispose(() => extraction.stop());

    const documents = createDocumentIngestion({
      db, facts,
      onProgress: (p) => void ctx.bus.publish('memory.document.progressed', p).catch(notPublished),
      onDone: () => embedder.kick(),
    });
    ctx.onDispose(() => documents.stop());

    return {
      api: {
        ...tierProcedures(facts, wiring),
        async addFact({ by, ...input }) {
          const fact = facts.add(input, by);
          embedder.kick();
          await ctx.bus.publish('memory.fact.stored', { id: fact.id, text: fact.text });
          return fact;
        },
        edit: ({ id, by, ...fields }) => wiring.changedIn(facts.edit(id, fields, by)),
        async supersede({ id, by, ...next }) {
          const r = facts.supersede(id, { ...next, pinned: false }, by);
          await wiring.changed(r.change);
          return r;
        },
        list: (input) => facts.list(input),
        beliefsAt: ({ time, limit }) => facts.beliefsAt(time, limit),
        async search({ query, limit, asOf, kinds, touch }) {
          const t0 = performance.now();
          if (!query.trim()) return { hits: [], mode: 'lexical' as const, notes: ['empty query'], tookMs: 0 };
          const r = await search(query, limit, kinds, asOf);
          if (touch && r.hits.length > 0) facts.touch(r.hits.map((h) => facts.rowOf(h.fact.id).rowid));
          return { ...r, tookMs: performance.now() - t0 };
        },
        ingestDocument: ({ path }) => documents.ingest(path),
        documents: () => documents.list(),
        document: ({ id }) => documents.get(id),
        async extract({ episodeIds }) {
          const text = await episodeText(episodeIds);
          return extraction.enqueue({ episodeIds, text });
        },
        extraction: ({ id }) => extraction.get(id),
        extractions: ({ status, limit }) => extraction.list(status, limit),
        retryExtraction: ({ id }) => ({ requeued: extraction.retry(id) }),
        stats() {
          const c = facts.counts();
          return { facts: c.current, retired: c.retired, chunks: c.chunks, documents: documents.count(), extractions: extraction.counts() };
        },
      },
      health: () => ({ ok: db.open }),
    };
  },
});
