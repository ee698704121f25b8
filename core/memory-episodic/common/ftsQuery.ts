/**
 * Turns free text into a safe FTS5 query: words only, each quoted (so `AND`, `*`, `"` or `:` in the
 * user's text are never FTS syntax), joined with OR so BM25 ranks partial matches.
 */
export function toFtsQuery(text: string, maxTerms = 32): string | null {
  const words = text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
  const unique = [...new Set(words)].slice(0, maxTerms);
  if (unique.length === 0) return null;
  return unique.map((w) => `"${w}"`).join(' OR ');
}
