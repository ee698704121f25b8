import { z } from 'zod';
import { PagiError } from '../../contracts/errors.js';
import { defineService } from '../../runtime/common/defineService.js';
import { inferenceContract } from '../../inference/common/contract.js';
import { episodicMemoryContract } from '../../memory-episodic/common/contract.js';
import { semanticMemoryContract } from '../../memory-semantic/common/contract.js';
import { workingMemoryContract } from '../../memory-working/common/contract.js';
import { estimateTokens } from '../../memory-working/common/tokens.js';
import { contextContract } from '../common/contract.js';
import { packContext, type ContextItem } from './packContext.js';

const configSchema = z.object({
  episodicCandidates: z.number().int().min(0).max(200).default(12),
  semanticCandidates: z.number().int().min(0).max(200).default(8),
  /** Per-tier deadline: a slow tier is left out (and reported) rather than delaying the reply. */
  tierTimeoutMs: z.number().int().min(50).default(3_000),
  /** Counting takes milliseconds; past this the budget uses estimates… */
  tokenCountTimeoutMs: z.number().int().min(10).default(500),
  /** …and keeps to estimates this long, so a hung inference service does not slow every turn. */
  tokenCountBackoffMs: z.number().int().min(0).default(15_000),
});

const timed = async <T>(fn: () => Promise<T>): Promise<{ value: T | null; ms: number; error: string | null; code: string | null }> => {
  const t0 = performance.now();
  try {
    return { value: await fn(), ms: performance.now() - t0, error: null, code: null };
  } catch (err) {
    const e = PagiError.from(err);
    return { value: null, ms: performance.now() - t0, error: e.message, code: e.code };
  }
};

export default defineService({
  id: 'context',
  contract: contextContract,
  configSchema,
  async start(ctx) {
    const working = ctx.client(workingMemoryContract);
    const episodic = ctx.client(episodicMemoryContract);
    const semantic = ctx.client(semanticMemoryContract);
    const inference = ctx.client(inferenceContract);
    let countingPausedUntil = 0;
    const timeoutMs = ctx.config.tierTimeoutMs;

    return {
      api: {
        async build({ sessionId, query, budgetTokens, exclude }) {
          const t0 = performance.now();
          const skip = new Set(exclude);
          const [w, e, s] = await Promise.all([
            timed(() => working.get({ sessionId }, { timeoutMs })),
            timed(() => (ctx.config.episodicCandidates > 0 && query.trim() ? episodic.search({ query, limit: ctx.config.episodicCandidates, touch: true }, { timeoutMs }) : Promise.resolve(null))),
            timed(() => (ctx.config.semanticCandidates > 0 && query.trim() ? semantic.search({ query, limit: ctx.config.semanticCandidates, touch: true }, { timeoutMs }) : Promise.resolve(null))),
          ]);
          const degraded: string[] = [];
          if (w.error) degraded.push(`memory.working: ${w.error}`);
          if (e.error) degraded.push(`memory.episodic: ${e.error}`);
          if (s.error) degraded.push(`memory.semantic: ${s.error}`);
          for (const note of e.value?.notes ?? []) if (!note.startsWith('time:')) degraded.push(`memory.episodic: ${note}`);
          for (const note of s.value?.notes ?? []) degraded.push(`memory.semantic: ${note}`);

          const recentIds = new Set((w.value?.turns ?? []).map((t) => t.id));
          const recent: ContextItem[] = (w.value?.turns ?? [])
            .filter((t) => !skip.has(t.id))
            .map((t) => ({ tier: 'working', id: t.id, text: t.text, role: t.role, time: t.at, score: 1, scores: null, tokens: t.tokens }));
          // both tiers score in [0, 1] with the same signals (fused hybrid scores), so they sort together
          const recalled: ContextItem[] = [
            ...(e.value?.hits ?? [])
              .filter((h) => !skip.has(h.episode.id) && !recentIds.has(h.episode.id))
              .map((h): ContextItem => ({ tier: 'episodic', id: h.episode.id, text: `${h.episode.actor}: ${h.episode.text}`, role: null, time: h.episode.time, score: h.score, scores: h.scores, tokens: estimateTokens(h.episode.text) })),
            ...(s.value?.hits ?? []).map((h): ContextItem => ({ tier: 'semantic', id: h.fact.id, text: h.fact.text, role: null, time: h.fact.createdAt, score: h.score, scores: h.scores, tokens: estimateTokens(h.fact.text) })),
          ];
          // budgets are in the loaded model's tokens; without a tokenizer (no model, remote) they are estimates
          const all = [...recent, ...recalled];
          const tCount = performance.now();
          if (all.length > 0 && Date.now() >= countingPausedUntil) {
            const counted = await timed(() => inference.countTokensMany({ texts: all.map((i) => i.text) }, { timeoutMs: ctx.config.tokenCountTimeoutMs }));
            if (counted.value) all.forEach((item, i) => (item.tokens = Math.max(1, counted.value?.counts[i] ?? item.tokens)));
            else {
              degraded.push(`token counts are estimates: ${counted.error ?? 'no tokenizer'}`);
              if (counted.code === 'DEADLINE_EXCEEDED') countingPausedUntil = Date.now() + ctx.config.tokenCountBackoffMs;
            }
          } else if (all.length > 0) degraded.push('token counts are estimates: the tokenizer did not answer recently');
          const countMs = performance.now() - tCount;
          const tPack = performance.now();
          const packed = packContext(recent, recalled, budgetTokens);
          const packMs = performance.now() - tPack;
          return {
            ...packed,
            budgetTokens,
            provenance: [...packed.recent, ...packed.recalled].map((i) => ({ tier: i.tier, id: i.id, score: i.score, scores: i.scores, tokens: i.tokens })),
            degraded,
            timings: { workingMs: w.ms, episodicMs: e.ms, semanticMs: s.ms, countMs, packMs, totalMs: performance.now() - t0 },
          };
        },
      },
    };
  },
});
