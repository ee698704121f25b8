import type { SqliteDatabase } from '../../../native/sqlite.js';
import { PagiError } from '../../contracts/errors.js';
import { newId } from '../../contracts/ids.js';
import { modelMetadataSchema, type ModelRecord } from '../common/modelRecord.js';
import type { GgufSummary } from './ggufCheck.js';

interface Row {
  id: string; path: string; file_name: string; source: ModelRecord['source']; file_bytes: number; sha256: string | null;
  hash_status: ModelRecord['hash']['status']; hashed_bytes: number; hash_error: string | null; metadata: string; added_at: string; last_used_at: string | null;
}

const metadataOf = (s: GgufSummary) => ({
  name: s.name, architecture: s.architecture, parameters: s.parameters, quantization: s.quantization,
  trainedContextLength: s.contextLength, embeddingLength: s.embeddingLength, hasChatTemplate: s.hasChatTemplate,
});

/** The installed models (`models.db`): where each file is, how it got there, its checksum and GGUF metadata. */
export function createModelRegistry(db: SqliteDatabase) {
  const toRecord = (r: Row, loadedPath: string | null): ModelRecord => ({
    id: r.id, path: r.path, fileName: r.file_name, source: r.source, fileBytes: r.file_bytes, sha256: r.sha256,
    hash: { status: r.hash_status, hashedBytes: r.hashed_bytes, error: r.hash_error },
    metadata: modelMetadataSchema.parse(JSON.parse(r.metadata)), addedAt: r.added_at, lastUsedAt: r.last_used_at, loaded: r.path === loadedPath,
  });
  const byPath = db.prepare('SELECT * FROM model_files WHERE path = ?');
  const byId = db.prepare('SELECT * FROM model_files WHERE id = ?');

  return {
    /** Registers a checked file (or refreshes its metadata); returns its id. */
    upsert(path: string, fileName: string, source: ModelRecord['source'], summary: GgufSummary): string {
      const existing = byPath.get(path) as Row | undefined;
      if (existing) {
        db.prepare('UPDATE model_files SET metadata = ?, file_bytes = ? WHERE id = ?').run(JSON.stringify(metadataOf(summary)), summary.fileBytes, existing.id);
        if (existing.file_bytes !== summary.fileBytes) db.prepare("UPDATE model_files SET sha256 = NULL, hash_status = 'pending', hashed_bytes = 0 WHERE id = ?").run(existing.id);
        return existing.id;
      }
      const id = newId();
      db.prepare('INSERT INTO model_files (id, path, file_name, source, file_bytes, metadata, added_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
        .run(id, path, fileName, source, summary.fileBytes, JSON.stringify(metadataOf(summary)), new Date().toISOString());
      return id;
    },
    get(id: string, loadedPath: string | null): ModelRecord {
      const r = byId.get(id) as Row | undefined;
      if (!r) throw PagiError.hinted('NOT_FOUND', `no installed model with id ${id}`, { cli: 'see `pagi models list`', app: 'it may have been removed: pick one from the Models page' });
      return toRecord(r, loadedPath);
    },
    findByPath: (path: string, loadedPath: string | null): ModelRecord | null => {
      const r = byPath.get(path) as Row | undefined;
      return r ? toRecord(r, loadedPath) : null;
    },
    list: (loadedPath: string | null): ModelRecord[] =>
      (db.prepare('SELECT * FROM model_files ORDER BY added_at').all() as Row[]).map((r) => toRecord(r, loadedPath)),
    remove: (id: string): boolean => db.prepare('DELETE FROM model_files WHERE id = ?').run(id).changes === 1,
    touch(path: string): void {
      db.prepare('UPDATE model_files SET last_used_at = ? WHERE path = ?').run(new Date().toISOString(), path);
    },
    /** Files whose checksum is still to be computed (also those interrupted by a restart). */
    pendingHashes: (): Array<{ id: string; path: string }> =>
      db.prepare("SELECT id, path FROM model_files WHERE hash_status IN ('pending', 'hashing') ORDER BY added_at").all() as Array<{ id: string; path: string }>,
    hashProgress(id: string, hashedBytes: number): void {
      db.prepare("UPDATE model_files SET hash_status = 'hashing', hashed_bytes = ? WHERE id = ?").run(hashedBytes, id);
    },
    hashDone(id: string, sha256: string): void {
      db.prepare("UPDATE model_files SET hash_status = 'done', sha256 = ?, hashed_bytes = file_bytes, hash_error = NULL WHERE id = ?").run(sha256, id);
    },
    hashFailed(id: string, error: string): void {
      db.prepare("UPDATE model_files SET hash_status = 'error', hash_error = ? WHERE id = ?").run(error, id);
    },
  };
}
