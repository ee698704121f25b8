import type { SqliteDatabase } from '../../../native/sqlite.js';
import type { Episode } from '../../contracts/domain.js';
import { queryTerms, termsToFts } from '../../memory-kit/common/ftsQuery.js';
import { fuseAndDiversify, lazy, type FusionCandidate, type RetrievalWeights, type ScoreBreakdown } from '../../memory-kit/common/fusion.js';
import { STOP_WORDS } from '../../memory-kit/common/stopWords.js';
import type { VectorStore } from '../../memory-kit/node/vectorStore.js';
import { parseTimeExpression, type TimeRange } from '../common/timeExpressions.js';
import { toEpisode, type EpisodeRow, type EpisodeStore } from './episodeStore.js';

/** Each step of lexical retrieval can be turned off; `npm run bench:memory` measures every one. */
export interface LexicalSteps {
  stopWords: boolean;
  timeExpressions: boolean;
  /** Match the neighbouring turns' text (a low-weight index column). */
  neighbours: boolean;
  /** Pseudo-relevance feedback: words shared by the best first-pass hits join the query. */
  feedback: boolean;
}

export interface SearchSettings {
  weights: RetrievalWeights;
  lexical: LexicalSteps;
  recencyHalfLifeDays: number;
  mmrLambda: number;
  outOfRangeFactor: number;
  /** Lexical candidates per query (and per time-restricted query). */
  lexicalCandidates: number;
  /** Vector candidates rescored by cosine after the binary scan. */
  vectorCandidates: number;
  vectorPool: number;
}

export const DEFAULT_SEARCH: SearchSettings = {
  weights: { bm25: 0.5, vector: 0.3, recency: 0.1, importance: 0.05, salience: 0.05 },
  lexical: { stopWords: true, timeExpressions: true, neighbours: true, feedback: false },
  recencyHalfLifeDays: 90,
  mmrLambda: 0.8,
  outOfRangeFactor: 0.35,
  lexicalCandidates: 100,
  vectorCandidates: 60,
  vectorPool: 400,
};

export interface SearchRequest {
  query: string;
  limit: number;
  sessionId?: string | undefined;
  /** The query's embedding in the memory's current space; null or absent: lexical only. */
  vector?: ArrayLike<number> | null | undefined;
  /** "Now" for recency and relative time expressions. */
  now?: number | undefined;
  /** Leave a signal out entirely (benchmarks compare them alone). */
  use?: { lexical: boolean; vector: boolean } | undefined;
  /** The embedding space's self-test score (see `embeddingSelfTest`): scales the vector weight. */
  vectorReliability?: number | undefined;
}

export interface EpisodeHit { episode: Episode; score: number; scores: ScoreBreakdown }

interface Candidate extends FusionCandidate { row: EpisodeRow }

const salienceOf = (mood: string | null): number => {
  if (!mood) return 0;
  const m = JSON.parse(mood) as { pleasure: number; arousal: number };
  return Math.min(1, 0.6 * Math.abs(m.arousal) + 0.4 * Math.abs(m.pleasure));
};

