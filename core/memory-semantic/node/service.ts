import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { MemoryChange } from '../../contracts/domain.js';
import { EVENT_TOPICS } from '../../contracts/events.js';
import { PagiError } from '../../contracts/errors.js';
import { newId } from '../../contracts/ids.js';
import { defineService } from '../../runtime/common/defineService.js';
import { createBackgroundEmbedder } from '../../runtime/node/backgroundEmbedder.js';
import { openServiceDatabase } from '../../runtime/node/migrations.js';
import { createVectorStore } from '../../runtime/node/vectorStore.js';
import { createSelfTestRunner } from '../../memory-episodic/common/embeddingSelfTest.js';
import { inferenceContract } from '../../inference/common/contract.js';
import { episodicMemoryContract, weightsSchema } from '../../memory-episodic/common/contract.js';
import { chunkText } from '../common/chunkText.js';
import { semanticMemoryContract } from '../common/contract.js';
import { readDocument } from './documentReader.js';
import { createFactExtraction } from './factExtraction.js';
import { DEFAULT_FACT_SEARCH, createFactSearch } from './factSearch.js';
import { createFactStore } from './factStore.js';
import { semanticMigrations } from './migrations.js';

const configSchema = z.object({
  queryEmbedTimeoutMs: z.number().int().min(50).default(1_500),
  embedBatchTimeoutMs: z.number().int().min(100).default(60_000),
  embedRetryMs: z.number().int().min(100).default(60_000),
  search: z.object({ weights: weightsSchema.default(DEFAULT_FACT_SEARCH.weights) }).default({ weights: DEFAULT_FACT_SEARCH.weights }),
  extraction: z.object({
    /** Extract facts from every conversation, once it pauses for `idleMs`. */
    auto: z.boolean().default(true),
    idleMs: z.number().int().min(0).default(20_000),
    timeoutMs: z.number().int().min(1_000).default(120_000),
    similarityFloor: z.number().min(0).max(1).default(0.35),
  }).default({ auto: true, idleMs: 20_000, timeoutMs: 120_000, similarityFloor: 0.35 }),
});

interface DocRow { id: string; name: string; media_type: string; bytes: number; sha256: string; chunks: number; total_chunks: number; status: 'ingesting' | 'done' | 'failed'; error: string | null; created_at: string }
const toDocument = (r: DocRow) => ({ id: r.id, name: r.name, mediaType: r.media_type, bytes: r.bytes, sha256: r.sha256, chunks: r.chunks, totalChunks: r.total_chunks, status: r.status, error: r.error, createdAt: r.created_at });

