import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SqliteDatabase } from '../../../native/sqlite.js';
import { hintOf } from '../../contracts/errors.js';
import { openServiceDatabase } from '../../runtime/node/migrations.js';
import { createVectorStore, type VectorStore } from '../../memory-kit/node/vectorStore.js';
import { createEpisodeSearch, DEFAULT_SEARCH } from './episodeSearch.js';
import { createEpisodeStore, type EpisodeStore, type NewEpisode } from './episodeStore.js';
import { episodicMigrations } from './migrations.js';

const ep = (text: string, time: string, actor = 'ana', sessionId = 's1'): NewEpisode => ({ sessionId, actor, kind: 'message', text, time, mood: null, importance: 0.5, ref: null });

describe('episode store and hybrid search', () => {
  let dir: string;
  let db: SqliteDatabase;
  let store: EpisodeStore;
  let vectors: VectorStore;
  let finder: ReturnType<typeof createEpisodeSearch>;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'pagi-episodes-'));
    db = openServiceDatabase(dir, 'episodic.db', episodicMigrations);
    db.pragma('secure_delete = ON');
    vectors = createVectorStore(db, 'episode_vectors', 'episodes');
    store = createEpisodeStore(db, vectors);
    finder = createEpisodeSearch(db, store, vectors);
  });
  afterEach(() => db.close());

  it('finds an answer through its neighbouring question (the answer itself shares no word with the query)', () => {
    store.storeMany([
      ep('Where does your sister work these days?', '2024-03-01T10:00:00Z', 'bo'),
      ep('At the harbour bakery, since spring.', '2024-03-01T10:01:00Z', 'ana'),
      ep('The weather was lovely on the coast.', '2024-03-02T10:00:00Z', 'bo'),
    ]);
    const withNeighbours = finder.search({ query: 'sister work', limit: 3 });
    expect(withNeighbours.hits.map((h) => h.episode.text)).toContain('At the harbour bakery, since spring.');
    const without = finder.search({ query: 'sister work', limit: 3 }, { ...DEFAULT_SEARCH, lexical: { ...DEFAULT_SEARCH.lexical, neighbours: false } });
    expect(without.hits.map((h) => h.episode.text)).not.toContain('At the harbour bakery, since spring.');
  });

  it('reads time expressions: "in June" prefers June and says which range it used', () => {
    store.storeMany([ep('Ana went hiking in the Alps', '2024-06-12T10:00:00Z'), ep('Ana went hiking near the lake', '2024-02-12T10:00:00Z')]);
    const r = finder.search({ query: 'Where did Ana go hiking in June?', limit: 2, now: Date.parse('2024-08-01T00:00:00Z') });
    expect(r.timeRange?.from).toBe('2024-06-01T00:00:00.000Z');
    expect(r.hits[0]?.episode.text).toBe('Ana went hiking in the Alps');
    expect(r.hits[1]?.scores.time).toBeLessThan(1);
    // nothing but a time: that period's memories
    expect(finder.search({ query: 'what happened in February?', limit: 5, now: Date.parse('2024-08-01T00:00:00Z') }).hits.map((h) => h.episode.text)).toEqual(['Ana went hiking near the lake']);
  });

  it('ranks by vectors too once they exist, and an edited text loses its stale vector', () => {
    const [a, b] = store.storeMany([ep('first memory about cats', '2024-01-01T00:00:00Z'), ep('second memory about dogs', '2024-01-02T00:00:00Z')]);
    vectors.setSpace({ model: 'test-model', dims: 4 });
    expect(vectors.putMany([{ rowid: store.rowOf(a as string).rowid, values: [1, 0, 0, 0] }, { rowid: store.rowOf(b as string).rowid, values: [0, 1, 0, 0] }])).toBe(2);
    const r = finder.search({ query: 'unrelated words entirely', limit: 2, vector: [0.1, 0.9, 0, 0] });
    expect(r.mode).toBe('vector');
    expect(r.hits[0]?.episode.id).toBe(b);
    expect(r.hits[0]?.scores.vector).toBe(1);
    expect(vectors.missing(10)).toEqual([]);
    expect(vectors.putMany([{ rowid: 9_999, values: [1, 1, 1, 1] }])).toBe(0); // no such episode: no orphan vector
  });

  it('drops an episode\'s vector with the episode, and a stale one when its text changes (so it is embedded again)', () => {
    vectors.setSpace({ model: 'test-model', dims: 4 });
    const embedAll = (): void => void vectors.putMany(vectors.missing(100).map((r) => ({ rowid: r.rowid, values: [1, r.rowid % 3, 0.5, 0] })));
    const add = (text: string, minute: number): { id: string; rowid: number } => {
      const id = store.store(ep(text, `2024-01-01T00:0${minute}:00Z`), 'twin').id;
      return { id, rowid: store.rowOf(id).rowid };
    };
    const [a, b, c, d] = [add('Ana likes tea', 1), add('Bo plays chess', 2), add('Cy grows tomatoes', 3), add('Di sails boats', 4)] as const;
    embedAll();
    const embedded = (rowid: number): boolean => vectors.has(rowid) && db.prepare('SELECT 1 FROM episode_vectors WHERE rowid = ?').get(rowid) !== undefined;
    expect([a, b, c, d].every((e) => embedded(e.rowid))).toBe(true);

    const edit = store.edit(a.id, { text: 'Ana likes green tea' }, 'user').change;
    expect(embedded(a.rowid)).toBe(false);
    expect(vectors.missing(10).map((m) => m.rowid)).toEqual([a.rowid]);
    embedAll();
    store.edit(a.id, { importance: 0.9 }, 'user');
    expect(embedded(a.rowid), 'no new text: the vector stays').toBe(true);
    store.undo(edit?.id as string, 'user');
    expect(embedded(a.rowid), 'the undo brings back the old text').toBe(false);

    store.delete(b.id, 'user');
    expect(embedded(b.rowid)).toBe(false);
    store.forget(c.id, 'user');
    expect(embedded(c.rowid)).toBe(false);
    store.undo(store.log.history(d.id)[0]?.id as string, 'user'); // undoing the store
    expect(embedded(d.rowid)).toBe(false);
    expect(vectors.indexed).toBe(0);
  });

  it('records every change with before and after, and undoes edits, deletes and adds', () => {
    const e = store.store(ep('Ana likes tea', '2024-01-01T00:00:00Z'), 'twin');
    const edit = store.edit(e.id, { text: 'Ana likes green tea' }, 'user').change;
    expect(edit).toMatchObject({ op: 'edit', actor: 'user', before: { text: 'Ana likes tea' }, after: { text: 'Ana likes green tea' } });
    store.adjustImportance(e.id, 0.2, 'op-1'); // touches another field: the edit stays undoable
    const undo = store.undo(edit?.id as string, 'user');
    expect(store.get(e.id)).toMatchObject({ text: 'Ana likes tea', importance: 0.7 });
    expect(() => store.undo(edit?.id as string, 'user')).toThrow(/already undone/);
    store.undo(undo.id, 'user'); // undoing the undo redoes the edit
    expect(store.get(e.id).text).toBe('Ana likes green tea');

    const del = store.delete(e.id, 'user');
    expect(() => store.get(e.id)).toThrow(/no episode/);
    expect(finder.search({ query: 'green tea', limit: 3 }).hits).toEqual([]);
    store.undo(del.id, 'user');
    expect(store.get(e.id)).toMatchObject({ id: e.id, text: 'Ana likes green tea', importance: 0.7 });
    expect(finder.search({ query: 'green tea', limit: 3 }).hits[0]?.episode.id).toBe(e.id);

    const history = store.log.history(e.id);
    expect(history.map((c) => c.op)).toEqual(['add', 'edit', 'importance', 'undo', 'undo', 'delete', 'undo']);
    const add = history[0];
    expect(() => store.undo(add?.id as string, 'user')).toThrow(/changed again after/);
  });

  it('forgets for real: no row, no index entry, no copy in the history or on disk, and no undo', () => {
    const secret = 'my locker code is zebra-4471-quartz';
    const e = store.store(ep(secret, '2024-01-01T00:00:00Z'), 'twin');
    store.store(ep('an unrelated later turn', '2024-01-01T00:01:00Z'), 'twin');
    store.edit(e.id, { text: `${secret}!` }, 'user');
    const change = store.forget(e.id, 'user');
    expect(change.op).toBe('forget');
    expect(store.log.history(e.id).every((c) => c.before === null && c.after === null)).toBe(true);
    expect(finder.search({ query: 'zebra quartz locker', limit: 5 }).hits).toEqual([]);
    expect(() => store.undo(change.id, 'user')).toThrow(/forgotten/);
    db.pragma('wal_checkpoint(TRUNCATE)');
    for (const f of ['episodic.db', 'episodic.db-wal']) {
      const file = join(dir, f);
      if (existsSync(file)) expect(readFileSync(file).includes('zebra-4471')).toBe(false);
    }
  });

  it('refuses unknown ids and changes with a message that says what to do', () => {
    const gone = (() => {
      try {
        store.edit('nope', { text: 'x' }, 'user');
      } catch (err) {
        return err;
      }
      return null;
    })();
    expect(gone).toMatchObject({ code: 'NOT_FOUND', message: 'no episode with id nope' });
    // what to do travels beside the message, in each host's words
    expect(hintOf(gone)).toEqual({ cli: '`pagi memory list` shows the ids', app: 'it may have been deleted or forgotten: search your memories again' });
    expect(() => store.undo('nope', 'user')).toThrow(/no change with id nope/);
    expect(() => store.forget('nope', 'user')).toThrow(/no episode/);
  });
});