export function createEpisodeSearch(db: SqliteDatabase, store: EpisodeStore, vectors: VectorStore) {
  // a handful of query shapes (with or without session and time filters): each prepared once
  const statements = new Map<string, ReturnType<SqliteDatabase['prepare']>>();
  const prepared = (sql: string): ReturnType<SqliteDatabase['prepare']> & { all(...params: unknown[]): unknown[] } => {
    let stmt = statements.get(sql);
    if (!stmt) statements.set(sql, (stmt = db.prepare(sql)));
    return stmt;
  };
  const lexical = (terms: string, steps: LexicalSteps, limit: number, filter: { sessionId?: string | undefined; range?: TimeRange | null }): Array<{ rowid: number; bm25: number }> => {
    const where: string[] = [];
    const fts = steps.neighbours ? terms : `{text actor} : (${terms})`;
    const params: unknown[] = [fts, `bm25(1.0, 0.6, ${steps.neighbours ? 0.25 : 0})`];
    if (filter.sessionId) {
        where.push('e.session_id = ?');
        params.push(filter.sessionId);
      }
    if (filter.range) {
        where.push('e.time >= ? AND e.time <= ?');
        params.push(filter.range.from, filter.range.to);
      }
    const sql = where.length === 0
      ? 'SELECT rowid, rank FROM episodes_fts WHERE episodes_fts MATCH ? AND rank MATCH ? ORDER BY rank LIMIT ?'
      : `SELECT f.rowid, f.rank FROM episodes_fts f JOIN episodes e ON e.rowid = f.rowid WHERE f.episodes_fts MATCH ? AND f.rank MATCH ? AND ${where.join(' AND ')} ORDER BY f.rank LIMIT ?`;
    const rows = prepared(sql).all(...params, limit) as Array<{ rowid: number; rank: number }>;
    return rows.map((r) => ({ rowid: r.rowid, bm25: -r.rank }));
  };

  /**
   * Words in more than half of all turns rank almost nothing and make the query score most of the
   * index; they go unless nothing else is left. Speaker names stay ("what did Ana say…"). A lower
   * cut-off (a tenth) was faster but lost answers ("work" in "where does Ana work now?") in
   * `npm run bench:memory`.
   */
  const docFrequency = db.prepare("SELECT doc FROM episodes_vocab WHERE term = ? AND col = 'text'").pluck();
  const isSpeaker = db.prepare("SELECT 1 FROM episodes_vocab WHERE term = ? AND col = 'actor'").pluck();
  // the largest rowid bounds the count in O(1) (a few deleted rows do not matter to a "half of all turns" cut)
  const total = db.prepare('SELECT COALESCE(MAX(rowid), 0) FROM episodes').pluck();
  const withoutCommonTerms = (terms: string[]): string[] => {
    if (terms.length < 2) return terms;
    const limit = (total.get() as number) * 0.5;
    if (limit < 50) return terms;
    const kept = terms.filter((t) => ((docFrequency.get(t) as number | undefined) ?? 0) <= limit || isSpeaker.get(t) !== undefined);
    return kept.length > 0 ? kept : terms;
  };

  /** Words that the best first-pass hits share and the query lacks (pseudo-relevance feedback). */
  const feedbackTerms = (rowids: number[], query: Set<string>): string[] => {
    const counts = new Map<string, number>();
    for (const row of store.rowsByRowid(rowids)) {
      for (const w of new Set(queryTerms(row.text, { stopWords: true, maxTerms: 200 }))) {
        if (!query.has(w) && !STOP_WORDS.has(w) && w.length > 2) counts.set(w, (counts.get(w) ?? 0) + 1);
      }
    }
    return [...counts].filter(([, n]) => n >= 2).sort((a, b) => b[1] - a[1]).slice(0, 5).map(([w]) => w);
  };

  return {
    search(req: SearchRequest, settings: SearchSettings = DEFAULT_SEARCH): { hits: EpisodeHit[]; timeRange: TimeRange | null; mode: 'hybrid' | 'lexical' | 'vector' } {
      const now = req.now ?? Date.now();
      const steps = settings.lexical;
      const use = req.use ?? { lexical: true, vector: true };
      const parsed = steps.timeExpressions ? parseTimeExpression(req.query, now) : { range: null, rest: req.query };
      const range = parsed.range;
      const terms = steps.stopWords ? withoutCommonTerms(queryTerms(parsed.rest, { stopWords: true })) : queryTerms(parsed.rest, { stopWords: false });
      const bm25 = new Map<number, number>();
      const merge = (hits: Array<{ rowid: number; bm25: number }>, factor = 1): void => {
        for (const h of hits) bm25.set(h.rowid, Math.max(bm25.get(h.rowid) ?? 0, h.bm25 * factor));
      };

      if (use.lexical) {
        const fts = termsToFts(terms);
        if (fts) {
          const first = lexical(fts, steps, settings.lexicalCandidates, { sessionId: req.sessionId });
          merge(first);
          if (range) merge(lexical(fts, steps, settings.lexicalCandidates, { sessionId: req.sessionId, range }));
          if (steps.feedback && first.length >= 2) {
            const extra = feedbackTerms(first.slice(0, 3).map((h) => h.rowid), new Set(terms));
            const expanded = termsToFts([...terms, ...extra]);
            if (extra.length > 0 && expanded) merge(lexical(expanded, steps, settings.lexicalCandidates, { sessionId: req.sessionId }), 0.5);
          }
        }
      }
      const cos = new Map<number, number>();
      // a space that failed its self-test adds no candidates (they would be noise), only a zero-weight score
      const vectorQuery = use.vector && req.vector && vectors.space()?.dims === req.vector.length ? req.vector : null;
      if (vectorQuery && (req.vectorReliability ?? 1) > 0) for (const n of vectors.nearest(vectorQuery, settings.vectorCandidates, settings.vectorPool)) cos.set(n.rowid, n.cosine);

      const ids = new Set<number>([...bm25.keys(), ...cos.keys()]);
      // a time expression with nothing else to match ("what happened last week?"): that period's memories
      if (range && (terms.length === 0 || ids.size === 0)) {
        const rows = prepared(`SELECT rowid FROM episodes WHERE time >= ? AND time <= ? ${req.sessionId ? 'AND session_id = ?' : ''} ORDER BY importance DESC, time DESC LIMIT ?`)
          .pluck().all(...[range.from, range.to, ...(req.sessionId ? [req.sessionId] : []), settings.lexicalCandidates]) as number[];
        rows.forEach((r) => ids.add(r));
      }
      const rows = store.rowsByRowid([...ids]).filter((r) => !req.sessionId || r.session_id === req.sessionId);
      const candidates: Candidate[] = rows.map((row) => ({
        key: row.id, row, bm25: bm25.get(row.rowid) ?? null,
        cosine: cos.get(row.rowid) ?? (vectorQuery ? vectors.cosineTo(vectorQuery, row.rowid) : null),
        vector: lazy(() => (vectorQuery ? vectors.approximate(row.rowid) : null)),
        time: row.time, importance: row.importance, salience: salienceOf(row.mood),
        inTimeRange: range ? row.time >= range.from && row.time <= range.to : null,
        words: lazy(() => new Set(queryTerms(row.text, { stopWords: true, maxTerms: 64 }))),
      }));
      const weights = { ...settings.weights, ...(use.lexical ? {} : { bm25: 0 }), ...(use.vector ? {} : { vector: 0 }) };
      const fused = fuseAndDiversify(candidates, { weights, now, recencyHalfLifeDays: settings.recencyHalfLifeDays, outOfRangeFactor: settings.outOfRangeFactor, mmrLambda: settings.mmrLambda, limit: req.limit, vectorReliability: req.vectorReliability ?? 1 });
      const mode = vectorQuery && bm25.size > 0 ? 'hybrid' : vectorQuery ? 'vector' : 'lexical';
      return { hits: fused.map((f) => ({ episode: toEpisode(f.candidate.row), score: f.score, scores: f.scores })), timeRange: range, mode };
    },
  };
}

