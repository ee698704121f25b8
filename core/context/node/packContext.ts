import type { z } from 'zod';
import type { contextItemSchema } from '../common/contract.js';

export type ContextItem = z.infer<typeof contextItemSchema>;

/**
 * Fills the budget: recent working-memory turns first (the conversation must stay coherent), up to
 * `recentShare` of the budget, newest kept; then recalled episodes and facts by score. Near-duplicate
 * texts (same normalised text) are kept once.
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
  for (const item of [...recalled].sort((a, b) => b.score - a.score)) {
    const key = norm(item.text);
    if (seen.has(key) || used + item.tokens > budget) continue;
    seen.add(key);
    keptRecalled.push(item);
    used += item.tokens;
  }
  return { recent: keptRecent, recalled: keptRecalled, usedTokens: used };
}
