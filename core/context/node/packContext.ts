import type { z } from 'zod';
import { queryTerms } from '../../memory-kit/common/ftsQuery.js';
import type { contextItemSchema } from '../common/contract.js';

export type ContextItem = z.infer<typeof contextItemSchema>;

/**
 * Fills the budget: recent working-memory turns first (the conversation must stay coherent), up to
 * `recentShare` of the budget, newest kept; then recalled episodes and facts by score. Near-duplicates
 * across tiers (a fact and the turn it was extracted from, the same sentence said twice) are kept once:
 * each tier diversifies its own hits, this catches the overlap between them.
 */
export function packContext(recent: ContextItem[], recalled: ContextItem[], budget: number, recentShare = 0.6) {
  const seen = new Set<string>();
  const norm = (t: string): string => t.toLowerCase().replace(/\s+/g, ' ').trim();
  let used = 0;
  const keptRecent: ContextItem[] = [];
  const recentBudget = Math.floor(budget * recentShare);
  for (let i = recent.length - 1; i >= 0; i--) {
    const item = recent[i] as ContextItem;
    if (used + item.tokens > recentBudget) break;
    keptRecent.unshift(item);
    seen.add(norm(item.text));
    used += item.tokens;
  }
  const keptRecalled: ContextItem[] = [];
  const keptWords: Array<Set<string>> = [];
  for (const item of [...recalled].sort((a, b) => b.score - a.score)) {
    const key = norm(item.text);
    if (seen.has(key) || used + item.tokens > budget) continue;
    const words = new Set(queryTerms(item.text, { stopWords: true, maxTerms: 64 }));
    if (keptWords.some((w) => jaccard(w, words) >= 0.8)) continue;
    seen.add(key);
    keptWords.push(words);
    keptRecalled.push(item);
    used += item.tokens;
  }
  return { recent: keptRecent, recalled: keptRecalled, usedTokens: used };
}

function jaccard(a: Set<string>, b: Set<string>): number {
  if (a.size === 0 || b.size === 0) return 0;
  let shared = 0;
  for (const w of a) if (b.has(w)) shared++;
  return shared / (a.size + b.size - shared);
}
