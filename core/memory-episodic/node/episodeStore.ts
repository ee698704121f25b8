import type { SqliteDatabase } from '../../../native/sqlite.js';
import { padSchema, type ChangeActor, type Episode, type MemoryChange, type Pad } from '../../contracts/domain.js';
import { PagiError } from '../../contracts/errors.js';
import { newId } from '../../contracts/ids.js';
import { createChangeLog, type Snapshot } from '../../memory-kit/common/changeLog.js';
import type { VectorStore } from '../../memory-kit/node/vectorStore.js';

export interface EpisodeRow {
  rowid: number; id: string; session_id: string; time: string; actor: string; kind: Episode['kind']; text: string; mood: string | null;
  importance: number; access_count: number; last_access: string | null; ref: string | null; pinned: number; context: string;
}

export const toEpisode = (r: EpisodeRow): Episode => ({
  id: r.id, sessionId: r.session_id, time: r.time, actor: r.actor, kind: r.kind, text: r.text,
  mood: r.mood ? padSchema.parse(JSON.parse(r.mood)) : null,
  importance: r.importance, accessCount: r.access_count, lastAccess: r.last_access, ref: r.ref, pinned: r.pinned === 1,
});

export interface NewEpisode {
  sessionId: string; actor: string; kind: Episode['kind']; text: string; time?: string | undefined; mood: Pad | null; importance: number; ref: string | null;
}

export interface EpisodeEdit { text?: string | undefined; actor?: string | undefined; kind?: Episode['kind'] | undefined; time?: string | undefined; importance?: number | undefined }

/** What a change records of an episode: every field a user can see or edit. */
const snapshot = (e: Episode): Snapshot => ({
  sessionId: e.sessionId, time: e.time, actor: e.actor, kind: e.kind, text: e.text, mood: e.mood, importance: e.importance, pinned: e.pinned, ref: e.ref,
});
const NEIGHBOUR_CHARS = 300;
const clip = (t: string): string => (t.length > NEIGHBOUR_CHARS ? t.slice(0, NEIGHBOUR_CHARS) : t);

/**
 * Episodes in SQLite with their FTS5 index. Each episode's `context` column holds the text of its
 * neighbouring turns in the session, indexed with a low weight: the answer to "where does Ana work?"
 * is often a turn that says "at the bakery", right after the question that names Ana and work.
 * An episode's vector goes in the same transaction as the episode or its old text.
 */
