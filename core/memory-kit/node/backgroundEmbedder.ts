import type { VectorStore } from './vectorStore.js';

export type EmbedState = 'idle' | 'embedding' | 'waiting-for-model' | 'failed';

export interface EmbedStatus {
  model: string | null;
  dims: number | null;
  embedded: number;
  total: number;
  state: EmbedState;
  note: string | null;
}

export interface BackgroundEmbedderOptions {
  vectors: VectorStore;
  /** Embeds texts with whatever embedding model is loaded; throws when there is none. */
  embed: (texts: string[]) => Promise<{ model: string; dims: number; vectors: number[][] }>;
  total: () => number;
  onProgress: (status: EmbedStatus) => void;
  batchSize?: number;
  /** How long to wait before asking again after "no model". */
  retryMs?: number;
}

/**
 * Gives every memory a vector in the current embedding space, in the background, in batches, and
 * re-embeds everything when the embedding model (or its dimension) changes. Without a model it
 * waits and says so; memories stay searchable lexically meanwhile.
 */
export function createBackgroundEmbedder(opts: BackgroundEmbedderOptions) {
  const batchSize = opts.batchSize ?? 32;
  let state: EmbedState = 'idle';
  let note: string | null = null;
  let running: Promise<void> | null = null;
  let again = false;
  let stopped = false;
  let retry: ReturnType<typeof setTimeout> | null = null;
  let lastReport = 0;
  // the loaded model may not be the one the stored vectors came from (it changed while this service
  // was down, or the memories came in a twin bundle): asked once at start and after every model load
  let checkModel = true;

  const status = (): EmbedStatus => {
    const space = opts.vectors.space();
    return { model: space?.model ?? null, dims: space?.dims ?? null, embedded: space ? opts.vectors.countIn(space.model) : 0, total: opts.total(), state, note };
  };
  const report = (force = false): void => {
    if (!force && Date.now() - lastReport < 1_000) return;
    lastReport = Date.now();
    opts.onProgress(status());
  };

  const pass = async (): Promise<void> => {
    for (;;) {
      if (stopped) return;
      const batch = opts.vectors.missing(batchSize);
      const current = opts.vectors.space();
      if (batch.length === 0 && checkModel && current) {
        let probe: Awaited<ReturnType<typeof opts.embed>> | null = null;
        try {
          probe = await opts.embed(['which embedding space is this?']);
        } catch {
          // no model now: every memory has its vector; the next model load asks again
        }
        if (probe) {
          checkModel = false;
          if (probe.model !== current.model || probe.dims !== current.dims) {
            opts.vectors.setSpace({ model: probe.model, dims: probe.dims });
            note = `re-embedding with ${probe.model} (was ${current.model}, ${current.dims} dims)`;
            continue;
          }
        }
      }
      if (batch.length === 0) {
        const wasBusy = state !== 'idle';
        state = 'idle';
        note = null;
        if (wasBusy) report(true);
        return;
      }
      let result: Awaited<ReturnType<typeof opts.embed>>;
      try {
        result = await opts.embed(batch.map((b) => b.text));
      } catch (err) {
        state = 'waiting-for-model';
        note = `no embeddings yet: ${(err as Error).message}`;
        report(true);
        retry ??= setTimeout(() => {
          retry = null;
          kick();
        }, opts.retryMs ?? 60_000);
        retry.unref?.();
        return;
      }
      const space = opts.vectors.space();
      if (!space || space.model !== result.model || space.dims !== result.dims) {
        // a new embedding model: every memory is embedded again, in this space
        opts.vectors.setSpace({ model: result.model, dims: result.dims });
        note = space ? `re-embedding with ${result.model} (was ${space.model}, ${space.dims} dims)` : null;
        continue;
      }
      if (state !== 'embedding') {
        state = 'embedding';
        report(true);
      }
      opts.vectors.putMany(batch.map((b, i) => ({ rowid: b.rowid, values: result.vectors[i] ?? [] })));
      report();
      await new Promise((r) => setImmediate(r)); // let searches and stores in between
    }
  };

  /** Starts a pass, or asks the running one to look again when it ends; `modelLoaded`: also check the embedding space. */
  function kick(how: { modelLoaded?: boolean } = {}): void {
    if (stopped) return;
    if (how.modelLoaded) checkModel = true;
    if (running) {
      again = true;
      return;
    }
    running = pass()
      .catch((err: unknown) => {
        state = 'failed';
        note = (err as Error).message;
        report(true);
      })
      .finally(() => {
        running = null;
        if (again) {
          again = false;
          kick();
        }
      });
  }

  return {
    kick,
    status,
    /** Resolves when no pass is running (tests, shutdown). */
    idle: async (): Promise<void> => {
      while (running) await running;
    },
    stop(): void {
      stopped = true;
      if (retry) clearTimeout(retry);
    },
  };
}
