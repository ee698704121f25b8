import type { SqliteDatabase } from '../../../native/sqlite.js';
import type { ChangeActor, Fact, MemoryChange } from '../../contracts/domain.js';
import { PagiError } from '../../contracts/errors.js';
import { newId } from '../../contracts/ids.js';
import { createChangeLog, type Snapshot } from '../../memory-kit/common/changeLog.js';
import type { VectorStore } from '../../memory-kit/node/vectorStore.js';

export interface FactRow {
  rowid: number; id: string; kind: Fact['kind']; text: string; confidence: number; pinned: number; source_episode_ids: string; created_at: string; updated_at: string | null;
  valid_from: string | null; valid_to: string | null; retired_at: string | null; superseded_by: string | null; access_count: number; last_access: string | null;
  document_id: string | null; chunk_index: number | null; embedded?: number;
}

export const toFact = (r: FactRow, embedded: boolean): Fact => ({
  id: r.id, kind: r.kind, text: r.text, confidence: r.confidence, pinned: r.pinned === 1, sourceEpisodeIds: JSON.parse(r.source_episode_ids) as string[],
  source: r.document_id !== null ? { document: r.document_id, chunk: r.chunk_index ?? 0 } : null,
  createdAt: r.created_at, updatedAt: r.updated_at ?? r.created_at, validFrom: r.valid_from, validTo: r.valid_to, retiredAt: r.retired_at, supersededBy: r.superseded_by,
  accessCount: r.access_count, lastAccess: r.last_access, embedded,
});

export interface NewFact {
  text: string; confidence: number; pinned: boolean; sourceEpisodeIds: string[];
  validFrom?: string | null | undefined; validTo?: string | null | undefined; kind?: Fact['kind']; document?: { id: string; chunk: number } | null;
}
export interface FactEdit { text?: string | undefined; confidence?: number | undefined; validFrom?: string | null | undefined; validTo?: string | null | undefined }

const snapshot = (f: Fact): Snapshot => ({
  text: f.text, confidence: f.confidence, pinned: f.pinned, validFrom: f.validFrom, validTo: f.validTo, retiredAt: f.retiredAt, supersededBy: f.supersededBy,
  kind: f.kind, sourceEpisodeIds: f.sourceEpisodeIds, createdAt: f.createdAt, source: f.source,
});
const COLUMNS: Record<string, string> = {
  text: 'text', confidence: 'confidence', pinned: 'pinned', validFrom: 'valid_from', validTo: 'valid_to', retiredAt: 'retired_at', supersededBy: 'superseded_by',
};
const iso = (t: string | null | undefined): string | null => (t ? new Date(t).toISOString() : null);

/**
 * Facts and document chunks, bitemporal: a superseded fact is retired (with the id of what replaced
 * it), never erased, so the beliefs at any past moment can be listed. Every change is in `changes`;
 * a fact's vector goes in the same transaction as the fact or its old text.
 */
