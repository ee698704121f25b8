import { rng } from './conversationGenerator.js';

/** A vocabulary of made-up words with a Zipf-like frequency, for scale runs (10k–100k episodes). */
export function createSyntheticText(seed: number, vocabulary = 8_000) {
  const rand = rng(seed);
  const syllables = ['ka', 'lo', 'mi', 'ren', 'tu', 'sa', 'vor', 'pel', 'di', 'na', 'qu', 'es', 'tor', 'bri', 'um', 'zel'];
  const words = Array.from({ length: vocabulary }, (_, i) => {
    let w = '';
    for (let n = 2 + (i % 3); n > 0; n--) w += syllables[Math.floor(rand() * syllables.length)];
    return `${w}${i}`;
  });
  // Zipf: rank r drawn with probability ∝ 1/r
  const harmonic = words.reduce((s, _, i) => s + 1 / (i + 1), 0);
  const cumulative: number[] = [];
  words.reduce((s, _, i) => (cumulative.push((s + 1 / (i + 1)) / harmonic), s + 1 / (i + 1)), 0);
  const word = (): string => {
    const x = rand();
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((cumulative[mid] as number) < x) lo = mid + 1;
      else hi = mid;
    }
    return words[lo] as string;
  };
  return {
    rand,
    /** Whether a word is among the 100 most frequent: the function words of this made-up language. */
    isFunctionWord: (w: string): boolean => Number(w.replace(/^\D+/, '')) < 100,
    sentence: (min = 8, max = 20): string => Array.from({ length: min + Math.floor(rand() * (max - min)) }, word).join(' '),
  };
}

/**
 * A bag-of-words embedding (each word a fixed pseudo-random direction, summed, normalised). It stands
 * in for an embedding model in the scale runs: the same text always gets the same vector, and texts
 * sharing words are close, so the vector index does real work on realistic data sizes.
 */
export function createBagOfWordsEmbedder(dims = 384) {
  const cache = new Map<string, Float32Array>();
  const wordVector = (w: string): Float32Array => {
    let v = cache.get(w);
    if (v) return v;
    let h = 2166136261;
    for (let i = 0; i < w.length; i++) h = Math.imul(h ^ w.charCodeAt(i), 16777619);
    const r = rng(h >>> 0);
    v = new Float32Array(dims);
    for (let i = 0; i < dims; i++) v[i] = r() * 2 - 1;
    if (cache.size < 200_000) cache.set(w, v);
    return v;
  };
  return (text: string): number[] => {
    const sum = new Float32Array(dims);
    for (const w of text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []) {
      const v = wordVector(w);
      for (let i = 0; i < dims; i++) sum[i] = (sum[i] as number) + (v[i] as number);
    }
    let norm = 0;
    for (let i = 0; i < dims; i++) norm += (sum[i] as number) ** 2;
    norm = Math.sqrt(norm) || 1;
    return Array.from(sum, (x) => x / norm);
  };
}
