import { z } from 'zod';
import { PagiError } from '../../contracts/errors.js';
import type { MemoryChange } from '../../contracts/domain.js';
import { defineService } from '../../runtime/common/defineService.js';
import { createBackgroundEmbedder } from '../../runtime/node/backgroundEmbedder.js';
import { openServiceDatabase } from '../../runtime/node/migrations.js';
import { createVectorStore } from '../../runtime/node/vectorStore.js';
import { createSelfTestRunner } from '../common/embeddingSelfTest.js';
import { inferenceContract } from '../../inference/common/contract.js';
import { episodicMemoryContract, weightsSchema } from '../common/contract.js';
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
  /** A query is embedded within this, or searched without its vector. */
  queryEmbedTimeoutMs: z.number().int().min(50).default(1_500),
  embedBatchTimeoutMs: z.number().int().min(100).default(60_000),
  embedRetryMs: z.number().int().min(100).default(60_000),
});

export default defineService({
  id: 'memory.episodic',
  contract: episodicMemoryContract,
  configSchema,
  async start(ctx) {
    // progress and notification events: the state itself is stored; a lost event is logged, not fatal
    const notPublished = (err: unknown): void => ctx.log.warn('event not published', { error: PagiError.from(err).message });
    const db = openServiceDatabase(ctx, 'episodic.db', episodicMigrations);
    // a forgotten memory's pages are zeroed, not just unlinked
    db.pragma('secure_delete = ON');
    const store = createEpisodeStore(db);
    const vectors = createVectorStore(db, 'episode_vectors', 'episodes');
    const finder = createEpisodeSearch(db, store, vectors);
    const inference = ctx.client(inferenceContract);
    const settings = { ...DEFAULT_SEARCH, ...ctx.config.search };

    const embedder = createBackgroundEmbedder({
      vectors,
      embed: (texts) => inference.embed({ texts }, { timeoutMs: ctx.config.embedBatchTimeoutMs }),
      total: () => store.count(),
      retryMs: ctx.config.embedRetryMs,
      onProgress: (s) => void ctx.bus.publish('memory.embedding.progressed', { tier: 'episodic', ...s }).catch(notPublished),
    });
    embedder.kick();
    ctx.onDispose(() => embedder.stop());
    const selfTest = createSelfTestRunner(vectors, async (texts) => (await inference.embed({ texts }, { timeoutMs: ctx.config.embedBatchTimeoutMs })).vectors);
    ctx.bus.subscribe({
      consumer: 'memory.episodic',
      topics: ['inference.model.loaded'],
      handler: () => embedder.kick({ modelLoaded: true }),
    });

    const changed = async (change: MemoryChange): Promise<MemoryChange> => {
      await ctx.bus.publish('memory.changed', { tier: 'episodic', changeId: change.id, op: change.op, targetId: change.targetId, actor: change.actor });
      return change;
    };

    /** The query's vector in this memory's space, or why there is none. */
    const queryVector = async (query: string): Promise<{ vector: number[] | null; note: string | null }> => {
      const space = vectors.space();
      if (!space || vectors.indexed === 0) return { vector: null, note: 'no episode has an embedding yet (no embedding model has been loaded): ranked by BM25, recency and importance' };
      try {
        const r = await inference.embed({ texts: [query] }, { timeoutMs: ctx.config.queryEmbedTimeoutMs });
        if (r.model !== space.model || r.dims !== space.dims) return { vector: null, note: `episodes are embedded with ${space.model}; the loaded model differs (re-embedding runs in the background)` };
        return { vector: r.vectors[0] ?? null, note: null };
      } catch (err) {
        return { vector: null, note: `the query could not be embedded (${PagiError.from(err).message}): ranked by BM25, recency and importance` };
      }
    };

    return {
      api: {
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
        get: ({ id }) => store.get(id),
        async search({ query, limit, sessionId, touch, weights, now }) {
          const t0 = performance.now();
          if (!query.trim()) return { hits: [], mode: 'lexical' as const, timeRange: null, notes: ['empty query'], tookMs: 0 };
          const qv = await queryVector(query);
          selfTest.maybeRun();
          const reliability = selfTest.reliability();
          const result = finder.search(
            { query, k: limit, sessionId, vector: qv.vector, now: now ? Date.parse(now) : undefined, vectorReliability: reliability },
            weights ? { ...settings, weights: { ...settings.weights, ...weights } } : settings,
          );
          if (touch && result.hits.length > 0) store.touch(result.hits.map((h) => store.rowOf(h.episode.id).rowid));
          const tested = selfTest.current();
          const weak = qv.vector && tested && reliability < 1 ? `vectors weighted ×${reliability.toFixed(2)}: the embedding model found ${tested.found} of ${tested.probes} texts from their own words (self-test)` : null;
          const notes = [qv.note, weak, result.timeRange ? `time: "${result.timeRange.phrase}" → ${result.timeRange.from.slice(0, 10)} … ${result.timeRange.to.slice(0, 10)}` : null].filter((n): n is string => n !== null);
          return { ...result, notes, tookMs: performance.now() - t0 };
        },
        range: (input) => store.range(input),
        around: ({ time, count, sessionId }) => store.around(time, count, sessionId),
        async edit({ id, by, ...changes }) {
          const r = store.edit(id, changes, by);
          if (r.change) {
            if (changes.text !== undefined) {
              vectors.remove(store.rowOf(id).rowid);
              embedder.kick();
            }
            await changed(r.change);
          }
          return r;
        },
        async pin({ id, pinned, by }) {
          const r = store.setPinned(id, pinned, by);
          if (r.change) await changed(r.change);
          return r;
        },
        async delete({ id, by }) {
          const rowid = store.rowOf(id).rowid;
          const change = store.delete(id, by);
          vectors.remove(rowid);
          return changed(change);
        },
        async forget({ id, by }) {
          const row = db.prepare('SELECT rowid FROM episodes WHERE id = ?').get(id) as { rowid: number } | undefined;
          const change = store.forget(id, by);
          if (row) vectors.remove(row.rowid);
          return changed(change);
        },
        history: ({ id }) => store.log.history(id),
        change: ({ id }) => store.log.get(id),
        changes: ({ limit }) => store.log.recent(limit),
        async undo({ changeId, by }) {
          const target = store.log.get(changeId).targetId;
          const existing = db.prepare('SELECT rowid FROM episodes WHERE id = ?').get(target) as { rowid: number } | undefined;
          const change = store.undo(changeId, by);
          if (existing && !db.prepare('SELECT 1 FROM episodes WHERE rowid = ?').get(existing.rowid)) vectors.remove(existing.rowid);
          embedder.kick();
          return changed(change);
        },
        adjustImportance: ({ id, delta, opId }) => ({ id, ...store.adjustImportance(id, delta, opId) }),
        count: () => ({ episodes: store.count() }),
        sessions: () => store.sessions(),
        embeddingStatus: () => embedder.status(),
      },
      health: () => ({ ok: db.open }),
    };
  },
});
