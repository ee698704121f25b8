import { cosine } from './vectorIndex.js';

/** Weights of the hybrid score; each signal is in [0, 1]. */
export interface RetrievalWeights {
  bm25: number;
  vector: number;
  recency: number;
  importance: number;
  salience: number;
}

export interface ScoreBreakdown {
  bm25: number;
  vector: number;
  recency: number;
  importance: number;
  salience: number;
  /** 1 inside the query's time expression, lower outside; 1 when the query names no time. */
  time: number;
}

export interface FusionCandidate {
  key: string;
  /** Raw BM25 (positive, higher is better) or null when not a lexical match. */
  bm25: number | null;
  /** Cosine similarity to the query, or null without vectors. */
  cosine: number | null;
  time: string;
  importance: number;
  /** Arousal of the mood at the time, |valence| blended in: how emotionally charged the memory is. */
  salience: number;
  inTimeRange: boolean | null;
  /** Computed only for the few candidates MMR compares. */
  words: () => ReadonlySet<string>;
  vector: () => Float32Array | null;
}

export interface FusedHit<C extends FusionCandidate> {
  candidate: C;
  score: number;
  scores: ScoreBreakdown;
}

export interface FusionOptions {
  weights: RetrievalWeights;
  /** Reference time for recency (the query's "now"). */
  now: number;
  recencyHalfLifeDays: number;
  /** Multiplier for candidates outside the query's time range. */
  outOfRangeFactor: number;
  /** MMR trade-off: 1 = pure relevance, lower = more diverse. */
  mmrLambda: number;
  /** How many hits to return. */
  limit: number;
  /** How far this embedding space can be trusted (its self-test), in [0, 1]; scales the vector weight. */
  vectorReliability?: number;
}

const clamp01 = (x: number): number => (x < 0 ? 0 : x > 1 ? 1 : x);

/**
 * Fuses the signals of every candidate into one score and diversifies the top with maximal marginal
 * relevance, so that near-duplicates do not fill the budget. BM25 is scaled by the best lexical score
 * of this query; cosine by the spread of this query's candidates (embedding models differ widely in how
 * similar unrelated texts look). Signals that are missing for the whole query (no vectors at all)
 * drop out and the other weights are renormalised.
 */
export function fuseAndDiversify<C extends FusionCandidate>(candidates: C[], opts: FusionOptions): Array<FusedHit<C>> {
  if (candidates.length === 0) return [];
  const maxBm25 = Math.max(0, ...candidates.map((c) => c.bm25 ?? 0));
  const cosines = candidates.map((c) => c.cosine).filter((c): c is number => c !== null);
  const hasVectors = cosines.length > 0;
  const hasLexical = maxBm25 > 0;
  const cosMax = hasVectors ? Math.max(...cosines) : 1;
  const cosMean = hasVectors ? cosines.reduce((a, b) => a + b, 0) / cosines.length : 0;
  const w = { ...opts.weights };
  w.vector *= opts.vectorReliability ?? 1;
  if (!hasVectors) w.vector = 0;
  if (!hasLexical) w.bm25 = 0;
  const total = w.bm25 + w.vector + w.recency + w.importance + w.salience || 1;
  const halfLifeMs = opts.recencyHalfLifeDays * 86_400_000;

  const scored = candidates.map((c): FusedHit<C> => {
    const scores: ScoreBreakdown = {
      bm25: c.bm25 !== null && maxBm25 > 0 ? c.bm25 / maxBm25 : 0,
      vector: c.cosine !== null && cosMax > cosMean ? clamp01((c.cosine - cosMean) / (cosMax - cosMean)) : c.cosine !== null ? clamp01(c.cosine) : 0,
      recency: Math.pow(0.5, Math.max(0, opts.now - Date.parse(c.time)) / halfLifeMs),
      importance: clamp01(c.importance),
      salience: clamp01(c.salience),
      time: c.inTimeRange === false ? opts.outOfRangeFactor : 1,
    };
    const base = (w.bm25 * scores.bm25 + w.vector * scores.vector + w.recency * scores.recency + w.importance * scores.importance + w.salience * scores.salience) / total;
    return { candidate: c, score: base * scores.time, scores };
  });
  scored.sort((a, b) => b.score - a.score);
  // an embedding space that cannot tell texts apart would call everything a near-duplicate
  return mmr(scored, opts.limit, opts.mmrLambda, (opts.vectorReliability ?? 1) >= 0.5);
}

/** Similarity of two candidates: cosine of their vectors when both have one, else word overlap. */
export function similarity(a: FusionCandidate, b: FusionCandidate, useVectors = true): number {
  const va = useVectors ? a.vector() : null;
  const vb = va ? b.vector() : null;
  if (va && vb) return cosine(va, vb);
  const wa = a.words();
  const wb = b.words();
  if (wa.size === 0 || wb.size === 0) return 0;
  let shared = 0;
  for (const word of wa) if (wb.has(word)) shared++;
  return shared / (wa.size + wb.size - shared);
}

/** Caches a computed value: candidates build their word sets and vectors only when MMR asks. */
export function lazy<T>(make: () => T): () => T {
  let done = false;
  let value: T;
  return () => {
    if (!done) {
      value = make();
      done = true;
    }
    return value;
  };
}

/** Greedy MMR over the best `3k` of a ranked list. */
export function mmr<C extends FusionCandidate>(ranked: Array<FusedHit<C>>, k: number, lambda: number, useVectors = true): Array<FusedHit<C>> {
  if (lambda >= 1) return ranked.slice(0, k);
  const pool = ranked.slice(0, Math.max(k * 3, k));
  const chosen: Array<FusedHit<C>> = [];
  while (chosen.length < k && pool.length > 0) {
    let bestIndex = 0;
    let best = -Infinity;
    for (let i = 0; i < pool.length; i++) {
      const hit = pool[i] as FusedHit<C>;
      let maxSim = 0;
      for (const c of chosen) maxSim = Math.max(maxSim, similarity(hit.candidate, c.candidate, useVectors));
      const value = lambda * hit.score - (1 - lambda) * maxSim * (chosen.length > 0 ? 1 : 0);
      if (value > best) {
        best = value;
        bestIndex = i;
      }
    }
    chosen.push(pool.splice(bestIndex, 1)[0] as FusedHit<C>);
  }
  return chosen;
}
