import { STOP_WORDS } from './stopWords.js';

export interface LexicalOptions {
  /** Drop English stop words (kept when the query has nothing else). */
  stopWords?: boolean;
  maxTerms?: number;
}

/** The searchable words of a text, lower-cased, in order, without duplicates. */
export function queryTerms(text: string, opts: LexicalOptions = {}): string[] {
  const words = (text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []).filter((w) => w.length > 1 || /\p{N}/u.test(w));
  const unique = [...new Set(words)];
  const content = opts.stopWords === false ? unique : unique.filter((w) => !STOP_WORDS.has(w));
  return (content.length > 0 ? content : unique).slice(0, opts.maxTerms ?? 32);
}

/**
 * Words as a safe FTS5 query: each quoted (so `AND`, `*`, `"` or `:` in the user's text are never FTS
 * syntax), joined with OR so BM25 ranks partial matches.
 */
export function termsToFts(terms: string[]): string | null {
  if (terms.length === 0) return null;
  return terms.map((w) => `"${w.replace(/"/g, '')}"`).join(' OR ');
}
