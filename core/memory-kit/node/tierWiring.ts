import type { MemoryChange } from '../../contracts/domain.js';
import { PagiError } from '../../contracts/errors.js';
import type { BusEvent, EventTopic } from '../../contracts/events.js';
import type { ServiceContext } from '../../runtime/common/defineService.js';
import { createSelfTestRunner } from '../common/embeddingSelfTest.js';
import type { MemoryTierName } from '../common/tierContract.js';
import { createBackgroundEmbedder } from './backgroundEmbedder.js';
import type { VectorStore } from './vectorStore.js';

/** The loaded model's embeddings: the inference service's `embed`, passed in (the kit knows no service). */
export type Embed = (texts: string[], opts: { timeoutMs: number }) => Promise<{ model: string; dims: number; vectors: number[][] }>;

/** The config keys the wiring reads (`embeddingConfigShape` in the tier's config schema). */
export interface TierEmbeddingConfig {
  queryEmbedTimeoutMs: number;
  embedBatchTimeoutMs: number;
  embedRetryMs: number;
}

export interface TierWiringOptions {
  tier: MemoryTierName;
  vectors: VectorStore;
  /** How many memories the tier holds (the embedder's progress). */
  total: () => number;
  embed: Embed;
  /** How search notes name the tier's memories ("episode", "episodes") and what ranks them without vectors. */
  words: { memory: string; memories: string; withoutVectors: string };
  /** More topics for the service's one bus subscription (its consumer name is the service id). */
  events?: { topics: EventTopic[]; handler: (event: BusEvent) => void | Promise<void> };
  /** Runs after a model load re-kicked the embedder. */
  onModelLoaded?: () => void;
}

export type TierWiring = ReturnType<typeof createTierWiring>;

/**
 * What both memory tiers wire the same way at start: the background embedder (stopped at teardown,
 * re-kicked when a model loads, its progress published), the embedding self-test, the query's
 * vector for a search, and `memory.changed` for every recorded change.
 */
export function createTierWiring(ctx: ServiceContext<TierEmbeddingConfig>, opts: TierWiringOptions) {
  const { tier, vectors, words } = opts;
  // progress and notification events: the state itself is stored; a lost event is logged, not fatal
  const notPublished = (err: unknown): void => ctx.log.warn('event not published', { error: PagiError.from(err).message });
  const embedBatch = (texts: string[]) => opts.embed(texts, { timeoutMs: ctx.config.embedBatchTimeoutMs });

  const embedder = createBackgroundEmbedder({
    vectors,
    embed: embedBatch,
    total: opts.total,
    retryMs: ctx.config.embedRetryMs,
    onProgress: (s) => void ctx.bus.publish('memory.embedding.progressed', { tier, ...s }).catch(notPublished),
  });
  embedder.kick();
  ctx.onDispose(() => embedder.stop());
  const selfTest = createSelfTestRunner(vectors, async (texts) => (await embedBatch(texts)).vectors);

  ctx.bus.subscribe({
    consumer: ctx.id,
    topics: ['inference.model.loaded', ...(opts.events?.topics ?? [])],
    async handler(event) {
      if (event.topic !== 'inference.model.loaded') return opts.events?.handler(event);
      embedder.kick({ modelLoaded: true });
      opts.onModelLoaded?.();
    },
  });

  const queryVector = async (query: string): Promise<{ vector: number[] | null; note: string | null }> => {
    const space = vectors.space();
    if (!space || vectors.indexed === 0) return { vector: null, note: `no ${words.memory} has an embedding yet (no embedding model has been loaded): ranked by ${words.withoutVectors}` };
    try {
      const r = await opts.embed([query], { timeoutMs: ctx.config.queryEmbedTimeoutMs });
      if (r.model !== space.model || r.dims !== space.dims) return { vector: null, note: `${words.memories} are embedded with ${space.model}; the loaded model differs (re-embedding runs in the background)` };
      return { vector: r.vectors[0] ?? null, note: null };
    } catch (err) {
      return { vector: null, note: `the query could not be embedded (${PagiError.from(err).message}): ranked by ${words.withoutVectors}` };
    }
  };

  /** A change was recorded: its memory may need a (new) vector, and listeners hear of it. */
  const changed = async (change: MemoryChange): Promise<MemoryChange> => {
    embedder.kick();
    await ctx.bus.publish('memory.changed', { tier, changeId: change.id, op: change.op, targetId: change.targetId, actor: change.actor });
    return change;
  };

  return {
    embedder,
    notPublished,
    changed,
    /** `changed` for a result whose change may be null (nothing differed: nothing to announce). */
    async changedIn<R extends { change: MemoryChange | null }>(result: R): Promise<R> {
      if (result.change) await changed(result.change);
      return result;
    },
    /**
     * What a search needs besides the query: its vector in this tier's space (null when there is
     * none, and a note why), how far vectors count (the self-test), and notes saying so.
     */
    async querySignals(query: string): Promise<{ vector: number[] | null; reliability: number; notes: string[] }> {
      const qv = await queryVector(query);
      selfTest.maybeRun();
      const reliability = selfTest.reliability();
      const tested = selfTest.current();
      const weak = qv.vector && tested && reliability < 1
        ? `vectors weighted ×${reliability.toFixed(2)}: the embedding model found ${tested.found} of ${tested.probes} texts from their own words (self-test)`
        : null;
      return { vector: qv.vector, reliability, notes: [qv.note, weak].filter((n): n is string => n !== null) };
    },
  };
}
