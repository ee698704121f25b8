import { basename } from 'node:path';
import { PagiError } from '../../contracts/errors.js';
import type { Logger } from '../../runtime/common/defineService.js';
import type { LlamaEngine, LoadedModel } from './llamaEngine.js';

export interface ModelSlotOptions {
  engine: LlamaEngine;
  purpose: 'chat' | 'embedding';
  /** Unload after this long unused (0 = never); the next use loads it again. */
  idleUnloadMs: number;
  log: Logger;
  onLoaded(m: LoadedModel): void;
  onUnloaded(path: string, reason: string): void;
  onProgress(path: string, progress: number): void;
}

/**
 * One loaded model and its life: loading (with progress), replacing, unloading on request or after
 * idle time, and loading again on the next use after an idle unload.
 */
export function createModelSlot(opts: ModelSlotOptions) {
  let loaded: LoadedModel | null = null;
  let loading: Promise<LoadedModel> | null = null;
  let loadingPath: string | null = null;
  let progress = 0;
  let lastError: string | null = null;
  let idlePath: string | null = null; // unloaded for idleness: reload on demand
  let idleTimer: ReturnType<typeof setTimeout> | null = null;

  const armIdle = (): void => {
    if (idleTimer) clearTimeout(idleTimer);
    idleTimer = null;
    if (opts.idleUnloadMs <= 0 || !loaded) return;
    idleTimer = setTimeout(() => {
      // a long queue can outlast the idle time: it is not idleness
      if (loaded?.pool && loaded.pool.busy + loaded.pool.waiting > 0) {
        armIdle();
        return;
      }
      const path = loaded?.path ?? null;
      void unload('idle').then(() => {
        idlePath = path;
        opts.log.info(`unloaded ${path} after ${Math.round(opts.idleUnloadMs / 60_000)} min unused; it loads again on the next use`);
      });
    }, opts.idleUnloadMs);
    idleTimer.unref();
  };

  const load = (path: string): Promise<LoadedModel> => {
    const previous = loaded;
    idlePath = null;
    loadingPath = path;
    progress = 0;
    const p = (async () => {
      const next = await opts.engine.load(path, opts.purpose, (fraction) => {
        progress = fraction;
        opts.onProgress(path, fraction);
      });
      if (previous) await opts.engine.unload(previous, `replaced by ${basename(path)}`);
      loaded = next;
      lastError = null;
      armIdle();
      opts.onLoaded(next);
      return next;
    })();
    loading = p;
    p.catch((err: unknown) => {
      lastError = PagiError.from(err).message;
      opts.log.error(`${opts.purpose} model load failed: ${lastError}`);
    }).finally(() => {
      if (loading === p) {
        loading = null;
        loadingPath = null;
      }
    });
    return p;
  };

  const unload = async (reason: string): Promise<void> => {
    if (loading) await loading.catch(() => undefined);
    if (idleTimer) clearTimeout(idleTimer);
    idlePath = null;
    if (!loaded) return;
    const m = loaded;
    loaded = null;
    await opts.engine.unload(m, reason);
    opts.onUnloaded(m.path, reason);
  };

  return {
    load,
    unload,
    /** The loaded model, waiting for a load in progress or reloading after an idle unload. */
    async current(): Promise<LoadedModel | null> {
      if (loading) return loading;
      if (loaded) {
        armIdle();
        return loaded;
      }
      if (idlePath) return load(idlePath);
      return null;
    },
    get loaded() {
      return loaded;
    },
    state(): { state: 'no-model' | 'loading' | 'ready' | 'error' | 'idle-unloaded'; path: string | null; progress: number | null; error: string | null } {
      if (loading) return { state: 'loading', path: loadingPath, progress, error: null };
      if (loaded) return { state: 'ready', path: loaded.path, progress: null, error: null };
      if (idlePath) return { state: 'idle-unloaded', path: idlePath, progress: null, error: null };
      return { state: lastError ? 'error' : 'no-model', path: null, progress: null, error: lastError };
    },
    lastError: () => lastError,
    dispose(): void {
      if (idleTimer) clearTimeout(idleTimer);
    },
  };
}

export type ModelSlot = ReturnType<typeof createModelSlot>;