export function createFactStore(db: SqliteDatabase, vectors: VectorStore) {
  const log = createChangeLog(db, 'semantic');
  const byId = db.prepare('SELECT f.rowid, f.*, EXISTS (SELECT 1 FROM fact_vectors v WHERE v.rowid = f.rowid) AS embedded FROM facts f WHERE f.id = ?');
  const insert = db.prepare(
    'INSERT INTO facts (id, kind, text, confidence, pinned, source_episode_ids, created_at, updated_at, valid_from, valid_to, document_id, chunk_index) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const byRowids = db.prepare('SELECT rowid, * FROM facts WHERE rowid IN (SELECT value FROM json_each(?))');
  const rowOf = (id: string): FactRow => {
    const r = byId.get(id) as FactRow | undefined;
    if (!r) throw PagiError.hinted('NOT_FOUND', `no fact with id ${id}`, { cli: '`pagi memory list --tier semantic` shows the ids', app: 'it may have been deleted or forgotten: search your memories again' });
    return r;
  };
  const get = (id: string): Fact => {
    const r = rowOf(id);
    return toFact(r, r.embedded === 1);
  };
  const insertOne = (f: NewFact, id = newId(), createdAt = new Date().toISOString()): string => {
    insert.run(id, f.kind ?? 'fact', f.text, f.confidence, f.pinned ? 1 : 0, JSON.stringify(f.sourceEpisodeIds), createdAt, createdAt, iso(f.validFrom), iso(f.validTo), f.document?.id ?? null, f.document?.chunk ?? null);
    return id;
  };
  const apply = (row: FactRow, fields: Snapshot): void => {
    const sets: string[] = ['updated_at = ?'];
    const values: unknown[] = [new Date().toISOString()];
    for (const [k, v] of Object.entries(fields)) {
      const col = COLUMNS[k];
      if (!col) continue;
      sets.push(`${col} = ?`);
      values.push(k === 'pinned' ? (v ? 1 : 0) : v);
    }
    db.prepare(`UPDATE facts SET ${sets.join(', ')} WHERE rowid = ?`).run(...values, row.rowid);
  };
  const change = (row: FactRow, fields: Snapshot, actor: ChangeActor, op: 'edit' | 'pin' | 'unpin', stale: (rowid: number) => void): MemoryChange | null => {
    const current = snapshot(toFact(row, false));
    const next = Object.fromEntries(Object.entries(fields).filter(([k, v]) => v !== undefined && current[k] !== v));
    if (Object.keys(next).length === 0) return null;
    apply(row, next);
    if ('text' in next) stale(row.rowid);
    return log.record({ actor, op, targetId: row.id, before: Object.fromEntries(Object.keys(next).map((k) => [k, current[k]])), after: next });
  };

  const remove = (row: FactRow, stale: (rowid: number) => void): void => {
    db.prepare('DELETE FROM facts WHERE rowid = ?').run(row.rowid);
    stale(row.rowid);
  };

  return {
    log,
    get,
    rowOf,
    add(f: NewFact, actor: ChangeActor): Fact {
      const id = db.transaction(() => {
        const newIdValue = insertOne(f);
        log.record({ actor, op: 'add', targetId: newIdValue, before: null, after: { kind: f.kind ?? 'fact', confidence: f.confidence } });
        return newIdValue;
      })();
      return get(id);
    },
    /** Chunks of a document, in one transaction (a change record per document, not per chunk). */
    addChunks(documentId: string, chunks: Array<{ index: number; text: string }>): void {
      db.transaction(() => {
        for (const c of chunks) insertOne({ text: c.text, confidence: 1, pinned: false, sourceEpisodeIds: [], kind: 'chunk', document: { id: documentId, chunk: c.index } });
      })();
    },
    /** A new text drops the fact's vector (it is embedded again). */
    edit(id: string, fields: FactEdit, actor: ChangeActor): { memory: Fact; change: MemoryChange | null } {
      return vectors.transaction((stale) => {
        const row = rowOf(id);
        const normalised = { ...fields, ...(fields.validFrom !== undefined ? { validFrom: iso(fields.validFrom) } : {}), ...(fields.validTo !== undefined ? { validTo: iso(fields.validTo) } : {}) };
        const c = change(row, normalised, actor, 'edit', stale);
        return { memory: get(id), change: c };
      });
    },
    setPinned(id: string, pinned: boolean, actor: ChangeActor): { memory: Fact; change: MemoryChange | null } {
      return vectors.transaction((stale) => {
        const c = change(rowOf(id), { pinned }, actor, pinned ? 'pin' : 'unpin', stale);
        return { memory: get(id), change: c };
      });
    },
    /**
     * The old fact stops being believed now (and, in the world, stops being true when the new one
     * starts, if that is known); the new one records where it came from.
     */
    supersede(id: string, next: NewFact, actor: ChangeActor): { fact: Fact; retired: Fact; change: MemoryChange } {
      return db.transaction(() => {
        const old = rowOf(id);
        if (old.retired_at) throw new PagiError('CONFLICT', `fact ${id} was already retired on ${old.retired_at}${old.superseded_by ? ` (superseded by ${old.superseded_by})` : ''}; supersede the current fact instead`);
        const now = new Date().toISOString();
        const newIdValue = insertOne(next, newId(), now);
        log.record({ actor, op: 'add', targetId: newIdValue, before: null, after: { kind: 'fact', confidence: next.confidence, supersedes: id } });
        const fields: Snapshot = { retiredAt: now, supersededBy: newIdValue, ...(old.valid_to === null && next.validFrom ? { validTo: iso(next.validFrom) } : {}) };
        const before = Object.fromEntries(Object.keys(fields).map((k) => [k, snapshot(toFact(old, false))[k]]));
        apply(old, fields);
        const c = log.record({ actor, op: 'supersede', targetId: id, before, after: fields });
        return { fact: get(newIdValue), retired: get(id), change: c };
      })();
    },
    /** Removes the fact (text, index and vector); its history keeps the content, so it can be undone. */
    delete(id: string, actor: ChangeActor): MemoryChange {
      return vectors.transaction((stale) => {
        const row = rowOf(id);
        remove(row, stale);
        return log.record({ actor, op: 'delete', targetId: id, before: snapshot(toFact(row, false)), after: null });
      });
    },
    /** Hard delete: the fact and every copy of its content in the history are gone; this cannot be undone. */
    forget(id: string, actor: ChangeActor): MemoryChange {
      const c = vectors.transaction((stale) => {
        const row = (byId.get(id) as FactRow | undefined) ?? null;
        if (!row && log.history(id).length === 0) throw new PagiError('NOT_FOUND', `no fact with id ${id}`);
        if (row) remove(row, stale);
        const forgotten = log.record({ actor, op: 'forget', targetId: id, before: null, after: null });
        log.scrub(id);
        return { ...forgotten, scrubbed: true };
      });
      db.exec("INSERT INTO facts_fts(facts_fts) VALUES ('optimize')");
      db.pragma('wal_checkpoint(TRUNCATE)');
      return c;
    },
    /** An undo that removes the fact or brings back an older text drops its vector too. */
    undo(changeId: string, actor: ChangeActor): MemoryChange {
      return vectors.transaction((stale) => {
        const c = log.get(changeId);
        log.undoable(c);
        const row = (byId.get(c.targetId) as FactRow | undefined) ?? null;
        const current = row ? snapshot(toFact(row, false)) : null;
        if (c.before === null) {
          if (row) remove(row, stale);
          return log.record({ actor, op: 'undo', targetId: c.targetId, before: current, after: null, undoes: c.id });
        }
        if (c.after === null || !row) {
          if (row) throw new PagiError('CONFLICT', `fact ${c.targetId} exists again; nothing to restore`);
          const b = c.before as unknown as Fact;
          insertOne({ text: b.text, confidence: b.confidence, pinned: b.pinned, sourceEpisodeIds: b.sourceEpisodeIds, validFrom: b.validFrom, validTo: b.validTo, kind: b.kind, document: b.source ? { id: b.source.document, chunk: b.source.chunk } : null }, c.targetId, b.createdAt);
          const restored = rowOf(c.targetId);
          apply(restored, { retiredAt: b.retiredAt, supersededBy: b.supersededBy });
          return log.record({ actor, op: 'undo', targetId: c.targetId, before: null, after: c.before, undoes: c.id });
        }
        apply(row, c.before);
        if ('text' in c.before) stale(row.rowid);
        return log.record({ actor, op: 'undo', targetId: c.targetId, before: c.after, after: c.before, undoes: c.id });
      });
    },
    list(opts: { limit: number; offset: number; includeRetired: boolean; kind?: Fact['kind'] | undefined; document?: string | undefined }): Fact[] {
      const where = [opts.includeRetired ? '1' : 'f.retired_at IS NULL'];
      const params: unknown[] = [];
      if (opts.kind) {
        where.push('f.kind = ?');
        params.push(opts.kind);
      }
      if (opts.document) {
        where.push('f.document_id = ?');
        params.push(opts.document);
      }
      const rows = db.prepare(`SELECT f.rowid, f.*, EXISTS (SELECT 1 FROM fact_vectors v WHERE v.rowid = f.rowid) AS embedded FROM facts f WHERE ${where.join(' AND ')} ORDER BY f.rowid DESC LIMIT ? OFFSET ?`)
        .all(...params, opts.limit, opts.offset) as FactRow[];
      return rows.map((r) => toFact(r, r.embedded === 1));
    },
    /** What the twin believed at `time`: facts learned by then and not yet retired then. */
    beliefsAt(time: string, limit: number): Fact[] {
      const t = new Date(time).toISOString();
      const rows = db.prepare(
        "SELECT f.rowid, f.*, EXISTS (SELECT 1 FROM fact_vectors v WHERE v.rowid = f.rowid) AS embedded FROM facts f WHERE f.kind = 'fact' AND f.created_at <= ? AND (f.retired_at IS NULL OR f.retired_at > ?) ORDER BY f.created_at DESC LIMIT ?",
      ).all(t, t, limit) as FactRow[];
      return rows.map((r) => toFact(r, r.embedded === 1));
    },
    touch(rowids: number[]): void {
      const at = new Date().toISOString();
      const stmt = db.prepare('UPDATE facts SET access_count = access_count + 1, last_access = ? WHERE rowid = ?');
      db.transaction(() => rowids.forEach((r) => stmt.run(at, r)))();
    },
    rowsByRowid(rowids: number[]): FactRow[] {
      if (rowids.length === 0) return [];
      return byRowids.all(JSON.stringify(rowids)) as FactRow[];
    },
    counts: () => db.prepare("SELECT COUNT(*) AS total, COALESCE(SUM(kind = 'fact' AND retired_at IS NULL), 0) AS current, COALESCE(SUM(retired_at IS NOT NULL), 0) AS retired, COALESCE(SUM(kind = 'chunk'), 0) AS chunks FROM facts").get() as { total: number; current: number; retired: number; chunks: number },
    chunksOf: (documentId: string): number => db.prepare('SELECT COUNT(*) FROM facts WHERE document_id = ?').pluck().get(documentId) as number,
  };
}

export type FactStore = ReturnType<typeof createFactStore>;