export function createEpisodeStore(db: SqliteDatabase, vectors: VectorStore) {
  const log = createChangeLog(db, 'episodic');
  const insert = db.prepare('INSERT INTO episodes (id, session_id, time, actor, kind, text, mood, importance, ref, context, pinned) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)');
  const byId = db.prepare('SELECT rowid, * FROM episodes WHERE id = ?');
  const previousInSession = db.prepare('SELECT rowid, text, context FROM episodes WHERE session_id = ? AND time <= ? ORDER BY time DESC, rowid DESC LIMIT 1');
  const setContext = db.prepare('UPDATE episodes SET context = ? WHERE rowid = ?');
  const neighbours = db.prepare(
    `SELECT (SELECT text FROM episodes p WHERE p.session_id = e.session_id AND (p.time < e.time OR (p.time = e.time AND p.rowid < e.rowid)) ORDER BY p.time DESC, p.rowid DESC LIMIT 1) AS prev,
            (SELECT text FROM episodes n WHERE n.session_id = e.session_id AND (n.time > e.time OR (n.time = e.time AND n.rowid > e.rowid)) ORDER BY n.time ASC, n.rowid ASC LIMIT 1) AS next
     FROM episodes e WHERE e.rowid = ?`,
  );
  const adjacent = db.prepare(
    `SELECT rowid FROM (SELECT rowid FROM episodes WHERE session_id = ? AND (time < ? OR (time = ? AND rowid < ?)) ORDER BY time DESC, rowid DESC LIMIT 1)
     UNION SELECT rowid FROM (SELECT rowid FROM episodes WHERE session_id = ? AND (time > ? OR (time = ? AND rowid > ?)) ORDER BY time ASC, rowid ASC LIMIT 1)`,
  );
  /** Recomputes the neighbour text of the episodes next to a place in a session (after an edit, delete or forget). */
  const refreshAround = (sessionId: string, time: string, rowid: number): void => {
    const rows = adjacent.pluck().all(sessionId, time, time, rowid, sessionId, time, time, rowid) as number[];
    for (const r of [...rows, rowid]) {
      const n = neighbours.get(r) as { prev: string | null; next: string | null } | undefined;
      if (n) setContext.run(`${clip(n.prev ?? '')} ${clip(n.next ?? '')}`.trim(), r);
    }
  };
  const byRowids = db.prepare(
    "SELECT rowid, id, session_id, time, actor, kind, text, mood, importance, access_count, last_access, ref, pinned, '' AS context FROM episodes WHERE rowid IN (SELECT value FROM json_each(?))",
  );
  const touchRow = db.prepare('UPDATE episodes SET access_count = access_count + 1, last_access = ? WHERE rowid = ?');

  const rowOf = (id: string): EpisodeRow => {
    const r = byId.get(id) as EpisodeRow | undefined;
    if (!r) throw PagiError.hinted('NOT_FOUND', `no episode with id ${id}`, { cli: '`pagi memory list` shows the ids', app: 'it may have been deleted or forgotten: search your memories again' });
    return r;
  };
  const get = (id: string): Episode => toEpisode(rowOf(id));

  /** Inserts in time order per session, so that each turn's neighbours are known (one DB lookup per session). */
  const insertBatch = (episodes: NewEpisode[], actor: ChangeActor, ids?: string[]): string[] => {
    const items = episodes.map((e, i) => ({ e, i, id: ids?.[i] ?? newId(), time: e.time ? new Date(e.time).toISOString() : new Date().toISOString() }));
    const bySession = new Map<string, typeof items>();
    for (const item of items) bySession.set(item.e.sessionId, [...(bySession.get(item.e.sessionId) ?? []), item]);
    for (const group of bySession.values()) {
      group.sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : a.i - b.i));
      const first = group[0] as (typeof items)[number];
      const before = previousInSession.get(first.e.sessionId, first.time) as { rowid: number; text: string; context: string } | undefined;
      if (before) setContext.run(`${before.context} ${clip(first.e.text)}`.slice(-2 * NEIGHBOUR_CHARS - 1), before.rowid);
      group.forEach((item, j) => {
        const prev = j > 0 ? (group[j - 1] as (typeof items)[number]).e.text : before?.text ?? '';
        const next = j + 1 < group.length ? (group[j + 1] as (typeof items)[number]).e.text : '';
        const e = item.e;
        insert.run(item.id, e.sessionId, item.time, e.actor, e.kind, e.text, e.mood ? JSON.stringify(e.mood) : null, e.importance, e.ref, `${clip(prev)} ${clip(next)}`.trim(), 0);
        log.record({ actor, op: 'add', targetId: item.id, before: null, after: { sessionId: e.sessionId, time: item.time, actor: e.actor, kind: e.kind } });
      });
    }
    return items.map((item) => item.id);
  };

  const applyEdit = (row: EpisodeRow, fields: Snapshot): void => {
    const cols: Record<string, string> = { text: 'text', actor: 'actor', kind: 'kind', time: 'time', importance: 'importance', pinned: 'pinned', mood: 'mood', ref: 'ref', sessionId: 'session_id' };
    const sets: string[] = [];
    const values: unknown[] = [];
    for (const [k, v] of Object.entries(fields)) {
      const col = cols[k];
      if (!col) continue;
      sets.push(`${col} = ?`);
      values.push(k === 'pinned' ? (v ? 1 : 0) : k === 'mood' ? (v ? JSON.stringify(v) : null) : v);
    }
    if (sets.length > 0) db.prepare(`UPDATE episodes SET ${sets.join(', ')} WHERE rowid = ?`).run(...values, row.rowid);
  };

  /** The row, its index entry (by trigger) and its vector; its neighbours' index context loses its text. */
  const remove = (row: EpisodeRow, stale: (rowid: number) => void): void => {
    db.prepare('DELETE FROM episodes WHERE rowid = ?').run(row.rowid);
    stale(row.rowid);
    refreshAround(row.session_id, row.time, row.rowid);
  };

  const reinsert = (id: string, s: Snapshot): void => {
    const e = s as unknown as Episode;
    insert.run(id, e.sessionId, e.time, e.actor, e.kind, e.text, e.mood ? JSON.stringify(e.mood) : null, e.importance, e.ref, '', e.pinned ? 1 : 0);
  };

  return {
    log,
    get,
    rowOf,
    /** Candidate rows for ranking (without the neighbour text, which only the index needs). */
    rowsByRowid(rowids: number[]): EpisodeRow[] {
      if (rowids.length === 0) return [];
      return byRowids.all(JSON.stringify(rowids)) as EpisodeRow[];
    },
    store(e: NewEpisode, actor: ChangeActor = 'twin'): Episode {
      return get(db.transaction(() => insertBatch([e], actor)[0] as string)());
    },
    /** Many episodes in one transaction (imports); all or none. */
    storeMany: db.transaction((episodes: NewEpisode[], actor: ChangeActor = 'import'): string[] => insertBatch(episodes, actor)),
    touch(rowids: number[]): void {
      const at = new Date().toISOString();
      db.transaction(() => rowids.forEach((r) => touchRow.run(at, r)))();
    },
    range(opts: { from?: string | undefined; to?: string | undefined; sessionId?: string | undefined; actor?: string | undefined; kind?: string | undefined; limit: number; offset?: number; order: 'asc' | 'desc' }): Episode[] {
      const where = ['time >= ?', 'time <= ?'];
      const params: unknown[] = [opts.from ? new Date(opts.from).toISOString() : '0000', opts.to ? new Date(opts.to).toISOString() : '9999'];
      if (opts.sessionId) {
        where.push('session_id = ?');
        params.push(opts.sessionId);
      }
      if (opts.actor) {
        where.push('actor = ?');
        params.push(opts.actor);
      }
      if (opts.kind) {
        where.push('kind = ?');
        params.push(opts.kind);
      }
      const dir = opts.order === 'desc' ? 'DESC' : 'ASC';
      const rows = db.prepare(`SELECT rowid, * FROM episodes WHERE ${where.join(' AND ')} ORDER BY time ${dir}, rowid ${dir} LIMIT ? OFFSET ?`).all(...params, opts.limit, opts.offset ?? 0) as EpisodeRow[];
      return rows.map(toEpisode);
    },
    /** What happened around a moment: the nearest episodes before and after it. */
    around(time: string, count: number, sessionId?: string): Episode[] {
      const t = new Date(time).toISOString();
      const s = sessionId ? 'AND session_id = ?' : '';
      const args = sessionId ? [t, sessionId, count] : [t, count];
      const before = db.prepare(`SELECT rowid, * FROM episodes WHERE time <= ? ${s} ORDER BY time DESC, rowid DESC LIMIT ?`).all(...args) as EpisodeRow[];
      const after = db.prepare(`SELECT rowid, * FROM episodes WHERE time > ? ${s} ORDER BY time ASC, rowid ASC LIMIT ?`).all(...args) as EpisodeRow[];
      return [...before.reverse(), ...after].map(toEpisode);
    },
    /** A new text drops the episode's vector (it is embedded again). */
    edit(id: string, changes: EpisodeEdit, actor: ChangeActor): { memory: Episode; change: MemoryChange | null } {
      return vectors.transaction((stale) => {
        const row = rowOf(id);
        const current = snapshot(toEpisode(row));
        const next: Snapshot = {};
        if (changes.time !== undefined) changes.time = new Date(changes.time).toISOString();
        for (const [k, v] of Object.entries(changes)) if (v !== undefined && current[k] !== v) next[k] = v;
        if (Object.keys(next).length === 0) return { memory: toEpisode(row), change: null };
        const before = Object.fromEntries(Object.keys(next).map((k) => [k, current[k]]));
        applyEdit(row, next);
        if ('text' in next) stale(row.rowid);
        if ('text' in next || 'time' in next) {
          refreshAround(row.session_id, row.time, row.rowid);
          const moved = rowOf(id);
          refreshAround(moved.session_id, moved.time, moved.rowid);
        }
        const op = Object.keys(next).length === 1 && 'importance' in next ? 'importance' : 'edit';
        return { memory: get(id), change: log.record({ actor, op, targetId: id, before, after: next }) };
      });
    },
    setPinned(id: string, pinned: boolean, actor: ChangeActor): { memory: Episode; change: MemoryChange | null } {
      return db.transaction(() => {
        const row = rowOf(id);
        if ((row.pinned === 1) === pinned) return { memory: toEpisode(row), change: null };
        applyEdit(row, { pinned });
        return { memory: get(id), change: log.record({ actor, op: pinned ? 'pin' : 'unpin', targetId: id, before: { pinned: !pinned }, after: { pinned } }) };
      })();
    },
    /** Removes the episode (text, index and vector); its history keeps the content, so it can be undone. */
    delete(id: string, actor: ChangeActor): MemoryChange {
      return vectors.transaction((stale) => {
        const row = rowOf(id);
        remove(row, stale);
        return log.record({ actor, op: 'delete', targetId: id, before: snapshot(toEpisode(row)), after: null });
      });
    },
    /** Hard delete: the episode and every copy of its content in the history are gone; this cannot be undone. */
    forget(id: string, actor: ChangeActor): MemoryChange {
      const change = vectors.transaction((stale) => {
        const row = (byId.get(id) as EpisodeRow | undefined) ?? null;
        const known = row !== null || log.history(id).length > 0;
        if (!known) throw new PagiError('NOT_FOUND', `no episode with id ${id}`);
        if (row) remove(row, stale);
        const forgotten = log.record({ actor, op: 'forget', targetId: id, before: null, after: null });
        log.scrub(id);
        return { ...forgotten, scrubbed: true };
      });
      // deleted pages are zeroed (secure_delete), the FTS segments rewritten, the WAL emptied: no copy stays on disk
      db.exec("INSERT INTO episodes_fts(episodes_fts) VALUES ('optimize')");
      db.pragma('wal_checkpoint(TRUNCATE)');
      return change;
    },
    /** An undo that removes the episode or brings back an older text drops its vector too. */
    undo(changeId: string, actor: ChangeActor): MemoryChange {
      return vectors.transaction((stale) => {
        const change = log.get(changeId);
        log.undoable(change);
        const row = (byId.get(change.targetId) as EpisodeRow | undefined) ?? null;
        const current = row ? snapshot(toEpisode(row)) : null;
        if (change.before === null) {
          // undoing an add (or the undo of a delete): the episode goes, its content kept for a redo
          if (row) remove(row, stale);
          return log.record({ actor, op: 'undo', targetId: change.targetId, before: current, after: null, undoes: change.id });
        }
        if (change.after === null || !row) {
          if (row) throw new PagiError('CONFLICT', `episode ${change.targetId} exists again; nothing to restore`);
          reinsert(change.targetId, change.before);
          const back = rowOf(change.targetId);
          refreshAround(back.session_id, back.time, back.rowid);
          return log.record({ actor, op: 'undo', targetId: change.targetId, before: null, after: change.before, undoes: change.id });
        }
        applyEdit(row, change.before);
        if ('text' in change.before) stale(row.rowid);
        if ('text' in change.before || 'time' in change.before) refreshAround(row.session_id, row.time, row.rowid);
        return log.record({ actor, op: 'undo', targetId: change.targetId, before: change.after, after: change.before, undoes: change.id });
      });
    },
    adjustImportance(id: string, delta: number, opId?: string): { importance: number; applied: boolean } {
      return db.transaction(() => {
        const row = rowOf(id);
        if (opId && db.prepare('INSERT OR IGNORE INTO applied_ops (op_id, episode_id, delta, at) VALUES (?, ?, ?, ?)').run(opId, id, delta, new Date().toISOString()).changes === 0) {
          return { importance: row.importance, applied: false };
        }
        const next = Math.max(0, Math.min(1, row.importance + delta));
        applyEdit(row, { importance: next });
        log.record({ actor: 'learning', op: 'importance', targetId: id, before: { importance: row.importance }, after: { importance: next } });
        return { importance: next, applied: true };
      })();
    },
    count: (): number => db.prepare('SELECT COUNT(*) FROM episodes').pluck().get() as number,
    sessions: (): Array<{ sessionId: string; episodes: number; first: string; last: string }> =>
      db.prepare('SELECT session_id AS sessionId, COUNT(*) AS episodes, MIN(time) AS first, MAX(time) AS last FROM episodes GROUP BY session_id ORDER BY last DESC').all() as Array<{ sessionId: string; episodes: number; first: string; last: string }>,
  };
}

export type EpisodeStore = ReturnType<typeof createEpisodeStore>;
