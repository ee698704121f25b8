import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHeadlessHost, type HeadlessHost } from '../host/headlessHost.js';
import { pagi, waitFor } from './helpers.js';
import { testModelPath } from './testModel.js';

const line = (session: string, time: string, speaker: string, text: string, ref: string): string => JSON.stringify({ session, time, speaker, text, ref });
const ok = (r: Awaited<ReturnType<typeof pagi>>): string => {
  if ('code' in r && r.code) throw new Error(`pagi exited ${r.code}: ${r.stderr}`);
  return r.stdout;
};
const code = (r: Awaited<ReturnType<typeof pagi>>): number => ('code' in r ? r.code : 0);

interface Hit { id: string; tier: string; ref: string | null; text: string; time: string; score: number; scores: Record<string, number> }

describe('pagi memory (against a running host)', () => {
  let dataDir: string;
  let host: HeadlessHost;
  const run = (...args: string[]) => pagi(['memory', ...args, '--data-dir', dataDir]);
  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'pagi-memcli-'));
    host = await startHeadlessHost({ dataDir });
    writeFileSync(join(dataDir, 'talk.jsonl'), [
      line('s1', '2024-05-02T10:00:00Z', 'ana', 'We adopted a greyhound called Pixel', 'D1:1'),
      line('s1', '2024-05-02T10:01:00Z', 'bo', 'Pixel sounds lovely, how old is she?', 'D1:2'),
      '{"session":"s1","time":"not a time","speaker":"x","text":"y"}',
      line('s2', '2024-06-20T09:00:00Z', 'ana', 'I started a pottery class on Thursdays', 'D2:1'),
    ].join('\n'));
  }, 60_000);
  afterAll(async () => {
    await host.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('imports, reports the bad line by number, and searches with the score breakdown as JSON', async () => {
    const imported = await run('import', join(dataDir, 'talk.jsonl'));
    expect(ok(imported)).toMatch(/imported 3 episodes .*\(1 bad lines skipped\)/);
    expect(imported.stderr).toMatch(/line 3: time: time must be an ISO 8601 date-time/);
    const hits = JSON.parse(ok(await run('search', 'greyhound Pixel', '--json', '--k', '2'))) as Hit[];
    expect(hits).toHaveLength(2);
    expect(hits[0]).toMatchObject({ tier: 'episodic', ref: 'D1:1', text: 'We adopted a greyhound called Pixel', time: '2024-05-02T10:00:00.000Z' });
    expect(Object.keys(hits[0]?.scores ?? {})).toEqual(expect.arrayContaining(['bm25', 'vector', 'recency', 'importance']));
    expect(hits[0]?.scores.bm25).toBe(1);
    const june = JSON.parse(ok(await run('search', 'what did ana do in June', '--json', '--now', '2024-08-01T00:00:00Z'))) as Hit[];
    expect(june[0]?.ref).toBe('D2:1');
    expect(ok(await run('search', 'greyhound'))).toMatch(/note: episodic: no episode has an embedding yet/);
  });

  it('edits, shows the history, undoes, deletes and restores, and forgets for good', async () => {
    const [hit] = JSON.parse(ok(await run('search', 'pottery', '--json', '--tier', 'episodic'))) as Hit[];
    const id = hit?.id as string;
    expect(ok(await run('edit', id, '--text', 'I started a pottery class on Fridays'))).toMatch(/undo with `pagi memory undo /);
    const history = JSON.parse(ok(await run('history', id, '--json'))) as Array<{ id: string; op: string; before: unknown; after: unknown }>;
    expect(history.map((c) => c.op)).toEqual(['add', 'edit']);
    expect(history[1]).toMatchObject({ before: { text: 'I started a pottery class on Thursdays' }, after: { text: 'I started a pottery class on Fridays' } });
    ok(await run('undo', history[1]?.id as string));
    expect((JSON.parse(ok(await run('show', id, '--json'))) as { episode: { text: string } }).episode.text).toBe('I started a pottery class on Thursdays');

    const deleted = JSON.parse(ok(await run('delete', id, '--json'))) as { id: string };
    expect(JSON.parse(ok(await run('search', 'pottery', '--json'))) as Hit[]).toEqual([]);
    ok(await run('undo', deleted.id));
    expect((JSON.parse(ok(await run('search', 'pottery', '--json'))) as Hit[])[0]?.id).toBe(id);

    expect(ok(await run('delete', id, '--hard'))).toMatch(/forgotten/);
    const gone = await run('show', id);
    expect(code(gone)).toBe(1);
    expect(gone.stderr).toMatch(/no episode with id/);
    const scrubbed = JSON.parse(ok(await run('history', id, '--json'))) as Array<{ op: string; before: unknown; after: unknown; scrubbed: boolean }>;
    expect(scrubbed.every((c) => c.before === null && c.after === null && c.scrubbed)).toBe(true);
  });

  it('adds facts, supersedes nothing by accident, ingests a document with progress, and lists both', async () => {
    const fact = JSON.parse(ok(await run('add-fact', 'Ana works at the city library', '--json'))) as { id: string };
    const doc = join(dataDir, 'notes.md');
    writeFileSync(doc, '# Garden\n\nThe tomatoes need water every morning.\n\n## Shed\n\nThe spare key hangs behind the shed door.');
    expect(ok(await run('ingest', doc))).toMatch(/ingested notes\.md: 2 chunks/);
    const found = JSON.parse(ok(await run('search', 'where is the spare key', '--json', '--tier', 'semantic'))) as Hit[];
    expect(found[0]).toMatchObject({ tier: 'semantic', text: '## Shed\nThe spare key hangs behind the shed door.' });
    expect(found[0]?.ref).toMatch(/#1$/);
    const facts = JSON.parse(ok(await run('list', '--tier', 'semantic', '--json'))) as Array<{ id: string; kind: string }>;
    expect(facts.map((f) => f.kind).sort()).toEqual(['chunk', 'chunk', 'fact']);
    expect(facts.map((f) => f.id)).toContain(fact.id);
    expect(ok(await run('status'))).toMatch(/episodes 2 · facts 1 \(retired 0\) · chunks 2 · documents 1/);
  });

  it.each([
    [['search'], 2, /needs a query/],
    [['search', 'x', '--tier', 'nope'], 2, /--tier must be episodic, semantic or all/],
    [['search', 'x', '--k', '0'], 2, /--k must be at least 1/],
    [['edit', 'some-id', '--importance', '2'], 2, /--importance must be a number from 0 to 1/],
    [['edit', 'some-id'], 2, /give something to change/],
    // the CLI adds the command-line hint the core sends apart from the message
    [['undo', 'not-a-change'], 1, /no change with id not-a-change \(`pagi memory history ID` lists a memory's changes\)/],
    [['show', 'not-an-id'], 1, /no memory with id not-an-id \(`pagi memory list` shows the ids\)/],
    [['ingest', '/nonexistent/file.docx'], 2, /only \.txt, \.md, \.markdown, \.pdf files can be ingested/],
    [['ingest', '/nonexistent/file.md'], 1, /no file at/],
    [['search', 'x', '--now', 'yesterday'], 2, /--now must be an ISO 8601 date-time/],
    [['frobnicate'], 2, /pagi memory needs one of: import, search/],
    [['add-fact', '   '], 2, /needs the fact/],
  ])('refuses %j with a clear error (exit %i)', async (args, exit, message) => {
    const r = await run(...(args as string[]));
    expect(code(r)).toBe(exit);
    expect(r.stderr).toMatch(message);
  });

  it('makes extraction failures visible: without a model the job fails with the reason, and says how to retry', async () => {
    const r = await run('import', join(dataDir, 'talk.jsonl'), '--extract');
    expect(code(r)).toBe(1);
    expect(r.stdout).toMatch(/facts: 0 added.*failed: .*no model/i);
    const jobs = JSON.parse(ok(await run('extractions', '--json'))) as { jobs: Array<{ status: string; error: string }> };
    expect(jobs.jobs.length).toBeGreaterThan(0);
    expect(jobs.jobs.every((j) => j.status === 'failed' && /runs again when one is loaded/.test(j.error))).toBe(true);
  });
});

const model = testModelPath();
describe.skipIf(!model)('fact extraction with a real model', () => {
  it('turns an import into facts under the JSON schema, every job done, and embeds memories in the background', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'pagi-extract-'));
    const host = await startHeadlessHost({ dataDir, modelPath: model as string });
    try {
      const file = join(dataDir, 'talk.jsonl');
      writeFileSync(file, Array.from({ length: 12 }, (_, i) => line('s1', new Date(Date.UTC(2024, 0, 1, 10, i)).toISOString(), i % 2 ? 'bo' : 'ana', `Ana said that her dog Rex likes the park number ${i}.`, `r${i}`)).join('\n'));
      const r = await pagi(['memory', 'import', file, '--extract', '--json', '--data-dir', dataDir]);
      const result = JSON.parse(ok(r)) as { imported: number; extraction: { jobs: number; done: number; failed: number; added: number } };
      expect(result.imported).toBe(12);
      expect(result.extraction).toMatchObject({ jobs: 2, done: 2, failed: 0 });
      const status = await waitFor('episodes embedded', async () => {
        const s = JSON.parse(ok(await pagi(['memory', 'status', '--json', '--data-dir', dataDir]))) as { embedding: { episodic: { embedded: number; total: number; model: string | null } } };
        return s.embedding.episodic.embedded === 12 ? s : null;
      }, 30_000, 250);
      expect(status.embedding.episodic.model).toBe(model);
      const hits = JSON.parse(ok(await pagi(['memory', 'search', 'Rex the dog', '--json', '--tier', 'episodic', '--data-dir', dataDir]))) as Hit[];
      expect(hits.some((h) => (h.scores.vector ?? 0) > 0)).toBe(true);
    } finally {
      await host.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 120_000);
});
