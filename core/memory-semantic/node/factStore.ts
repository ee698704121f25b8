import type { SqliteDatabase } from '../../../native/sqlite.js';
import type { Fact } from '../../contracts/domain.js';
import { PagiError } from '../../contracts/errors.js';
import { newId } from '../../contracts/ids.js';
import { toFtsQuery } from '../../memory-episodic/common/ftsQuery.js';

interface Row { rowid: number; id: string; text: string; confidence: number; pinned: number; source_episode_ids: string; created_at: string; embedded: number }

const toFact = (r: Row): Fact => ({
  id: r.id, text: r.text, confidence: r.confidence, pinned: r.pinned === 1,
  sourceEpisodeIds: JSON.parse(r.source_episode_ids) as string[], createdAt: r.created_at, embedded: r.embedded === 1,
});

const vecBlob = (v: number[]): Buffer => Buffer.from(new Float32Array(v).buffer);

/** Facts in SQLite, their vectors in a sqlite-vec `vec0` table keyed by the fact's rowid. */
export function createFactStore(db: SqliteDatabase) {
  const meta = (key: string): string | null => (db.prepare('SELECT value FROM meta WHERE key = ?').pluck().get(key) as string | undefined) ?? null;
  const setMeta = (key: string, value: string): void => {
    db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(key, value);
  };
  const rowById = (id: string): Row => {
    const r = db.prepare('SELECT rowid, * FROM facts WHERE id = ?').get(id) as Row | undefined;
    if (!r) throw new PagiError('NOT_FOUND', `no fact with id ${id}`);
    return r;
  };

  const embeddingModel = (): { model: string; dims: number } | null => {
    const model = meta('embedding.model');
    const dims = meta('embedding.dims');
    return model && dims ? { model, dims: Number(dims) } : null;
  };

  /** The first embedding fixes the model and dimension of this memory; others are refused until re-embedding. */
  const acceptsVector = (model: string, dims: number): boolean => {
    const current = embeddingModel();
    if (!current) {
      db.exec(`CREATE VIRTUAL TABLE IF NOT EXISTS fact_vectors USING vec0(embedding float[${dims}] distance_metric=cosine)`);
      setMeta('embedding.model', model);
      setMeta('embedding.dims', String(dims));
      return true;
    }
    return current.model === model && current.dims === dims;
  };

  return {
    embeddingModel,
    add(f: { text: string; confidence: number; pinned: boolean; sourceEpisodeIds: string[] }, vector: { model: string; values: number[] } | null): Fact {
      const id = newId();
      db.transaction(() => {
        const useVector = vector !== null && acceptsVector(vector.model, vector.values.length);
        const r = db.prepare('INSERT INTO facts (id, text, confidence, pinned, source_episode_ids, created_at, embedded) VALUES (?, ?, ?, ?, ?, ?, ?)')
          .run(id, f.text, f.confidence, f.pinned ? 1 : 0, JSON.stringify(f.sourceEpisodeIds), new Date().toISOString(), useVector ? 1 : 0);
        if (useVector && vector) db.prepare('INSERT INTO fact_vectors (rowid, embedding) VALUES (?, ?)').run(BigInt(r.lastInsertRowid), vecBlob(vector.values));
      })();
      return toFact(rowById(id));
    },
    get: (id: string): Fact => toFact(rowById(id)),
    delete(id: string): boolean {
      const r = db.prepare('SELECT rowid FROM facts WHERE id = ?').get(id) as { rowid: number } | undefined;
      if (!r) return false;
      db.transaction(() => {
        if (embeddingModel()) db.prepare('DELETE FROM fact_vectors WHERE rowid = ?').run(BigInt(r.rowid));
        db.prepare('DELETE FROM facts WHERE rowid = ?').run(r.rowid);
      })();
      return true;
    },
    list: (limit: number, offset: number): Fact[] =>
      (db.prepare('SELECT rowid, * FROM facts ORDER BY rowid DESC LIMIT ? OFFSET ?').all(limit, offset) as Row[]).map(toFact),
    /** K nearest facts by cosine distance; score is 1 − distance. */
    knn(values: number[], k: number): Array<{ fact: Fact; score: number }> {
      const rows = db.prepare(
        'SELECT f.rowid, f.*, v.distance FROM (SELECT rowid, distance FROM fact_vectors WHERE embedding MATCH ? AND k = ?) v JOIN facts f ON f.rowid = v.rowid ORDER BY v.distance',
      ).all(vecBlob(values), k) as Array<Row & { distance: number }>;
      return rows.map((r) => ({ fact: toFact(r), score: 1 - r.distance }));
    },
    lexical(query: string, k: number): Array<{ fact: Fact; score: number }> {
      const q = toFtsQuery(query);
      if (!q) return [];
      const rows = db.prepare(
        'SELECT f.rowid, f.*, bm25(facts_fts) AS rank FROM facts_fts JOIN facts f ON f.rowid = facts_fts.rowid WHERE facts_fts MATCH ? ORDER BY rank LIMIT ?',
      ).all(q, k) as Array<Row & { rank: number }>;
      return rows.map((r) => ({ fact: toFact(r), score: -r.rank }));
    },
    counts: () => db.prepare('SELECT COUNT(*) AS total, COALESCE(SUM(embedded), 0) AS embedded FROM facts').get() as { total: number; embedded: number },
  };
}
