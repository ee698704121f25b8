import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEpisodeSearch, DEFAULT_SEARCH, type SearchSettings } from '../memory-episodic/node/episodeSearch.js';
import { createEpisodeStore } from '../memory-episodic/node/episodeStore.js';
import { episodicMigrations } from '../memory-episodic/node/migrations.js';
import { openServiceDatabase } from '../runtime/node/migrations.js';
import { createVectorStore } from '../memory-kit/node/vectorStore.js';
import { embeddingSelfTest } from '../memory-kit/common/embeddingSelfTest.js';
import { generateConversation, type Question } from './conversationGenerator.js';

export interface QualityRow { method: string; recallAt5: number; recallAt10: number; byKind: Record<string, { at5: number; at10: number }> }

const NO_LEXICAL_STEPS = { stopWords: false, timeExpressions: false, neighbours: false, feedback: false };
const ONLY = (signal: 'bm25' | 'vector') => ({ bm25: signal === 'bm25' ? 1 : 0, vector: signal === 'vector' ? 1 : 0, recency: 0, importance: 0, salience: 0 });

/** Each lexical step added to the previous ones, then the vector and hybrid runs. */
const LEXICAL_STEPS: Array<{ method: string; settings: SearchSettings }> = [
  { method: 'BM25 only (plain FTS5, all words)', settings: { ...DEFAULT_SEARCH, weights: ONLY('bm25'), lexical: NO_LEXICAL_STEPS, mmrLambda: 1 } },
  { method: '+ stop words dropped', settings: { ...DEFAULT_SEARCH, weights: ONLY('bm25'), lexical: { ...NO_LEXICAL_STEPS, stopWords: true }, mmrLambda: 1 } },
  { method: '+ neighbouring turns indexed', settings: { ...DEFAULT_SEARCH, weights: ONLY('bm25'), lexical: { ...NO_LEXICAL_STEPS, stopWords: true, neighbours: true }, mmrLambda: 1 } },
  { method: '+ time expressions', settings: { ...DEFAULT_SEARCH, weights: ONLY('bm25'), lexical: { ...NO_LEXICAL_STEPS, stopWords: true, neighbours: true, timeExpressions: true }, mmrLambda: 1 } },
  { method: '+ recency, importance, salience, MMR', settings: { ...DEFAULT_SEARCH, lexical: { ...DEFAULT_SEARCH.lexical, feedback: false } } },
  { method: '+ pseudo-relevance feedback', settings: { ...DEFAULT_SEARCH, lexical: { ...DEFAULT_SEARCH.lexical, feedback: true } } },
];

/** Embeds texts with a GGUF model through node-llama-cpp (the tiny test models), or null when there is none. */
async function modelEmbedder(path: string | null): Promise<{ name: string; embed: (texts: string[]) => Promise<number[][]>; dispose: () => Promise<void> } | null> {
  if (!path || !existsSync(path)) return null;
  const { getLlama } = await import('node-llama-cpp');
  const llama = await getLlama({ gpu: false, maxThreads: 2 });
  const model = await llama.loadModel({ modelPath: path });
  const ctx = await model.createEmbeddingContext({ threads: 2, contextSize: 512 });
  return {
    name: path.split(/[\\/]/).pop() as string,
    embed: async (texts) => {
      const out: number[][] = [];
      for (const t of texts) out.push([...(await ctx.getEmbeddingFor(model.tokenize(t).slice(0, 500))).vector]);
      return out;
    },
    dispose: async () => {
      await ctx.dispose();
      await model.dispose();
      await llama.dispose();
    },
  };
}

