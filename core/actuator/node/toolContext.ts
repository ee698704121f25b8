import type { ClientOf } from '../../contracts/contract.js';
import { PagiError } from '../../contracts/errors.js';
import type { episodicMemoryContract } from '../../memory-episodic/common/contract.js';
import type { semanticMemoryContract } from '../../memory-semantic/common/contract.js';
import type { ToolLimits, ToolMemory } from './toolDefinition.js';

export interface MemoryClients {
  episodic: ClientOf<typeof episodicMemoryContract>;
  semantic: ClientOf<typeof semanticMemoryContract>;
}

type Recalled = Awaited<ReturnType<ToolMemory['recall']>>;

/**
 * The memory a tool may use: both tiers' own hybrid search, merged by score (one tier down still
 * answers from the other), and a fact added by the twin. The semantic tier links a fact to source
 * episodes, not turns: the turn a remembered fact came from is in the audit row of the call.
 */
export function toolMemory(clients: MemoryClients): ToolMemory {
  return {
    async recall(query, limit, signal) {
      const [episodic, semantic] = await Promise.allSettled([
        clients.episodic.search({ query, limit }, { signal }),
        clients.semantic.search({ query, limit }, { signal }),
      ]);
      if (episodic.status === 'rejected' && semantic.status === 'rejected') {
        throw new PagiError('UNAVAILABLE', `memory cannot be searched now (${PagiError.from(episodic.reason).message})`);
      }
      const hits: Recalled = [
        ...(episodic.status === 'fulfilled' ? episodic.value.hits.map((h) => ({ id: h.episode.id, tier: 'episodic', text: h.episode.text, score: h.score, time: h.episode.time })) : []),
        ...(semantic.status === 'fulfilled' ? semantic.value.hits.map((h) => ({ id: h.fact.id, tier: 'semantic', text: h.fact.text, score: h.score, time: h.fact.validFrom ?? h.fact.createdAt })) : []),
      ];
      return hits.sort((a, b) => b.score - a.score).slice(0, limit);
    },
    async remember(text, _sourceTurnId, signal) {
      const fact = await clients.semantic.addFact({ text, by: 'twin' }, { signal });
      return { id: fact.id, text: fact.text };
    },
  };
}

/**
 * The outer deadline of a run: the tool's own bound (shell, web) plus a little to clean up, never
 * less than the general one, so a shell command gets its full time and then its kill.
 */
export function runTimeoutMs(kind: string, limits: ToolLimits, toolTimeoutMs: number): number {
  const own = kind === 'shell' ? limits.shellTimeoutMs : kind === 'web' ? limits.webTimeoutMs : 0;
  return Math.max(toolTimeoutMs, own + 2_000);
}

/** Why a signal stopped a run, in words for the model and the audit. */
export function abortReason(signal: AbortSignal, timeoutMs: number): { outcome: 'cancelled' | 'timed-out'; message: string } {
  const reason: unknown = signal.reason;
  if (reason instanceof DOMException && reason.name === 'TimeoutError') return { outcome: 'timed-out', message: `the tool took longer than ${timeoutMs} ms and was stopped` };
  return { outcome: 'cancelled', message: reason instanceof PagiError ? reason.message : 'the run was cancelled' };
}
