import type { SqliteDatabase } from '../../../native/sqlite.js';
import type { Fact } from '../../contracts/domain.js';
import { queryTerms, termsToFts } from '../../memory-kit/common/ftsQuery.js';
import { fuseAndDiversify, lazy, type FusionCandidate, type RetrievalWeights, type ScoreBreakdown } from '../../memory-kit/common/fusion.js';
import type { VectorStore } from '../../memory-kit/node/vectorStore.js';
import { toFact, type FactRow, type FactStore } from './factStore.js';

export interface FactSearchSettings { weights: RetrievalWeights; mmrLambda: number; recencyHalfLifeDays: number; candidates: number }

/** Facts are timeless next to episodes: recency counts little, confidence stands in for importance. */
export const DEFAULT_FACT_SEARCH: FactSearchSettings = {
  weights: { bm25: 0.55, vector: 0.35, recency: 0.03, importance: 0.07, salience: 0 },
  mmrLambda: 0.8,
  recencyHalfLifeDays: 365,
  candidates: 100,
};

export interface FactHit { fact: Fact; score: number; scores: ScoreBreakdown }
interface Candidate extends FusionCandidate { row: FactRow }

export function createFactSearch(db: SqliteDatabase, facts: FactStore, vectors: VectorStore) {
  return {
    /**
     * Current beliefs (or those held at `asOf`) by BM25 and vector similarity; chunks of documents
     * take part unless `kinds` leaves them out.
     */
    search(req: { query: string; limit: number; vector: ArrayLike<number> | null; asOf?: string | undefined; kinds: Array<Fact['kind']>; vectorReliability?: number | undefined }, settings: FactSearchSettings = DEFAULT_FACT_SEARCH): { hits: FactHit[]; mode: 'hybrid' | 'lexical' | 'vector' } {
      const at = req.asOf ? new Date(req.asOf).toISOString() : null;
      const live = at ? 'f.created_at <= ? AND (f.retired_at IS NULL OR f.retired_at > ?)' : 'f.retired_at IS NULL';
      const liveParams = at ? [at, at] : [];
      const kinds = `f.kind IN (${req.kinds.map(() => '?').join(',')})`;
      const bm25 = new Map<number, number>();
      const fts = termsToFts(queryTerms(req.query, { stopWords: true }));
      if (fts) {
        const rows = db.prepare(`SELECT f.rowid, bm25(facts_fts) AS rank FROM facts_fts JOIN facts f ON f.rowid = facts_fts.rowid WHERE facts_fts MATCH ? AND ${live} AND ${kinds} ORDER BY rank LIMIT ?`)
          .all(fts, ...liveParams, ...req.kinds, settings.candidates) as Array<{ rowid: number; rank: number }>;
        for (const r of rows) bm25.set(r.rowid, -r.rank);
      }
      const cos = new Map<number, number>();
      const vectorQuery = req.vector && vectors.space()?.dims === req.vector.length ? req.vector : null;
      if (vectorQuery) {
        const allowed = (rowid: number): boolean => {
          const r = db.prepare(`SELECT 1 FROM facts f WHERE f.rowid = ? AND ${live} AND ${kinds}`).get(rowid, ...liveParams, ...req.kinds);
          return r !== undefined;
        };
        for (const n of vectors.nearest(vectorQuery, settings.candidates, settings.candidates * 4, allowed)) cos.set(n.rowid, n.cosine);
      }
      const rows = facts.rowsByRowid([...new Set([...bm25.keys(), ...cos.keys()])]);
      const candidates: Candidate[] = rows.map((row) => ({
        key: row.id, row, bm25: bm25.get(row.rowid) ?? null,
        cosine: cos.get(row.rowid) ?? (vectorQuery ? vectors.cosineTo(vectorQuery, row.rowid) : null),
        vector: lazy(() => (vectorQuery ? vectors.approximate(row.rowid) : null)),
        time: row.updated_at ?? row.created_at, importance: row.pinned ? 1 : row.confidence, salience: 0, inTimeRange: null,
        words: lazy(() => new Set(queryTerms(row.text, { stopWords: true, maxTerms: 64 }))),
      }));
      const fused = fuseAndDiversify(candidates, { weights: settings.weights, now: at ? Date.parse(at) : Date.now(), recencyHalfLifeDays: settings.recencyHalfLifeDays, outOfRangeFactor: 1, mmrLambda: settings.mmrLambda, limit: req.limit, vectorReliability: req.vectorReliability ?? 1 });
      const mode = vectorQuery && bm25.size > 0 ? 'hybrid' : vectorQuery ? 'vector' : 'lexical';
      return { hits: fused.map((f) => ({ fact: toFact(f.candidate.row, vectors.has(f.candidate.row.rowid)), score: f.score, scores: f.scores })), mode };
    },
  };
}
