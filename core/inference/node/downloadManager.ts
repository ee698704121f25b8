import { existsSync, mkdirSync } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { createModelDownloader } from 'node-llama-cpp';
import type { SqliteDatabase } from '../../../native/sqlite.js';
import { PagiError } from '../../contracts/errors.js';
import { newId } from '../../contracts/ids.js';
import type { BusClient } from '../../runtime/common/busClient.js';
import type { Logger } from '../../runtime/common/defineService.js';
import type { DownloadRecord } from '../common/download.js';
import { sha256File } from './fileHasher.js';
import { checkGguf } from './ggufCheck.js';
import type { createModelLibrary } from './modelLibrary.js';

interface Row {
  id: string; catalog_id: string | null; uri: string; file_name: string; expected_sha256: string | null; status: DownloadRecord['status'];
  total_bytes: number | null; downloaded_bytes: number; bytes_per_second: number | null; error: string | null; model_id: string | null; created_at: string; finished_at: string | null;
}

const PAUSE = 'pause';
const CANCEL = 'cancel';
const STALLED = 'stalled';

/** Settles as `work` does, or rejects as soon as `signal` aborts: a server that never answers cannot hold a pause or a cancel. */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(new PagiError('CANCELLED', 'stopped'));
  work.catch(() => undefined); // abandoned after an abort: its late failure is of no interest
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(new PagiError('CANCELLED', 'stopped'));
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/** A failed transfer in words a user can act on: what happened to the connection, and what to do. */
export function downloadFailureMessage(err: unknown, uri: string): string {
  const host = (() => {
    try {
      return new URL(uri).host;
    } catch {
      return uri;
    }
  })();
  const codes: string[] = [];
  for (let e: unknown = err, depth = 0; e && typeof e === 'object' && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') codes.push(code);
  }
  const message = err instanceof Error ? err.message : String(err);
  if (codes.some((c) => c === 'ENOTFOUND' || c === 'EAI_AGAIN')) return `${host} could not be found: check the internet connection, then try again`;
  if (codes.includes('ECONNREFUSED')) return `${host} refused the connection: the server may be down; try again later`;
  if (codes.some((c) => c === 'ECONNRESET' || c === 'EPIPE' || c === 'UND_ERR_SOCKET') || /socket hang up|other side closed|terminated/i.test(message)) {
    return `${host} closed the connection during the download: try again (it goes on from what was already downloaded)`;
  }
  if (codes.some((c) => c === 'ETIMEDOUT' || c === 'UND_ERR_CONNECT_TIMEOUT' || c === 'UND_ERR_HEADERS_TIMEOUT')) return `${host} did not answer in time: check the internet connection, then try again`;
  return message;
}

export interface DownloadRequest {
  uri: string;
  fileName: string;
  sha256: string | null;
  catalogId: string | null;
}

/**
 * Model downloads with node-llama-cpp's downloader: progress (bytes, speed, ETA), pause, resume,
 * cancel, the size and (when known) sha256 checked, the GGUF pre-check, then an atomic move into the
 * models folder. A download runs in its own staging folder, so a failed or cancelled one leaves
 * nothing behind, and one paused or interrupted by a restart resumes from what the folder holds.
 */
