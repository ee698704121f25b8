import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { copyFile, link, rename, rm, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import type { SqliteDatabase } from '../../../native/sqlite.js';
import { PagiError } from '../../contracts/errors.js';
import type { BusClient } from '../../runtime/common/busClient.js';
import type { Logger } from '../../runtime/common/defineService.js';
import type { ModelRecord } from '../common/modelRecord.js';
import { sha256File } from './fileHasher.js';
import { checkGguf } from './ggufCheck.js';
import { createModelRegistry } from './modelRegistry.js';

/**
 * Installed models: importing (checked before anything else touches the file; referenced in place
 * or copied atomically into the app's models folder), removing, and checksums computed once in
 * the background — resumed after a restart.
 */
/** Copies a model in as `<target>.part`, renamed once whole: a copy cut short never looks like a model. */
async function copyInto(path: string, target: string, bytes: number): Promise<void> {
  const part = `${target}.part`;
  try {
    await copyFile(path, part);
    if ((await stat(part)).size !== bytes) throw new PagiError('INTERNAL', 'the copy is not the size of the original');
    await rename(part, target);
  } catch (err) {
    await rm(part, { force: true });
    throw PagiError.from(err);
  }
}

/** One rename, when the file is on the models folder's file system (an upload in `<data-dir>/tmp` is); false across file systems (EXDEV). */
async function moveInto(path: string, target: string): Promise<boolean> {
  try {
    await link(path, target); // never over a file that appeared meanwhile (rename would replace it)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new PagiError('CONFLICT', `the models folder already has a ${basename(target)}; remove that model first or rename the file`);
    if (['EXDEV', 'EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS'].includes((err as NodeJS.ErrnoException).code ?? '')) return false; // another disk, or links not supported there: copy
    throw PagiError.from(err);
  }
  return true;
}

export function createModelLibrary(opts: { db: SqliteDatabase; modelsDir: string; bus: BusClient; log: Logger; signal: AbortSignal }) {
  const registry = createModelRegistry(opts.db);
  let hashing: Promise<void> | null = null;

  const hashAll = async (): Promise<void> => {
    for (let next = registry.pendingHashes()[0]; next && !opts.signal.aborted; next = registry.pendingHashes()[0]) {
      const { id, path } = next;
      try {
        const sha = await sha256File(path, (bytes) => registry.hashProgress(id, bytes), opts.signal);
        registry.hashDone(id, sha);
      } catch (err) {
        if (opts.signal.aborted) return;
        registry.hashFailed(id, (err as Error).message);
        opts.log.warn(`checksum of ${path} failed: ${(err as Error).message}`);
      }
    }
  };
  const kickHashing = (): void => {
    hashing ??= hashAll().finally(() => {
      hashing = null;
    });
  };

  /** Registers a file that passed the GGUF pre-check; returns its record id. */
  const register = (path: string, source: ModelRecord['source']): string => {
    const summary = checkGguf(path);
    const id = registry.upsert(path, basename(path), source, summary);
    kickHashing();
    return id;
  };

  return {
    registry,
    register,
    kickHashing,
    /**
     * The models folder belongs to the app, and so to every twin of the data folder: a .gguf in it
     * that this twin has not registered (put there while another twin ran, or by a twin bundle) is
     * registered at start. A file that fails the pre-check is left alone and logged.
     */
    adoptModelsFolder(): number {
      if (!existsSync(opts.modelsDir)) return 0;
      const known = new Set(registry.list(null).map((m) => m.path));
      let adopted = 0;
      for (const name of readdirSync(opts.modelsDir)) {
        const path = join(opts.modelsDir, name);
        if (!name.toLowerCase().endsWith('.gguf') || known.has(path) || !statSync(path).isFile()) continue;
        try {
          register(path, 'copy');
          adopted++;
        } catch (err) {
          opts.log.warn(`${path} is in the models folder but is not a usable model: ${PagiError.from(err).message}`);
        }
      }
      return adopted;
    },
    async import(pathIn: string, mode: 'reference' | 'copy' | 'move', loadedPath: string | null): Promise<ModelRecord> {
      const path = resolve(pathIn);
      if (!existsSync(path)) throw new PagiError('NOT_FOUND', `no file at ${path}`);
      if (!(await stat(path)).isFile()) throw new PagiError('INVALID_INPUT', `${path} is not a file`);
      const summary = checkGguf(path); // refuse before copying anything
      let target = path;
      if (mode !== 'reference') {
        mkdirSync(opts.modelsDir, { recursive: true });
        target = join(opts.modelsDir, basename(path));
        if (existsSync(target)) throw new PagiError('CONFLICT', `the models folder already has a ${basename(path)}; remove that model first or rename the file`);
        if (!(mode === 'move' && (await moveInto(path, target)))) await copyInto(path, target, summary.fileBytes);
        // a move across file systems is a copy: the original goes only once the copy is whole
        if (mode === 'move') await rm(path, { force: true }).catch((err: unknown) => opts.log.warn(`${path} was imported but could not be removed: ${PagiError.from(err).message}`));
      }
      const source = mode === 'reference' ? 'reference' : 'copy'; // a moved file is the app's own, as a copied one
      const id = register(target, source);
      void opts.bus.publish('inference.model.imported', { id, path: target, source }).catch(() => undefined);
      return registry.get(id, loadedPath);
    },
    /** Forgets a model; deletes its file only if the app owns it (copied or downloaded), never a referenced one. */
    async remove(id: string): Promise<{ removed: boolean; deletedFile: boolean }> {
      const record = registry.get(id, null);
      registry.remove(id);
      if (record.source === 'reference') return { removed: true, deletedFile: false };
      await rm(record.path, { force: true });
      return { removed: true, deletedFile: true };
    },
    /** Waits for background checksums (tests, orderly shutdown). */
    idle: async (): Promise<void> => {
      while (hashing) await hashing;
    },
  };
}