export default defineService({
  id: 'memory.semantic',
  contract: semanticMemoryContract,
  configSchema,
  async start(ctx) {
    // progress and notification events: the state itself is stored; a lost event is logged, not fatal
    const notPublished = (err: unknown): void => ctx.log.warn('event not published', { error: PagiError.from(err).message });
    const db = openServiceDatabase(ctx, 'semantic.db', semanticMigrations, { vec: true });
    db.pragma('secure_delete = ON');
    const facts = createFactStore(db);
    const vectors = createVectorStore(db, 'fact_vectors', 'facts');
    const finder = createFactSearch(db, facts, vectors);
    const inference = ctx.client(inferenceContract);
    const episodic = ctx.client(episodicMemoryContract);

    const embedder = createBackgroundEmbedder({
      vectors,
      embed: (texts) => inference.embed({ texts }, { timeoutMs: ctx.config.embedBatchTimeoutMs }),
      total: () => facts.counts().total,
      retryMs: ctx.config.embedRetryMs,
      onProgress: (s) => void ctx.bus.publish('memory.embedding.progressed', { tier: 'semantic', ...s }).catch(notPublished),
    });
    embedder.kick();
    ctx.onDispose(() => embedder.stop());
    const selfTest = createSelfTestRunner(vectors, async (texts) => (await inference.embed({ texts }, { timeoutMs: ctx.config.embedBatchTimeoutMs })).vectors);

    const queryVector = async (query: string): Promise<{ vector: number[] | null; note: string | null }> => {
      const space = vectors.space();
      if (!space || vectors.indexed === 0) return { vector: null, note: 'no fact has an embedding yet: ranked by BM25, recency and confidence' };
      try {
        const r = await inference.embed({ texts: [query] }, { timeoutMs: ctx.config.queryEmbedTimeoutMs });
        if (r.model !== space.model || r.dims !== space.dims) return { vector: null, note: `facts are embedded with ${space.model}; the loaded model differs (re-embedding runs in the background)` };
        return { vector: r.vectors[0] ?? null, note: null };
      } catch (err) {
        return { vector: null, note: `the query could not be embedded (${PagiError.from(err).message})` };
      }
    };
    const searchSettings = { ...DEFAULT_FACT_SEARCH, weights: ctx.config.search.weights };
    const search = async (query: string, k: number, kinds: Array<'fact' | 'chunk'>, asOf?: string) => {
      const qv = await queryVector(query);
      selfTest.maybeRun();
      const reliability = selfTest.reliability();
      const r = finder.search({ query, k, vector: qv.vector, asOf, kinds, vectorReliability: reliability }, searchSettings);
      const weak = qv.vector && reliability < 1 ? `vectors weighted ×${reliability.toFixed(2)} (embedding self-test)` : null;
      return { ...r, notes: [qv.note, weak].filter((n): n is string => n !== null) };
    };
    const changed = async (change: MemoryChange): Promise<MemoryChange> => {
      embedder.kick();
      await ctx.bus.publish('memory.changed', { tier: 'semantic', changeId: change.id, op: change.op, targetId: change.targetId, actor: change.actor });
      return change;
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

    const episodeText = async (ids: string[]): Promise<string> => {
      const lines: string[] = [];
      for (const id of ids) {
        const e = await episodic.get({ id });
        lines.push(`[${e.time.slice(0, 10)}] ${e.actor}: ${e.text}`);
      }
      return lines.join('\n');
    };

    ctx.bus.subscribe({
      consumer: 'memory.semantic',
      topics: ['turn.completed', 'inference.model.loaded'],
      async handler(event) {
        if (event.topic === 'inference.model.loaded') {
          embedder.kick({ modelLoaded: true });
          // jobs that failed for want of a model get their chance now
          const requeued = db.prepare("UPDATE extraction_jobs SET status = 'pending', error = NULL, not_before = ? WHERE status = 'failed' AND error LIKE '%runs again when one is loaded%'").run(new Date().toISOString()).changes;
          if (requeued > 0) extraction.recover();
          return;
        }
        if (!ctx.config.extraction.auto) return;
        const p = EVENT_TOPICS['turn.completed'].parse(event.payload);
        const ids = [p.userEpisodeId, p.replyEpisodeId].filter((id): id is string => id !== null);
        if (ids.length === 0) return;
        const text = await episodeText(ids).catch(() => null);
        if (text) extraction.enqueue({ episodeIds: ids, text, sessionId: p.sessionId, delayMs: ctx.config.extraction.idleMs });
      },
    });

    const ingest = async (path: string) => {
      const doc = await readDocument(path);
      const chunks = chunkText(doc.text, { markdown: doc.mediaType === 'text/markdown' });
      const id = newId();
      db.prepare('INSERT INTO documents (id, name, media_type, bytes, sha256, chunks, total_chunks, status, created_at) VALUES (?, ?, ?, ?, ?, 0, ?, ?, ?)')
        .run(id, doc.name, doc.mediaType, doc.bytes, createHash('sha256').update(doc.data).digest('hex'), chunks.length, 'ingesting', new Date().toISOString());
      const progress = (status: 'ingesting' | 'done' | 'failed', done: number, error: string | null = null): void => {
        db.prepare('UPDATE documents SET chunks = ?, status = ?, error = ? WHERE id = ?').run(done, status, error, id);
        void ctx.bus.publish('memory.document.progressed', { documentId: id, name: doc.name, chunks: done, totalChunks: chunks.length, status, error }).catch(notPublished);
      };
      // chunks go in batches in the background; the caller follows progress with `document`
      void (async () => {
        try {
          for (let i = 0; i < chunks.length; i += 100) {
            facts.addChunks(id, chunks.slice(i, i + 100).map((text, j) => ({ index: i + j, text })));
            progress('ingesting', Math.min(chunks.length, i + 100));
            await new Promise((r) => setImmediate(r));
          }
          progress('done', chunks.length);
          embedder.kick();
        } catch (err) {
          progress('failed', db.prepare('SELECT COUNT(*) FROM facts WHERE document_id = ?').pluck().get(id) as number, PagiError.from(err).message);
        }
      })();
      return toDocument(db.prepare('SELECT * FROM documents WHERE id = ?').get(id) as DocRow);
    };

    return {
      api: {
        async addFact({ by, ...input }) {
          const fact = facts.add(input, by);
          embedder.kick();
          await ctx.bus.publish('memory.fact.stored', { id: fact.id, text: fact.text });
          return fact;
        },
        get: ({ id }) => facts.get(id),
        async edit({ id, by, ...fields }) {
          const r = facts.edit(id, fields, by);
          if (r.change) {
            if (fields.text !== undefined) vectors.remove(facts.rowOf(id).rowid);
            await changed(r.change);
          }
          return r;
        },
        async pin({ id, pinned, by }) {
          const r = facts.setPinned(id, pinned, by);
          if (r.change) await changed(r.change);
          return r;
        },
        async supersede({ id, by, ...next }) {
          const r = facts.supersede(id, { ...next, pinned: false }, by);
          await changed(r.change);
          return r;
        },
        async delete({ id, by }) {
          const rowid = facts.rowOf(id).rowid;
          const c = facts.delete(id, by);
          vectors.remove(rowid);
          return changed(c);
        },
        async forget({ id, by }) {
          const row = db.prepare('SELECT rowid FROM facts WHERE id = ?').get(id) as { rowid: number } | undefined;
          const c = facts.forget(id, by);
          if (row) vectors.remove(row.rowid);
          return changed(c);
        },
        history: ({ id }) => facts.log.history(id),
        change: ({ id }) => facts.log.get(id),
        changes: ({ limit }) => facts.log.recent(limit),
        async undo({ changeId, by }) {
          const target = facts.log.get(changeId).targetId;
          const before = db.prepare('SELECT rowid FROM facts WHERE id = ?').get(target) as { rowid: number } | undefined;
          const c = facts.undo(changeId, by);
          if (before && !db.prepare('SELECT 1 FROM facts WHERE rowid = ?').get(before.rowid)) vectors.remove(before.rowid);
          return changed(c);
        },
        list: (input) => facts.list(input),
        beliefsAt: ({ time, limit }) => facts.beliefsAt(time, limit),
        async search({ query, k, asOf, kinds, touch }) {
          const t0 = performance.now();
          if (!query.trim()) return { hits: [], mode: 'lexical' as const, notes: ['empty query'], tookMs: 0 };
          const r = await search(query, k, kinds, asOf);
          if (touch && r.hits.length > 0) facts.touch(r.hits.map((h) => facts.rowOf(h.fact.id).rowid));
          return { ...r, tookMs: performance.now() - t0 };
        },
        ingestDocument: ({ path }) => ingest(path),
        documents: () => (db.prepare('SELECT * FROM documents ORDER BY created_at DESC').all() as DocRow[]).map(toDocument),
        document({ id }) {
          const r = db.prepare('SELECT * FROM documents WHERE id = ?').get(id) as DocRow | undefined;
          if (!r) throw new PagiError('NOT_FOUND', `no document ${id}`);
          return toDocument(r);
        },
        async extract({ episodeIds }) {
          const text = await episodeText(episodeIds);
          return extraction.enqueue({ episodeIds, text });
        },
        extraction: ({ id }) => extraction.get(id),
        extractions: ({ status, limit }) => extraction.list(status, limit),
        retryExtraction: ({ id }) => ({ requeued: extraction.retry(id) }),
        embeddingStatus: () => embedder.status(),
        stats() {
          const c = facts.counts();
          return {
            facts: c.current, retired: db.prepare('SELECT COUNT(*) FROM facts WHERE retired_at IS NOT NULL').pluck().get() as number, chunks: c.chunks,
            documents: db.prepare('SELECT COUNT(*) FROM documents').pluck().get() as number, extractions: extraction.counts(),
          };
        },
      },
      health: () => ({ ok: db.open }),
    };
  },
});