export function createDownloadManager(opts: {
  db: SqliteDatabase; modelsDir: string; library: ReturnType<typeof createModelLibrary>; bus: BusClient; log: Logger;
  /** A server that sends nothing for this long (no answer, or a transfer that stopped moving) fails the download. */
  stallMs?: number;
}) {
  const stallMs = opts.stallMs ?? 30_000;
  // the record is the truth; a lost event is logged, not fatal
  const notPublished = (err: unknown): void => opts.log.warn('download event not published', { error: PagiError.from(err).message });
  const running = new Map<string, AbortController>();
  const stopped = new Map<string, Array<() => void>>();
  const waitUntilStopped = (id: string): Promise<void> =>
    running.has(id) ? new Promise((resolve) => stopped.set(id, [...(stopped.get(id) ?? []), resolve])) : Promise.resolve();
  const toRecord = (r: Row): DownloadRecord => ({
    id: r.id, catalogId: r.catalog_id, uri: r.uri, fileName: r.file_name, status: r.status, totalBytes: r.total_bytes, downloadedBytes: r.downloaded_bytes,
    bytesPerSecond: r.bytes_per_second, error: r.error, modelId: r.model_id, createdAt: r.created_at, finishedAt: r.finished_at,
    etaSeconds: r.status === 'downloading' && r.total_bytes && r.bytes_per_second ? Math.round((r.total_bytes - r.downloaded_bytes) / r.bytes_per_second) : null,
  });
  const get = (id: string): DownloadRecord => {
    const r = opts.db.prepare('SELECT * FROM downloads WHERE id = ?').get(id) as Row | undefined;
    if (!r) throw new PagiError('NOT_FOUND', `no download ${id}`);
    return toRecord(r);
  };
  const finish = (id: string, status: DownloadRecord['status'], fields: { error?: string; modelId?: string } = {}): void => {
    const paused = status === 'paused';
    opts.db.prepare('UPDATE downloads SET status = ?, error = ?, model_id = ?, bytes_per_second = NULL, finished_at = ? WHERE id = ?').run(status, fields.error ?? null, fields.modelId ?? null, paused ? null : new Date().toISOString(), id);
    if (paused) return; // a paused download is not over: it finishes when resumed or cancelled
    void opts.bus.publish('inference.download.finished', { id, status, ...(fields.error ? { error: fields.error } : {}) }).catch(notPublished);
  };


  const run = async (id: string, req: DownloadRequest, outer: AbortSignal): Promise<void> => {
    const staging = join(opts.modelsDir, '.downloads', id);
    mkdirSync(staging, { recursive: true });
    let lastWrite = 0;
    let outcome: { status: DownloadRecord['status']; fields: { error?: string; modelId?: string } } = { status: 'failed', fields: { error: 'unknown' } };
    // the user's pause or cancel, or the watchdog's verdict that the server went quiet
    const ctl = new AbortController();
    const signal = ctl.signal;
    const onOuter = (): void => ctl.abort(outer.reason);
    if (outer.aborted) onOuter();
    else outer.addEventListener('abort', onOuter, { once: true });
    let stage: 'connecting' | 'transferring' | 'checking' = 'connecting';
    let lastMoved = Date.now();
    let lastBytes = -1;
    const watchdog = setInterval(() => {
      if (stage !== 'checking' && Date.now() - lastMoved > stallMs) ctl.abort(STALLED);
    }, Math.max(50, Math.min(1_000, stallMs / 4)));
    try {
      const downloader = await untilAborted(createModelDownloader({
        ...(req.uri.startsWith('hf:') ? { modelUri: req.uri } : { modelUrl: req.uri }),
        dirPath: staging,
        fileName: req.fileName,
        skipExisting: false,
        // a pause keeps the partial file; a cancel or failure removes the whole staging folder below
        deleteTempFileOnCancel: false,
        onProgress: ({ totalSize, downloadedSize, averageSpeed }) => {
          if (signal.aborted) return; // the record already says paused or cancelled
          const now = Date.now();
          if (downloadedSize !== lastBytes) {
            lastBytes = downloadedSize;
            lastMoved = now;
          }
          if (now - lastWrite < 250 && downloadedSize < totalSize) return;
          lastWrite = now;
          opts.db.prepare('UPDATE downloads SET total_bytes = ?, downloaded_bytes = ?, bytes_per_second = ? WHERE id = ?').run(totalSize, downloadedSize, averageSpeed || null, id);
          const speed = averageSpeed > 0 ? averageSpeed : null;
          const eta = speed ? Math.round((totalSize - downloadedSize) / speed) : null;
          void opts.bus.publish('inference.download.progressed', { id, downloadedBytes: downloadedSize, totalBytes: totalSize, bytesPerSecond: speed, etaSeconds: eta }).catch(notPublished);
        },
      }), signal);
      stage = 'transferring';
      lastMoved = Date.now();
      // stopped waiting is not enough: the transfer itself stops before this download counts as over
      const stopTransfer = (): void => void downloader.cancel({ deleteTempFile: false }).catch(() => undefined);
      signal.addEventListener('abort', stopTransfer, { once: true });
      const file = await untilAborted(downloader.download({ signal }), signal);
      if (signal.aborted) throw new PagiError('CANCELLED', 'cancelled');
      stage = 'checking';
      opts.db.prepare("UPDATE downloads SET status = 'verifying', total_bytes = ?, downloaded_bytes = ? WHERE id = ?").run(downloader.totalSize, downloader.totalSize, id);
      const size = (await stat(file)).size;
      if (size !== downloader.totalSize) throw new PagiError('FAILED_PRECONDITION', `the download is ${size} bytes but the server announced ${downloader.totalSize}`);
      if (req.sha256) {
        const sha = await sha256File(file, () => undefined, signal);
        if (sha !== req.sha256) throw new PagiError('FAILED_PRECONDITION', `the download's sha256 is ${sha}, expected ${req.sha256}: the file is corrupt or not the one the catalog names`);
      }
      mkdirSync(opts.modelsDir, { recursive: true });
      let target = join(opts.modelsDir, req.fileName);
      if (existsSync(target)) target = join(opts.modelsDir, `${id}-${req.fileName}`);
      checkGguf(file); // a file that is not a sound GGUF never reaches the models folder
      await rename(file, target);
      outcome = { status: 'done', fields: { modelId: opts.library.register(target, 'download') } };
    } catch (err) {
      const seconds = Math.round(stallMs / 1000);
      const host = URL.canParse(req.uri) ? new URL(req.uri).host : req.uri;
      const stalled = stage === 'connecting'
        ? `${host} did not answer within ${seconds} s: check the internet connection, then try again`
        : `${host} stopped sending for ${seconds} s: check the internet connection, then resume the download`;
      outcome = !signal.aborted
        ? { status: 'failed', fields: { error: err instanceof PagiError ? err.message : downloadFailureMessage(err, req.uri) } }
        : signal.reason === STALLED ? { status: stage === 'connecting' ? 'failed' : 'paused', fields: { error: stalled } }
        : signal.reason === PAUSE ? { status: 'paused', fields: {} } : { status: 'cancelled', fields: {} };
      if (outcome.status === 'failed' || signal.reason === STALLED) opts.log.warn(`download ${req.uri} failed: ${outcome.fields.error ?? ''}`);
    } finally {
      clearInterval(watchdog);
      outer.removeEventListener('abort', onOuter);
      // nothing partial stays behind once the record says the download is over
      if (outcome.status !== 'paused') await rm(staging, { recursive: true, force: true });
      running.delete(id);
      finish(id, outcome.status, outcome.fields);
      for (const done of stopped.get(id) ?? []) done();
      stopped.delete(id);
    }
  };

  const requestOf = (r: Row): DownloadRequest => ({ uri: r.uri, fileName: r.file_name, sha256: r.expected_sha256, catalogId: r.catalog_id });
  const rowOf = (id: string): Row => {
    get(id); // NOT_FOUND with the usual message
    return opts.db.prepare('SELECT * FROM downloads WHERE id = ?').get(id) as Row;
  };

  const launch = (id: string, req: DownloadRequest): void => {
    const ctl = new AbortController();
    running.set(id, ctl);
    void run(id, req, ctl.signal);
  };

  // Downloads cut off by a restart (a crash, a kill, the app closing) go on where they stopped:
  // the downloader keeps its progress in the staging folder and asks only for what is missing.
  for (const r of opts.db.prepare("SELECT * FROM downloads WHERE status IN ('downloading', 'verifying')").all() as Row[]) {
    opts.db.prepare("UPDATE downloads SET status = 'downloading' WHERE id = ?").run(r.id);
    opts.log.info(`resuming the download of ${r.file_name}`);
    launch(r.id, requestOf(r));
  }

  return {
    start(req: DownloadRequest): DownloadRecord {
      const id = newId();
      opts.db.prepare("INSERT INTO downloads (id, catalog_id, uri, file_name, expected_sha256, status, created_at) VALUES (?, ?, ?, ?, ?, 'downloading', ?)")
        .run(id, req.catalogId, req.uri, req.fileName, req.sha256, new Date().toISOString());
      launch(id, req);
      return get(id);
    },
    get,
    list: (): DownloadRecord[] => (opts.db.prepare('SELECT * FROM downloads ORDER BY created_at DESC LIMIT 100').all() as Row[]).map(toRecord),
    /** A paused download is cancelled at once (its partial file goes); a running one as soon as its transfer stops. */
    async cancel(id: string): Promise<DownloadRecord> {
      const record = get(id);
      if (record.status === 'paused') {
        await rm(join(opts.modelsDir, '.downloads', id), { recursive: true, force: true });
        finish(id, 'cancelled');
        return get(id);
      }
      const ctl = running.get(id);
      if (!ctl) throw new PagiError('FAILED_PRECONDITION', `download ${id} is ${record.status}: only a running or paused download can be cancelled`);
      ctl.abort(CANCEL);
      return record;
    },
    async pause(id: string): Promise<DownloadRecord> {
      const record = get(id);
      const ctl = running.get(id);
      if (!ctl || record.status !== 'downloading') throw new PagiError('FAILED_PRECONDITION', `download ${id} is ${record.status}: only a running download can be paused`);
      ctl.abort(PAUSE);
      await waitUntilStopped(id);
      return get(id);
    },
    resume(id: string): DownloadRecord {
      const r = rowOf(id);
      if (r.status !== 'paused') throw new PagiError('FAILED_PRECONDITION', `download ${id} is ${r.status}: only a paused download can be resumed`);
      opts.db.prepare("UPDATE downloads SET status = 'downloading', error = NULL, finished_at = NULL WHERE id = ?").run(id);
      launch(id, requestOf(r));
      return get(id);
    },
    dispose(): void {
      for (const ctl of running.values()) ctl.abort();
    },
  };
}
