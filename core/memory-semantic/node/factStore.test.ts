import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SqliteDatabase } from '../../../native/sqlite.js';
import { openServiceDatabase } from '../../runtime/node/migrations.js';
import { createVectorStore, type VectorStore } from '../../memory-kit/node/vectorStore.js';
import { tinyPdf } from '../../../native/documents/testDocuments.js';
import { readDocument } from './documentReader.js';
import { createFactSearch } from './factSearch.js';
import { createFactStore, type FactStore } from './factStore.js';
import { semanticMigrations } from './migrations.js';

const fact = (text: string) => ({ text, confidence: 0.9, pinned: false, sourceEpisodeIds: ['e1'] });

describe('fact store: bitemporal facts with history', () => {
  let dir: string;
  let db: SqliteDatabase;
  let facts: FactStore;
  let vectors: VectorStore;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'pagi-facts-'));
    db = openServiceDatabase(dir, 'semantic.db', semanticMigrations);
    vectors = createVectorStore(db, 'fact_vectors', 'facts');
    facts = createFactStore(db, vectors);
  });
  afterEach(() => db.close());

  it('supersedes without erasing, answers what was believed at a past moment, and undoes the supersession', async () => {
    const old = facts.add(fact('Ana works at the harbour bakery'), 'learning');
    const learned = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 5));
    const { fact: next, retired, change } = facts.supersede(old.id, { ...fact('Ana works at the city library'), validFrom: '2024-09-01T00:00:00Z' }, 'learning');
    expect(retired).toMatchObject({ retiredAt: expect.any(String), supersededBy: next.id, validTo: '2024-09-01T00:00:00.000Z' });
    expect(next.validFrom).toBe('2024-09-01T00:00:00.000Z');
    expect(facts.beliefsAt(learned, 10).map((f) => f.text)).toEqual(['Ana works at the harbour bakery']);
    expect(facts.beliefsAt(new Date().toISOString(), 10).map((f) => f.text)).toEqual(['Ana works at the city library']);
    expect(facts.list({ limit: 10, offset: 0, includeRetired: false }).map((f) => f.id)).toEqual([next.id]);
    expect(facts.list({ limit: 10, offset: 0, includeRetired: true })).toHaveLength(2);
    const finder = createFactSearch(db, facts, vectors);
    expect(finder.search({ query: 'where does Ana work', limit: 5, vector: null, kinds: ['fact'] }).hits.map((h) => h.fact.id)).toEqual([next.id]);
    expect(finder.search({ query: 'where does Ana work', limit: 5, vector: null, kinds: ['fact'], asOf: learned }).hits.map((h) => h.fact.id)).toEqual([old.id]);
    expect(() => facts.supersede(old.id, fact('again'), 'user')).toThrow(/already retired/);

    facts.undo(change.id, 'user');
    expect(facts.get(old.id)).toMatchObject({ retiredAt: null, supersededBy: null, validTo: null });
  });

  it('edits, pins, deletes and restores with the full value in the history; forget leaves nothing', () => {
    const f = facts.add(fact('Bo is allergic to peanuts'), 'user');
    facts.edit(f.id, { text: 'Bo is allergic to peanuts and cashews', confidence: 1 }, 'user');
    facts.setPinned(f.id, true, 'user');
    const del = facts.delete(f.id, 'user');
    expect(del.before).toMatchObject({ text: 'Bo is allergic to peanuts and cashews', pinned: true, sourceEpisodeIds: ['e1'] });
    facts.undo(del.id, 'user');
    expect(facts.get(f.id)).toMatchObject({ text: 'Bo is allergic to peanuts and cashews', pinned: true, confidence: 1 });
    expect(facts.log.history(f.id).map((c) => c.op)).toEqual(['add', 'edit', 'pin', 'delete', 'undo']);
    const forgot = facts.forget(f.id, 'user');
    expect(() => facts.get(f.id)).toThrow(/no fact/);
    expect(facts.log.history(f.id).filter((c) => c.before || c.after)).toEqual([]);
    expect(() => facts.undo(forgot.id, 'user')).toThrow(/forgotten/);
    expect(db.prepare("SELECT COUNT(*) FROM facts_fts WHERE facts_fts MATCH 'cashews'").pluck().get()).toBe(0);
  });

  it('drops a fact\'s vector with the fact, and a stale one when its text changes (so it is embedded again)', () => {
    vectors.setSpace({ model: 'test-model', dims: 4 });
    const embedAll = (): void => void vectors.putMany(vectors.missing(100).map((r) => ({ rowid: r.rowid, values: [1, r.rowid % 3, 0.5, 0] })));
    const add = (text: string): { id: string; rowid: number } => {
      const id = facts.add(fact(text), 'user').id;
      return { id, rowid: facts.rowOf(id).rowid };
    };
    const [a, b, c, d] = [add('Ana likes tea'), add('Bo plays chess'), add('Cy grows tomatoes'), add('Di sails boats')] as const;
    embedAll();
    const embedded = (rowid: number): boolean => vectors.has(rowid) && db.prepare('SELECT 1 FROM fact_vectors WHERE rowid = ?').get(rowid) !== undefined;
    expect([a, b, c, d].every((f) => embedded(f.rowid))).toBe(true);

    const edit = facts.edit(a.id, { text: 'Ana likes green tea' }, 'user').change;
    expect(embedded(a.rowid)).toBe(false);
    expect(vectors.missing(10).map((m) => m.rowid)).toEqual([a.rowid]);
    embedAll();
    facts.edit(a.id, { confidence: 0.5 }, 'user');
    expect(embedded(a.rowid), 'no new text: the vector stays').toBe(true);
    facts.undo(edit?.id as string, 'user');
    expect(embedded(a.rowid), 'the undo brings back the old text').toBe(false);

    facts.delete(b.id, 'user');
    expect(embedded(b.rowid)).toBe(false);
    facts.forget(c.id, 'user');
    expect(embedded(c.rowid)).toBe(false);
    facts.undo(facts.log.history(d.id)[0]?.id as string, 'user'); // undoing the add
    expect(embedded(d.rowid)).toBe(false);
    expect(vectors.indexed).toBe(0);
  });
});

