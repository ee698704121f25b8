import type { QueryClient, QueryKey } from '@tanstack/react-query';
import type { WatchArea, WatchNotice } from '../../core/api/router';
import type { Outputs } from './types';

type Download = Outputs['models']['downloads'][number];
type Document = Outputs['memory']['documents'][number];
type ModelStatus = Outputs['models']['status'];

/** The queries (by the first part of their key) each area of a notice makes stale. */
const QUERIES_OF: Record<WatchArea, readonly string[]> = {
  mood: ['emotion.current', 'emotion.history'],
  memory: ['memory.'],
  working: ['memory.workingSessions', 'memory.working'],
  documents: ['memory.documents'],
  downloads: ['models.downloads'],
  models: ['models.status', 'models.list', 'models.catalog'],
  twin: ['twin.get', 'twin.list', 'twin.avatar'],
};

/** A key prefix ending in '.' stands for every query under it ('memory.' is all of memory). */
const matches = (prefixes: Iterable<string>) => (key: QueryKey): boolean => {
  const first = String(key[0]);
  for (const p of prefixes) if (p.endsWith('.') ? first.startsWith(p) : first === p) return true;
  return false;
};

/**
 * Turns notices into what React Query must do: progress (downloads, documents, a model loading) is
 * written into the cached lists at once, with no request; everything else marks its queries stale,
 * gathered over a short moment so a burst (a turn writes several events) costs one fetch per query.
 * Only the queries on screen fetch again; the rest do when next shown.
 */
export function createWatchRefresher(qc: QueryClient, gatherMs = 150) {
  const stale = new Set<string>();
  let everything = false;
  let timer: ReturnType<typeof setTimeout> | null = null;

  const flush = (): void => {
    timer = null;
    if (everything) void qc.invalidateQueries();
    else if (stale.size > 0) {
      const isStale = matches([...stale]);
      void qc.invalidateQueries({ predicate: (q) => isStale(q.queryKey) });
    }
    stale.clear();
    everything = false;
  };
  const later = (prefixes: readonly string[] | 'everything'): void => {
    if (prefixes === 'everything') everything = true;
    else for (const p of prefixes) stale.add(p);
    timer ??= setTimeout(flush, gatherMs);
  };

  /** A download's progress, written into its row; false when the list does not have it (then it is fetched). */
  const patchDownload = (d: NonNullable<Extract<WatchNotice, { kind: 'event' }>['download']>): boolean => {
    const list = qc.getQueryData<Download[]>(['models.downloads']);
    if (!list?.some((x) => x.id === d.id) || d.status !== 'downloading') return false;
    qc.setQueryData<Download[]>(['models.downloads'], list.map((x) => (x.id === d.id
      ? { ...x, status: 'downloading', downloadedBytes: d.downloadedBytes ?? x.downloadedBytes, totalBytes: d.totalBytes ?? x.totalBytes, bytesPerSecond: d.bytesPerSecond ?? null, etaSeconds: d.etaSeconds ?? null }
      : x)));
    return true;
  };
  const patchDocument = (d: NonNullable<Extract<WatchNotice, { kind: 'event' }>['document']>): boolean => {
    const list = qc.getQueryData<Document[]>(['memory.documents']);
    if (!list?.some((x) => x.id === d.documentId) || d.status !== 'ingesting') return false;
    qc.setQueryData<Document[]>(['memory.documents'], list.map((x) => (x.id === d.documentId ? { ...x, chunks: d.chunks, totalChunks: d.totalChunks, status: d.status, error: d.error } : x)));
    return true;
  };
  const patchLoading = (progress: number): boolean => {
    const status = qc.getQueryData<ModelStatus>(['models.status']);
    if (!status || status.state !== 'loading') return false;
    qc.setQueryData<ModelStatus>(['models.status'], { ...status, loadProgress: progress });
    return true;
  };

  return {
    apply(notice: WatchNotice): void {
      switch (notice.kind) {
        case 'ready':
        case 'resync':
          return later('everything');
        case 'bundle-opened':
          return later(['bundles.opened']);
        case 'service':
          // back to running: what failed while it was away is asked again, wherever it is shown
          return later(notice.change.state === 'running' ? 'everything' : ['system.status']);
        case 'event': {
          const patched = new Set<WatchArea>();
          if (notice.download && patchDownload(notice.download)) patched.add('downloads');
          if (notice.document && patchDocument(notice.document)) patched.add('documents').add('memory');
          if (notice.modelLoading !== undefined && patchLoading(notice.modelLoading)) patched.add('models');
          for (const area of notice.areas) if (!patched.has(area)) later(QUERIES_OF[area]);
          return;
        }
      }
    },
    stop(): void {
      if (timer) clearTimeout(timer);
      timer = null;
    },
  };
}