export async function qualityRun(opts: { sessions: number; turnsPerSession: number; seed: number; embeddingModel: string | null }) {
  const conv = generateConversation(opts);
  const dir = mkdtempSync(join(tmpdir(), 'pagi-bench-quality-'));
  const db = openServiceDatabase(dir, 'episodic.db', episodicMigrations);
  try {
    const vectors = createVectorStore(db, 'episode_vectors', 'episodes');
    const store = createEpisodeStore(db, vectors);
    const ids = store.storeMany(conv.turns.map((t) => ({ sessionId: t.session, actor: t.speaker, kind: 'message' as const, text: t.text, time: t.time, mood: null, importance: 0.5, ref: t.ref })), 'import');
    const finder = createEpisodeSearch(db, store, vectors);
    const evaluate = (method: string, questions: Question[], search: (q: Question, k: number) => Array<string | null>): QualityRow => {
      const per = questions.map((q) => {
        const top = search(q, 10);
        const at = (k: number): number => q.evidence.filter((e) => top.slice(0, k).includes(e)).length / q.evidence.length;
        return { kind: q.kind, at5: at(5), at10: at(10) };
      });
      const mean = (xs: number[]): number => Math.round((xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length)) * 1000) / 1000;
      const kinds = [...new Set(per.map((p) => p.kind))];
      return {
        method, recallAt5: mean(per.map((p) => p.at5)), recallAt10: mean(per.map((p) => p.at10)),
        byKind: Object.fromEntries(kinds.map((k) => [k, { at5: mean(per.filter((p) => p.kind === k).map((p) => p.at5)), at10: mean(per.filter((p) => p.kind === k).map((p) => p.at10)) }])),
      };
    };
    const refsOf = (hits: Array<{ episode: { ref: string | null } }>): Array<string | null> => hits.map((h) => h.episode.ref);
    const rows: QualityRow[] = LEXICAL_STEPS.map(({ method, settings }) =>
      evaluate(method, conv.questions, (q, k) => refsOf(finder.search({ query: q.text, limit: k, now: conv.now, use: { lexical: true, vector: false } }, settings).hits)));

    const embedder = await modelEmbedder(opts.embeddingModel);
    let note = `no embedding model (${opts.embeddingModel ?? 'none given'}): vector and hybrid rows left out`;
    if (embedder) {
      const t0 = performance.now();
      const turnVectors = await embedder.embed(conv.turns.map((t) => t.text));
      const embedSeconds = (performance.now() - t0) / 1000;
      vectors.setSpace({ model: embedder.name, dims: turnVectors[0]?.length ?? 0 });
      vectors.putMany(ids.map((id, i) => ({ rowid: store.rowOf(id).rowid, values: turnVectors[i] as number[] })));
      const queryVectors = new Map((await embedder.embed(conv.questions.map((q) => q.text))).map((v, i) => [conv.questions[i]?.text as string, v]));
      const selfTest = await embeddingSelfTest({ model: embedder.name, indexed: vectors.indexed, sample: vectors.sample(50), embed: embedder.embed, nearest: (v, k) => vectors.nearest(v, k, 400).map((n) => n.rowid) });
      await embedder.dispose();
      const vectorOnly: SearchSettings = { ...DEFAULT_SEARCH, weights: ONLY('vector'), lexical: NO_LEXICAL_STEPS, mmrLambda: 1 };
      rows.push(evaluate(`vector only (${embedder.name})`, conv.questions, (q, k) => refsOf(finder.search({ query: q.text, limit: k, now: conv.now, vector: queryVectors.get(q.text), use: { lexical: false, vector: true } }, vectorOnly).hits)));
      rows.push(evaluate(`hybrid, vectors at full weight (${embedder.name})`, conv.questions, (q, k) => refsOf(finder.search({ query: q.text, limit: k, now: conv.now, vector: queryVectors.get(q.text) }).hits)));
      rows.push(evaluate(`hybrid (defaults: vectors × self-test ${selfTest.reliability.toFixed(2)})`, conv.questions, (q, k) => refsOf(finder.search({ query: q.text, limit: k, now: conv.now, vector: queryVectors.get(q.text), vectorReliability: selfTest.reliability }).hits)));
      note = `${conv.turns.length} turns embedded with ${embedder.name} in ${embedSeconds.toFixed(1)} s; its self-test found ${selfTest.found} of ${selfTest.probes} texts from their own words (vector weight ×${selfTest.reliability.toFixed(2)}); no larger embedding model is available on this machine`;
    }
    const kinds = Object.fromEntries(['direct', 'paraphrase', 'temporal', 'updated'].map((k) => [k, conv.questions.filter((q) => q.kind === k).length]));
    return { turns: conv.turns.length, sessions: opts.sessions, questions: conv.questions.length, questionKinds: kinds, rows, note, selfTest: embedder ? note : null };
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