describe('document reader', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pagi-docs-'));
  const file = (name: string, data: string | Buffer): string => {
    const path = join(dir, name);
    writeFileSync(path, data);
    return path;
  };

  it('reads text, Markdown and PDF', async () => {
    expect((await readDocument(file('a.txt', '\uFEFFplain text'))).text).toBe('plain text');
    expect((await readDocument(file('b.md', '# Title\n\nBody'))).mediaType).toBe('text/markdown');
    const pdf = await readDocument(file('c.pdf', tinyPdf('Quarterly report: revenue grew')));
    expect(pdf.text).toContain('Quarterly report: revenue grew');
  });

  it.each([
    ['a.docx', 'x', /only \.txt, \.md, \.markdown, \.pdf files can be ingested/],
    ['empty.txt', '', /is empty/],
    ['binary.txt', Buffer.from([0x68, 0x00, 0x69]), /looks like a binary file/],
    ['latin1.txt', Buffer.from([0x63, 0x61, 0x66, 0xe9]), /not UTF-8 text/],
    ['fake.pdf', 'hello, not a pdf', /does not start like a PDF/],
    ['broken.pdf', '%PDF-1.4\ngarbage', /could not be read as a PDF/],
    ['blank.md', '   \n\n  ', /has no text to ingest/],
  ])('refuses %s with a reason', async (name, data, message) => {
    await expect(readDocument(file(name, data))).rejects.toThrow(message);
  });

  it('refuses a missing path and a folder', async () => {
    await expect(readDocument(join(dir, 'missing.txt'))).rejects.toThrow(/no file at/);
    mkdirSync(join(dir, 'folder.md'));
    await expect(readDocument(join(dir, 'folder.md'))).rejects.toThrow(/is not a file/);
  });
});
