import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startHeadlessHost } from '../host/headlessHost.js';
import { createHostClient } from '../host/hostClient.js';
import { parseUtteranceLine } from '../memory-episodic/common/utteranceLine.js';
import { pagi } from './helpers.js';


describe('conversation import lines', () => {
  it.each([
    ['{"session":"s1","time":"2023-05-08T13:56:00Z","speaker":"a","text":"hi","ref":"r1"}', null],
    ['{not json', /^not valid JSON/],
    ['{"session":"s1","time":"2023-05-08T13:56:00Z","text":"hi"}', /^speaker: /],
    ['{"session":"s1","time":"last tuesday","speaker":"a","text":"hi"}', /^time: time must be an ISO 8601 date-time/],
    ['{"session":"s1","time":"2023-05-08T13:56:00Z","speaker":"a","text":""}', /^text: /],
    ['[1,2]', /^\(line\): /],
  ])('%s', (line, error) => {
    const r = parseUtteranceLine(line);
    if (error === null) expect(r).toMatchObject({ ok: true, value: { session: 's1', ref: 'r1' } });
    else expect(r.ok ? '' : r.error).toMatch(error);
  });
});

describe('pagi memory import', () => {
  it('imports every good line as an episode (ref kept), reports bad lines by number, and skips them', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'pagi-import-'));
    try {
      const lines: string[] = [];
      for (let i = 0; i < 1_200; i++) {
        lines.push(JSON.stringify({ session: `s${i % 3}`, time: new Date(Date.UTC(2023, 4, 1) + i * 60_000).toISOString(), speaker: i % 2 ? 'speaker-a' : 'speaker-b', text: i === 700 ? 'We adopted a greyhound called Pixel' : `utterance number ${i}`, ref: `D1:${i}` }));
        if (i === 10) lines.push('{broken');
        if (i === 500) lines.push(JSON.stringify({ session: 's1', time: 'yesterday', speaker: 'x', text: 'y' }));
        if (i === 900) lines.push('');
      }
      const file = join(dataDir, 'conversation.jsonl');
      writeFileSync(file, `${lines.join('\n')}\n`);
      const r = await pagi(['memory', 'import', file, '--json', '--data-dir', dataDir]);
      const result = JSON.parse(r.stdout) as { imported: number; skipped: Array<{ line: number; error: string }> };
      expect(result.imported).toBe(1_200);
      expect(result.skipped).toEqual([
        { line: 12, error: expect.stringMatching(/^not valid JSON/) },
        { line: 503, error: expect.stringMatching(/^time: /) },
      ]);

      const host = await startHeadlessHost({ dataDir });
      try {
        const client = createHostClient(host);
        const found = await client.memory.search.query({ query: 'greyhound Pixel', k: 3, tier: 'episodic' });
        expect(found.hits[0]).toMatchObject({ ref: 'D1:700', actor: 'speaker-b', sessionId: 's1', time: '2023-05-01T11:40:00.000Z' });
        const firstTen = await client.memory.recent.query({ from: '2023-05-01T00:00:00Z', to: '2023-05-01T00:09:59Z', limit: 100 });
        expect(firstTen.map((e) => e.ref)).toEqual(Array.from({ length: 10 }, (_, i) => `D1:${i}`));
      } finally {
        await host.stop();
      }

      const bad = await pagi(['memory', 'import', join(dataDir, 'missing.jsonl'), '--data-dir', dataDir]);
      expect(bad).toMatchObject({ code: 1 });
      expect((bad as { stderr: string }).stderr).toMatch(/no file at/);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
