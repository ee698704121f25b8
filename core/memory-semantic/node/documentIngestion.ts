import { createHash } from 'node:crypto';
import type { SqliteDatabase } from '../../../native/sqlite.js';
import { PagiError } from '../../contracts/errors.js';
import type { EventPayload } from '../../contracts/events.js';
import { newId } from '../../contracts/ids.js';
import { chunkText } from '../common/chunkText.js';
import { readDocument } from './documentReader.js';
import type { FactStore } from './factStore.js';

interface DocRow { id: string; name: string; media_type: string; bytes: number; sha256: string; chunks: number; total_chunks: number; status: 'ingesting' | 'done' | 'failed'; error: string | null; created_at: string }
const toDocument = (r: DocRow) => ({ id: r.id, name: r.name, mediaType: r.media_type, bytes: r.bytes, sha256: r.sha256, chunks: r.chunks, totalChunks: r.total_chunks, status: r.status, error: r.error, createdAt: r.created_at });
export type IngestedDocument = ReturnType<typeof toDocument>;

const BATCH = 100;

export interface IngestionDeps {
  db: SqliteDatabase;
  facts: FactStore;
  /** Progress of one document (published as `memory.document.progressed`). */
  onProgress: (progress: EventPayload<'memory.document.progressed'>) => void;
  /** Every chunk of a document is stored: they need vectors. */
  onDone: () => void;
}

/**
 * Documents into chunks (`documents` table): read and chunked at once, the chunks written in
 * batches in the background so a large file neither blocks searches nor fails the call; the caller
 * follows progress with `get`.
 */
export function createDocumentIngestion(deps: IngestionDeps) {
  const { db, facts } = deps;
  let stopped = false;

  const get = (id: string): IngestedDocument => {
    const r = db.prepare('SELECT * FROM documents WHERE id = ?').get(id) as DocRow | undefined;
    if (!r) throw new PagiError('NOT_FOUND', `no document ${id}`);
    return toDocument(r);
  };

  const writeChunks = async (id: string, name: string, chunks: string[]): Promise<void> => {
    const progress = (status: 'ingesting' | 'done' | 'failed', done: number, error: string | null = null): void => {
      db.prepare('UPDATE documents SET chunks = ?, status = ?, error = ? WHERE id = ?').run(done, status, error, id);
      deps.onProgress({ documentId: id, name, chunks: done, totalChunks: chunks.length, status, error });
    };
    try {
      for (let i = 0; i < chunks.length; i += BATCH) {
        // the service is stopping and its database closes: the document stays `ingesting`
        if (stopped) return;
        facts.addChunks(id, chunks.slice(i, i + BATCH).map((text, j) => ({ index: i + j, text })));
        progress('ingesting', Math.min(chunks.length, i + BATCH));
        await new Promise((r) => setImmediate(r));
      }
      if (stopped) return;
      progress('done', chunks.length);
      deps.onDone();
    } catch (err) {
      if (!stopped) progress('failed', facts.chunksOf(id), PagiError.from(err).message);
    }
  };

  return {
    get,
    async ingest(path: string): Promise<IngestedDocument> {
      const doc = await readDocument(path);
      const chunks = chunkText(doc.text, { markdown: doc.mediaType === 'text/markdown' });
      const id = newId();
      db.prepare('INSERT INTO documents (id, name, media_type, bytes, sha256, chunks, total_chunks, status, created_at) VALUES (?, ?, ?, ?, ?, 0, ?, ?, ?)')
        .run(id, doc.name, doc.mediaType, doc.bytes, createHash('sha256').update(doc.data).digest('hex'), chunks.length, 'ingesting', new Date().toISOString());
      void writeChunks(id, doc.name, chunks);
      return get(id);
    },
    list: (): IngestedDocument[] => (db.prepare('SELECT * FROM documents ORDER BY created_at DESC').all() as DocRow[]).map(toDocument),
    count: (): number => db.prepare('SELECT COUNT(*) FROM documents').pluck().get() as number,
    stop(): void {
      stopped = true;
    },
  };
}
