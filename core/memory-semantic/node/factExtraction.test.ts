import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PagiError } from '../../contracts/errors.js';
import { openServiceDatabase } from '../../runtime/node/migrations.js';
import { createVectorStore } from '../../memory-kit/node/vectorStore.js';
import { createFactExtraction, type ExtractionJob } from './factExtraction.js';
import { createFactSearch } from './factSearch.js';
import { createFactStore } from './factStore.js';
import { semanticMigrations } from './migrations.js';

/** A scripted model: answers `generateJson` from a queue (an Error is thrown), and records the prompts. */
function scriptedModel(answers: unknown[]) {
  const prompts: string[] = [];
  return {
    prompts,
    client: {
      generateJson: async (input: { messages: Array<{ content: string }> }) => {
        prompts.push(input.messages.map((m) => m.content).join('\n'));
        const next = answers.shift();
        if (next instanceof Error) throw next;
        return { value: next, text: JSON.stringify(next), usage: {}, model: 'scripted' };
      },
    },
  };
}

function setup(answers: unknown[]) {
  const db = openServiceDatabase(mkdtempSync(join(tmpdir(), 'pagi-extract-')), 'semantic.db', semanticMigrations);
  const vectors = createVectorStore(db, 'fact_vectors', 'facts');
  const facts = createFactStore(db, vectors);
  const finder = createFactSearch(db, facts, vectors);
  const model = scriptedModel(answers);
  const finished: ExtractionJob[] = [];
  const extraction = createFactExtraction({
    db, facts, inference: model.client as never, timeoutMs: 1_000, similarityFloor: 0.1,
    similar: async (text) => finder.search({ query: text, limit: 5, vector: null, kinds: ['fact'] }).hits,
    onFact: () => undefined, onFinished: (job) => finished.push(job),
  });
  const settled = async (id: string): Promise<ExtractionJob> => {
    for (let i = 0; i < 200; i++) {
      const job = extraction.get(id);
      if (job.status === 'done' || job.status === 'failed') return job;
      await new Promise((r) => setTimeout(r, 5));
    }
    throw new Error('job did not finish');
  };
  return { facts, extraction, model, finished, settled };
}

describe('fact extraction', () => {
  it('adds new facts, supersedes a contradicted one (kept, retired), and drops junk proposals', async () => {
    const { facts, extraction, model, settled } = setup([
      { facts: [{ text: 'Ana works at Bluefin Robotics now', confidence: 90 }, { text: 'Bo likes green tea in the morning', confidence: 0.7 }, { text: 'ok', confidence: 1 }] },
      { action: 'SUPERSEDE', target: 1, text: 'Ana works at Bluefin Robotics' },
    ]);
    const old = facts.add({ text: 'Ana works at Northwind Labs', confidence: 0.8, pinned: false, sourceEpisodeIds: [] }, 'learning');
    const job = await settled(extraction.enqueue({ episodeIds: ['e1', 'e2'], text: 'ana: I left Northwind, I work at Bluefin Robotics now\nbo: I love green tea' }).id);
    expect(job).toMatchObject({ status: 'done', attempts: 1, result: { added: 1, superseded: 1, updated: 0, unchanged: 0 } });
    const retired = facts.get(old.id);
    expect(retired.retiredAt).not.toBeNull();
    const current = facts.get(retired.supersededBy as string);
    expect(current).toMatchObject({ text: 'Ana works at Bluefin Robotics', sourceEpisodeIds: ['e1', 'e2'], confidence: 0.9 });
    expect(facts.list({ limit: 10, offset: 0, includeRetired: false }).map((f) => f.text).sort()).toEqual(['Ana works at Bluefin Robotics', 'Bo likes green tea in the morning']);
    // the decision prompt numbered the similar fact it could replace
    expect(model.prompts[1]).toContain('1. Ana works at Northwind Labs');
  });

  it('UPDATE merges into the existing fact; NONE changes nothing', async () => {
    const { facts, extraction, settled } = setup([
      { facts: [{ text: 'Ana works at Northwind Labs as an engineer', confidence: 0.8 }, { text: 'Ana works at Northwind Labs', confidence: 0.8 }] },
      { action: 'UPDATE', target: 1, text: 'Ana works at Northwind Labs as an engineer' },
      { action: 'NONE', target: 1, text: '' },
    ]);
    const f = facts.add({ text: 'Ana works at Northwind Labs', confidence: 0.8, pinned: false, sourceEpisodeIds: [] }, 'learning');
    const job = await settled(extraction.enqueue({ episodeIds: ['e9'], text: 'ana: I am an engineer at Northwind' }).id);
    expect(job.result).toMatchObject({ updated: 1, unchanged: 1, added: 0 });
    expect(facts.get(f.id).text).toBe('Ana works at Northwind Labs as an engineer');
    expect(facts.log.history(f.id).map((c) => `${c.op}/${c.actor}`)).toEqual(['add/learning', 'edit/learning']);
  });

  it('fails visibly: no model (retried when asked), a crash, an answer off the schema', async () => {
    const { extraction, finished, settled } = setup([
      new PagiError('FAILED_PRECONDITION', 'no model is loaded'),
      { facts: [] },
      new PagiError('UNAVAILABLE', 'the model crashed on this input'),
      { wrong: 'shape' },
    ]);
    const first = await settled(extraction.enqueue({ episodeIds: ['e1'], text: 'x: hello there' }).id);
    expect(first).toMatchObject({ status: 'failed', error: 'no model is loaded — load a model (`pagi models load`); the job runs again when one is loaded' });
    expect(finished.map((j) => j.status)).toEqual(['failed']);
    expect(extraction.retry(first.id)).toBe(1);
    expect(await settled(first.id)).toMatchObject({ status: 'done', attempts: 2 });
    expect(() => extraction.retry(first.id)).toThrow(/only failed jobs can be retried/);

    const crashed = await settled(extraction.enqueue({ episodeIds: ['e2'], text: 'x: more' }).id);
    expect(crashed.error).toMatch(/crashed .*retry with `pagi memory extractions --retry`/);
    const bad = await settled(extraction.enqueue({ episodeIds: ['e3'], text: 'x: again' }).id);
    expect(bad.error).toMatch(/did not match the fact schema/);
    expect(extraction.counts()).toEqual({ done: 1, failed: 2 });
  });
});
