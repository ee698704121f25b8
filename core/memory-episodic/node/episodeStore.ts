import type { SqliteDatabase } from '../../../native/sqlite.js';
import { padSchema, type Episode, type Pad } from '../../contracts/domain.js';
import { PagiError } from '../../contracts/errors.js';
import { newId } from '../../contracts/ids.js';
import { toFtsQuery } from '../common/ftsQuery.js';

interface Row {
  id: string; session_id: string; time: string; actor: string; kind: Episode['kind']; text: string; mood: string | null;
  importance: number; access_count: number; last_access: string | null; ref: string | null;
}

const toEpisode = (r: Row): Episode => ({
  id: r.id, sessionId: r.session_id, time: r.time, actor: r.actor, kind: r.kind, text: r.text,
  mood: r.mood ? padSchema.parse(JSON.parse(r.mood)) : null,
  importance: r.importance, accessCount: r.access_count, lastAccess: r.last_access, ref: r.ref,
});

export interface NewEpisode {
  sessionId: string; actor: string; kind: Episode['kind']; text: string; time?: string | undefined; mood: Pad | null; importance: number; ref: string | null;
}

export function createEpisodeStore(db: SqliteDatabase) {
  const insert = db.prepare('INSERT INTO episodes (id, session_id, time, actor, kind, text, mood, importance, ref) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)');
  const byId = db.prepare('SELECT * FROM episodes WHERE id = ?');
  const touch = db.prepare('UPDATE episodes SET access_count = access_count + 1, last_access = ? WHERE id = ?');
  const ftsAll = db.prepare(
    'SELECT e.*, bm25(episodes_fts) AS rank FROM episodes_fts JOIN episodes e ON e.rowid = episodes_fts.rowid WHERE episodes_fts MATCH ? ORDER BY rank LIMIT ?',
  );
  const ftsSession = db.prepare(
    'SELECT e.*, bm25(episodes_fts) AS rank FROM episodes_fts JOIN episodes e ON e.rowid = episodes_fts.rowid WHERE episodes_fts MATCH ? AND e.session_id = ? ORDER BY rank LIMIT ?',
  );

  const insertOne = (e: NewEpisode): string => {
    const id = newId();
    // times are stored in UTC ISO form so that text order is time order
    const time = e.time ? new Date(e.time).toISOString() : new Date().toISOString();
    insert.run(id, e.sessionId, time, e.actor, e.kind, e.text, e.mood ? JSON.stringify(e.mood) : null, e.importance, e.ref);
    return id;
  };

  const get = (id: string): Episode => {
    const r = byId.get(id) as Row | undefined;
    if (!r) throw new PagiError('NOT_FOUND', `no episode with id ${id}`);
    return toEpisode(r);
  };

  return {
    get,
    store(e: NewEpisode): Episode {
      return get(insertOne(e));
    },
    /** Many episodes in one transaction (imports); all or none. */
    storeMany: db.transaction((episodes: NewEpisode[]): string[] => episodes.map(insertOne)),
    /** BM25 ranked matches; the score is positive, higher is better. */
    search(query: string, limit: number, sessionId?: string, markAccess = false): Array<{ episode: Episode; score: number }> {
      const q = toFtsQuery(query);
      if (!q) return [];
      const rows = (sessionId ? ftsSession.all(q, sessionId, limit) : ftsAll.all(q, limit)) as Array<Row & { rank: number }>;
      if (markAccess && rows.length > 0) {
        const at = new Date().toISOString();
        db.transaction(() => rows.forEach((r) => touch.run(at, r.id)))();
      }
      return rows.map((r) => ({ episode: toEpisode(r), score: -r.rank }));
    },
    range(opts: { from?: string | undefined; to?: string | undefined; sessionId?: string | undefined; limit: number; order: 'asc' | 'desc' }): Episode[] {
      const from = opts.from ? new Date(opts.from).toISOString() : '0000';
      const to = opts.to ? new Date(opts.to).toISOString() : '9999';
      const dir = opts.order === 'desc' ? 'DESC' : 'ASC';
      const rows = (opts.sessionId
        ? db.prepare(`SELECT * FROM episodes WHERE session_id = ? AND time >= ? AND time <= ? ORDER BY time ${dir}, rowid ${dir} LIMIT ?`).all(opts.sessionId, from, to, opts.limit)
        : db.prepare(`SELECT * FROM episodes WHERE time >= ? AND time <= ? ORDER BY time ${dir}, rowid ${dir} LIMIT ?`).all(from, to, opts.limit)) as Row[];
      return rows.map(toEpisode);
    },
    adjustImportance(id: string, delta: number, opId?: string): { importance: number; applied: boolean } {
      return db.transaction(() => {
        const e = get(id);
        if (opId && db.prepare('INSERT OR IGNORE INTO applied_ops (op_id, episode_id, delta, at) VALUES (?, ?, ?, ?)').run(opId, id, delta, new Date().toISOString()).changes === 0) {
          return { importance: e.importance, applied: false };
        }
        const next = Math.max(0, Math.min(1, e.importance + delta));
        db.prepare('UPDATE episodes SET importance = ? WHERE id = ?').run(next, id);
        return { importance: next, applied: true };
      })();
    },
    count: (): number => db.prepare('SELECT COUNT(*) FROM episodes').pluck().get() as number,
  };
}
