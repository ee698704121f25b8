import { z } from 'zod';
import { defineService } from '../../runtime/common/defineService.js';
import { openServiceDatabase } from '../../runtime/node/migrations.js';
import { inferenceContract } from '../../inference/common/contract.js';
import { embeddingConfigShape, weightsSchema } from '../../memory-kit/common/tierContract.js';
import { tierProcedures } from '../../memory-kit/node/tierApi.js';
import { createTierWiring } from '../../memory-kit/node/tierWiring.js';
import { createVectorStore } from '../../memory-kit/node/vectorStore.js';
import { episodicMemoryContract } from '../common/contract.js';
import { createEpisodeSearch, DEFAULT_SEARCH } from './episodeSearch.js';
import { createEpisodeStore } from './episodeStore.js';
import { episodicMigrations } from './migrations.js';

const configSchema = z.object({
  search: z.object({
    weights: weightsSchema.default(DEFAULT_SEARCH.weights),
    lexical: z.object({ stopWords: z.boolean(), timeExpressions: z.boolean(), neighbours: z.boolean(), feedback: z.boolean() }).default(DEFAULT_SEARCH.lexical),
    recencyHalfLifeDays: z.number().positive().default(DEFAULT_SEARCH.recencyHalfLifeDays),
    mmrLambda: z.number().min(0).max(1).default(DEFAULT_SEARCH.mmrLambda),
  }).default({ weights: DEFAULT_SEARCH.weights, lexical: DEFAULT_SEARCH.lexical, recencyHalfLifeDays: DEFAULT_SEARCH.recencyHalfLifeDays, mmrLambda: DEFAULT_SEARCH.mmrLambda }),
  ...embeddingConfigShape,
});

export default defineService({
  id: 'memory.episodic',
  contract: episodicMemoryContract,
  configSchema,
  async start(ctx) {
    const db = openServiceDatabase(ctx, 'episodic.db', episodicMigrations);
    // a forgotten memory's pages are zeroed, not just unlinked
    db.pragma('secure_delete = ON');
    const vectors = createVectorStore(db, 'episode_vectors', 'episodes');
    const store = createEpisodeStore(db, vectors);
    const finder = createEpisodeSearch(db, store, vectors);
    const inference = ctx.client(inferenceContract);
    const settings = { ...DEFAULT_SEARCH, ...ctx.config.search };
    const wiring = createTierWiring(ctx, {
      tier: 'episodic',
      vectors,
      total: () => store.count(),
      embed: (texts, opts) => inference.embed({ texts }, opts),
      words: { memory: 'episode', memories: 'episodes', withoutVectors: 'BM25, recency and importance' },
    });
    const { embedder } = wiring;

    return {
      api: {
        ...tierProcedures(store, wiring),
        async store({ by, ...input }) {
          const episode = store.store(input, by);
          embedder.kick();
          await ctx.bus.publish('memory.episode.stored', { id: episode.id, sessionId: episode.sessionId, actor: episode.actor, kind: episode.kind, importance: episode.importance });
          return episode;
        },
        async storeMany({ episodes, by }) {
          const ids = store.storeMany(episodes, by);
          embedder.kick();
          const sessions = [...new Set(episodes.map((e) => e.sessionId))];
          await ctx.bus.publish('memory.episodes.imported', { count: ids.length, sessionIds: sessions.slice(0, 100), firstId: ids[0] as string, lastId: ids[ids.length - 1] as string });
          return { ids };
        },
        async search({ query, limit, sessionId, touch, weights, now }) {
          const t0 = performance.now();
          if (!query.trim()) return { hits: [], mode: 'lexical' as const, timeRange: null, notes: ['empty query'], tookMs: 0 };
          const signals = await wiring.querySignals(query);
          const result = finder.search(
            { query, limit, sessionId, vector: signals.vector, now: now ? Date.parse(now) : undefined, vectorReliability: signals.reliability },
            weights ? { ...settings, weights: { ...settings.weights, ...weights } } : settings,
          );
          if (touch && result.hits.length > 0) store.touch(result.hits.map((h) => store.rowOf(h.episode.id).rowid));
          const time = result.timeRange ? `time: "${result.timeRange.phrase}" → ${result.timeRange.from.slice(0, 10)} … ${result.timeRange.to.slice(0, 10)}` : null;
          return { ...result, notes: time ? [...signals.notes, time] : signals.notes, tookMs: performance.now() - t0 };
        },
        range: (input) => store.range(input),
        around: ({ time, count, sessionId }) => store.around(time, count, sessionId),
        edit: ({ id, by, ...changes }) => wiring.changedIn(store.edit(id, changes, by)),
        adjustImportance: ({ id, delta, opId }) => ({ id, ...store.adjustImportance(id, delta, opId) }),
        count: () => ({ episodes: store.count() }),
        sessions: () => store.sessions(),
      },
      health: () => ({ ok: db.open }),
    };
  },
});
