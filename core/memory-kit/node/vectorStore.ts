import type { SqliteDatabase } from '../../../native/sqlite.js';
import { binaryCode, createBinaryIndex, quantizeInt8, vectorBytes, type BinaryIndex } from '../common/vectorIndex.js';

/** A memory's vector table (for its migration): float32, sign bits and int8 copy per row, tagged with the model. */
export function vectorTableDdl(table: string, source: string): string {
  return `
    CREATE TABLE ${table} (
      rowid INTEGER PRIMARY KEY REFERENCES ${source}(rowid) ON DELETE CASCADE,
      model TEXT NOT NULL,
      code BLOB NOT NULL,
      q8 BLOB NOT NULL,
      vector BLOB NOT NULL
    );
    CREATE INDEX ${table}_model ON ${table}(model);`;
}

export interface EmbeddingSpace { model: string; dims: number }

const codeBytes = (code: Uint32Array): Buffer => Buffer.from(code.buffer, code.byteOffset, code.byteLength);
const codeFromBytes = (b: Buffer): Uint32Array => {
  const copy = new Uint8Array(b.byteLength);
  copy.set(b);
  return new Uint32Array(copy.buffer);
};

/**
 * The vectors of one memory table (`<table>` with rowid, model, code, vector) and the in-memory
 * binary index over the current embedding space. The space (model id and dimension) is kept in
 * `meta`; vectors of another space stay in the table (ignored) until re-embedding replaces them.
 */
export function createVectorStore(db: SqliteDatabase, table: string, source: string) {
  if (!/^[a-z_]+$/.test(table) || !/^[a-z_]+$/.test(source)) throw new Error(`bad table names ${table}, ${source}`);
  const meta = (key: string): string | null => (db.prepare('SELECT value FROM meta WHERE key = ?').pluck().get(key) as string | undefined) ?? null;
  const setMeta = (key: string, value: string): void => {
    db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(key, value);
  };
  // a memory deleted while its embedding was being computed simply gets no vector
  const put = db.prepare(
    `INSERT INTO ${table} (rowid, model, code, q8, vector) SELECT @rowid, @model, @code, @q8, @vector WHERE EXISTS (SELECT 1 FROM ${source} WHERE rowid = @rowid)
     ON CONFLICT(rowid) DO UPDATE SET model = excluded.model, code = excluded.code, q8 = excluded.q8, vector = excluded.vector`,
  );
  const drop = db.prepare(`DELETE FROM ${table} WHERE rowid = ?`);

  let index: BinaryIndex | null = null;
  // read on every search: kept in memory, refreshed by setSpace
  let cachedSpace: EmbeddingSpace | null | undefined;
  const space = (): EmbeddingSpace | null => {
    if (cachedSpace === undefined) {
      const model = meta('embedding.model');
      const dims = meta('embedding.dims');
      cachedSpace = model && dims ? { model, dims: Number(dims) } : null;
    }
    return cachedSpace;
  };
  const load = (): void => {
    const s = space();
    index = s ? createBinaryIndex(s.dims, 4_096) : null;
    if (!s || !index) return;
    for (const r of db.prepare(`SELECT rowid, code, q8 FROM ${table} WHERE model = ?`).iterate(s.model) as Iterable<{ rowid: number; code: Buffer; q8: Buffer }>) {
      index.addCode(r.rowid, codeFromBytes(r.code), r.q8);
    }
  };
  load();

  return {
    space,
    meta,
    setMeta,
    /** A random sample of embedded rows with their text (for the embedding self-test). */
    sample(limit: number, textColumn = 'text'): Array<{ rowid: number; text: string }> {
      const s = space();
      if (!s || !/^[a-z_]+$/.test(textColumn)) return [];
      return db.prepare(`SELECT m.rowid, m.${textColumn} AS text FROM ${source} m JOIN ${table} v ON v.rowid = m.rowid AND v.model = ? ORDER BY random() LIMIT ?`).all(s.model, limit) as Array<{ rowid: number; text: string }>;
    },
    get indexed(): number {
      return index?.size ?? 0;
    },
    /** Switches to a new embedding space (a new model or dimension); existing vectors wait to be re-embedded. */
    setSpace(next: EmbeddingSpace): void {
      db.transaction(() => {
        setMeta('embedding.model', next.model);
        setMeta('embedding.dims', String(next.dims));
      })();
      cachedSpace = undefined;
      load();
    },
    /** Stores vectors of the current space (call inside or outside a transaction). */
    putMany(items: Array<{ rowid: number; values: ArrayLike<number> }>): number {
      const s = space();
      if (!s || !index) return 0;
      const live = index;
      const stored: Array<{ rowid: number; code: Uint32Array; q8: Uint8Array }> = [];
      db.transaction(() => {
        for (const item of items) {
          if (item.values.length !== s.dims) continue;
          const code = binaryCode(item.values);
          const q8 = quantizeInt8(item.values);
          if (put.run({ rowid: item.rowid, model: s.model, code: codeBytes(code), q8: Buffer.from(q8), vector: Buffer.from(vectorBytes(item.values)) }).changes > 0) stored.push({ rowid: item.rowid, code, q8 });
        }
      })();
      for (const item of stored) live.addCode(item.rowid, item.code, item.q8);
      return stored.length;
    },
    /**
     * Runs a change to the memories in one transaction; `stale(rowid)` drops that memory's vector in
     * it (its text changed, or it is gone). The in-memory index lets go of those only once the
     * transaction commits, so a change that fails leaves the index as the table is.
     */
    transaction<T>(change: (stale: (rowid: number) => void) => T): T {
      const dropped: number[] = [];
      const result = db.transaction(() => change((rowid) => {
        drop.run(rowid);
        dropped.push(rowid);
      }))();
      for (const rowid of dropped) index?.remove(rowid);
      return result;
    },
    has: (rowid: number): boolean => index?.has(rowid) ?? false,
    /** Rows of the source table with no vector in the current space, oldest first. */
    missing(limit: number): Array<{ rowid: number; text: string }> {
      const s = space();
      return db.prepare(`SELECT m.rowid, m.text FROM ${source} m LEFT JOIN ${table} v ON v.rowid = m.rowid AND v.model = ? WHERE v.rowid IS NULL ORDER BY m.rowid LIMIT ?`).all(s?.model ?? '', limit) as Array<{ rowid: number; text: string }>;
    },
    countIn: (model: string): number => db.prepare(`SELECT COUNT(*) FROM ${table} WHERE model = ?`).pluck().get(model) as number,
    /** Nearest rows: a Hamming scan of the sign bits picks `pool` candidates, rescored by cosine on their int8 copies. */
    nearest(query: ArrayLike<number>, k: number, pool: number, accept?: (rowid: number) => boolean): Array<{ rowid: number; cosine: number }> {
      const s = space();
      const live = index;
      if (!s || !live || query.length !== s.dims || live.size === 0) return [];
      const rescored = live.scan(query, Math.max(pool, k), accept).map((rowid) => ({ rowid, cosine: live.cosine(query, rowid) ?? -1 }));
      rescored.sort((a, b) => b.cosine - a.cosine);
      return rescored.slice(0, k);
    },
    /** Cosine of the query with one row's vector (int8 copy in memory), null without one. */
    cosineTo: (query: ArrayLike<number>, rowid: number): number | null => (index && query.length === index.dims ? index.cosine(query, rowid) : null),
    approximate: (rowid: number): Float32Array | null => index?.approximate(rowid) ?? null,
  };
}

export type VectorStore = ReturnType<typeof createVectorStore>;
