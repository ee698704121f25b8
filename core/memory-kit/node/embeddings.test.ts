import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openServiceDatabase, type Migration } from '../../runtime/node/migrations.js';
import { createSelfTestRunner, embeddingSelfTest } from '../common/embeddingSelfTest.js';
import { createBackgroundEmbedder, type EmbedStatus } from './backgroundEmbedder.js';
import { createVectorStore, vectorTableDdl } from './vectorStore.js';

const words = ['apple', 'river', 'stone', 'cloud', 'ember', 'maple', 'quartz', 'violet', 'harbor', 'lantern', 'meadow', 'falcon'];
/** A tiny deterministic embedding: one dimension per known word. */
const wordEmbed = (dims: number) => (text: string): number[] => Array.from({ length: dims }, (_, i) => (text.includes(words[i % words.length] as string) ? 1 : 0.01 * ((i * 7) % 3)));

/** The smallest memory a vector store serves: a text per row, the `meta` table, the vector table. */
const migrations: Migration[] = [{
  version: 1,
  name: 'memories with vectors',
  up: (db) => db.exec(`CREATE TABLE memories (rowid INTEGER PRIMARY KEY, text TEXT NOT NULL); CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL); ${vectorTableDdl('memory_vectors', 'memories')}`),
}];

function setup(n: number) {
  const db = openServiceDatabase(mkdtempSync(join(tmpdir(), 'pagi-embedder-')), 'memories.db', migrations);
  const insert = db.prepare('INSERT INTO memories (text) VALUES (?)');
  const add = (text: string): number => Number(insert.run(text).lastInsertRowid);
  for (let i = 0; i < n; i++) add(`${words[i % 12]} ${words[(i * 5 + 3) % 12]} ${words[(i * 7 + 1) % 12]} number${i}`);
  const count = (): number => db.prepare('SELECT COUNT(*) FROM memories').pluck().get() as number;
  return { db, add, count, vectors: createVectorStore(db, 'memory_vectors', 'memories') };
}

describe('background embedder', () => {
  it('embeds every memory, re-embeds all of them when the model changes, and waits (saying why) without a model', async () => {
    const { add, count, vectors } = setup(70);
    const progress: EmbedStatus[] = [];
    let model: { name: string; dims: number } | null = null;
    const embedder = createBackgroundEmbedder({
      vectors, total: count, onProgress: (s) => progress.push(s), batchSize: 16, retryMs: 60_000,
      embed: async (texts) => {
        if (!model) throw new Error('no model is loaded');
        const m = model;
        return { model: m.name, dims: m.dims, vectors: texts.map(wordEmbed(m.dims)) };
      },
    });
    embedder.kick();
    await embedder.idle();
    expect(embedder.status()).toMatchObject({ state: 'waiting-for-model', embedded: 0, total: 70, note: 'no embeddings yet: no model is loaded' });

    model = { name: 'model-a', dims: 12 };
    embedder.kick();
    await embedder.idle();
    expect(embedder.status()).toMatchObject({ model: 'model-a', dims: 12, embedded: 70, total: 70, state: 'idle' });
    expect(vectors.indexed).toBe(70);

    model = { name: 'model-b', dims: 24 };
    // a new model shows up on the next batch: here, a new memory
    add('falcon over the meadow');
    embedder.kick();
    await embedder.idle();
    expect(embedder.status()).toMatchObject({ model: 'model-b', dims: 24, embedded: 71, total: 71 });
    expect(vectors.countIn('model-a')).toBe(0);
    expect(progress.some((p) => p.state === 'embedding')).toBe(true);

    // with nothing new to embed, a model load is enough to notice the new space (e.g. memories from a bundle)
    model = { name: 'model-c', dims: 12 };
    embedder.kick();
    await embedder.idle();
    expect(embedder.status().model, 'a plain kick does not probe').toBe('model-b');
    embedder.kick({ modelLoaded: true });
    await embedder.idle();
    expect(embedder.status()).toMatchObject({ model: 'model-c', dims: 12, embedded: 71, total: 71, state: 'idle' });
    // no model at the moment of the check: nothing changes, the next load asks again
    model = null;
    embedder.kick({ modelLoaded: true });
    await embedder.idle();
    expect(embedder.status()).toMatchObject({ model: 'model-c', embedded: 71, state: 'idle' });
    embedder.stop();
  });

  it('self-test: a space that finds texts by their words counts fully, a meaningless one not at all', async () => {
    const { vectors } = setup(120);
    vectors.setSpace({ model: 'words', dims: 12 });
    const good = wordEmbed(12);
    vectors.putMany(vectors.missing(500).map((r) => ({ rowid: r.rowid, values: good(r.text) })));
    const nearest = (v: number[], k: number) => vectors.nearest(v, k, 400).map((n) => n.rowid);
    const fine = await embeddingSelfTest({ model: 'words', indexed: 120, sample: vectors.sample(50), embed: async (t) => t.map(good), nearest });
    expect(fine.reliability).toBeGreaterThan(0.2);
    const noise = await embeddingSelfTest({ model: 'words', indexed: 120, sample: vectors.sample(50), embed: async (t) => t.map(() => Array.from({ length: 12 }, () => Math.random() - 0.5)), nearest });
    expect(noise.reliability).toBeLessThan(fine.reliability);

    const runner = createSelfTestRunner(vectors, async (t) => t.map(good));
    expect(runner.reliability()).toBe(1); // untested: trusted
    runner.maybeRun();
    await new Promise((r) => setTimeout(r, 50));
    expect(runner.current()).toMatchObject({ model: 'words', indexed: 120 });
  });

  it('a change that fails leaves the index as the table: stale vectors go only with the commit', () => {
    const { db, vectors } = setup(3);
    vectors.setSpace({ model: 'words', dims: 12 });
    const good = wordEmbed(12);
    vectors.putMany(vectors.missing(10).map((r) => ({ rowid: r.rowid, values: good(r.text) })));
    expect(() => vectors.transaction((stale) => {
      db.prepare("UPDATE memories SET text = 'changed' WHERE rowid = 1").run();
      stale(1);
      throw new Error('the change fails after dropping the vector');
    })).toThrow(/fails/);
    expect(vectors.has(1)).toBe(true);
    expect(vectors.missing(10)).toEqual([]);
    vectors.transaction((stale) => {
      db.prepare("UPDATE memories SET text = 'changed' WHERE rowid = 1").run();
      stale(1);
    });
    expect(vectors.has(1)).toBe(false);
    expect(vectors.missing(10)).toEqual([{ rowid: 1, text: 'changed' }]);
    expect(vectors.nearest(good('changed'), 3, 10).map((n) => n.rowid)).not.toContain(1);
  });
});
