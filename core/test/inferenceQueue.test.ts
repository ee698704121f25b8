import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isPagiError, PagiError } from '../contracts/errors.js';
import { serviceSpecs } from '../host/installation.js';
import { inferenceContract, type GenerateChunk } from '../inference/common/contract.js';
import { createInProcessLauncher } from '../runtime/node/inProcessLauncher.js';
import { Supervisor } from '../runtime/node/supervisor.js';
import { waitFor } from './helpers.js';
import { loadServiceFromSource, TEST_TWIN_ID } from './serviceModules.js';
import { testModelPath } from './testModel.js';

const model = testModelPath('stories260K-chatml.gguf');

/** More generations than the context has sequences, through the real inference service and a real (tiny) model. */
describe.skipIf(!model)('concurrent generations queue for the sequences of one context', () => {
  let sup: Supervisor;
  let dataDir: string;
  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'pagi-queue-'));
    const specs = serviceSpecs({ inference: { modelPath: model, threads: 1, contextSize: 512, parallelSequences: 2, idleUnloadMinutes: 0 } }).filter((s) => ['event-router', 'inference'].includes(s.id));
    sup = new Supervisor({ launcher: createInProcessLauncher(loadServiceFromSource), specs, dataDir, twinId: TEST_TWIN_ID, logSink: () => undefined });
    await sup.start();
    await waitFor('the chat model', async () => (await sup.client(inferenceContract).status({})).state === 'ready', 30_000);
  });
  afterAll(async () => {
    await sup?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const generate = (i: number, chunks: GenerateChunk[], signal?: AbortSignal, onChunk?: (c: GenerateChunk) => void) =>
    sup.client(inferenceContract).generate(
      { messages: [{ role: 'user', content: i % 2 ? 'Once upon a time' : 'The little dog' }], maxTokens: 24, temperature: 0.8, seed: i },
      {
        ...(signal ? { signal } : {}),
        onChunk: (c) => {
          chunks.push(c);
          onChunk?.(c);
        },
      },
    );

  it('runs 12 at once on 2 sequences: all finish, the late ones say they wait, each starts once before its text', async () => {
    expect((await sup.client(inferenceContract).status({})).model?.parallelSequences).toBe(2);
    const chunks = Array.from({ length: 12 }, (): GenerateChunk[] => []);
    const settled = await Promise.allSettled(chunks.map((c, i) => generate(i, c)));
    const failures = settled.flatMap((s) => (s.status === 'rejected' ? [PagiError.from(s.reason).message] : []));
    expect(failures).toEqual([]);
    for (const s of settled) expect(s.status === 'fulfilled' && s.value.usage.completionTokens).toBeGreaterThan(0);
    expect(chunks.filter((c) => c.some((x) => x.type === 'waiting')).length).toBeGreaterThan(0);
    for (const c of chunks) {
      const types = c.map((x) => x.type);
      expect(types.filter((t) => t === 'generating')).toHaveLength(1);
      const start = types.indexOf('generating');
      expect(types.slice(0, start).every((t) => t === 'waiting')).toBe(true);
      expect(types.slice(start + 1).every((t) => t === 'text')).toBe(true);
    }
  });

  it('a queued generation that is aborted fails with CANCELLED at once; the others finish', async () => {
    const chunks = Array.from({ length: 12 }, (): GenerateChunk[] => []);
    const ctl = new AbortController();
    const last = chunks.length - 1;
    // the last one is aborted the moment it learns it waits behind others: it has not started
    const runs = chunks.map((c, i) => generate(i, c, i === last ? ctl.signal : undefined, i === last ? (x) => { if (x.type === 'waiting') ctl.abort(); } : undefined));
    const settled = await Promise.allSettled(runs);
    const aborted = settled[last];
    expect(aborted?.status).toBe('rejected');
    expect(aborted?.status === 'rejected' && isPagiError(aborted.reason, 'CANCELLED')).toBe(true);
    expect(chunks[last]?.some((x) => x.type === 'generating')).toBe(false);
    expect(settled.slice(0, last).filter((s) => s.status === 'rejected').map((s) => s.status === 'rejected' && PagiError.from(s.reason).message)).toEqual([]);
    // the queue is whole afterwards: another generation runs
    expect((await generate(99, [])).text.length).toBeGreaterThan(0);
  });

  it('unloading fails the waiting generations with a clear error and cancels the running ones, without a crash', async () => {
    const inference = sup.client(inferenceContract);
    const chunks = Array.from({ length: 6 }, (): GenerateChunk[] => []);
    let unloading: Promise<unknown> | null = null;
    const runs = chunks.map((c, i) =>
      sup.client(inferenceContract).generate(
        { messages: [{ role: 'user', content: 'Once upon a time' }], maxTokens: 400, temperature: 0.8, seed: i },
        { onChunk: (x) => { c.push(x); if (x.type === 'waiting') unloading ??= inference.unload({}); } },
      ),
    );
    const settled = await Promise.allSettled(runs);
    await unloading;
    const waited = settled.filter((_, i) => !chunks[i]?.some((x) => x.type === 'generating'));
    expect(waited.length).toBeGreaterThan(0);
    for (const s of waited) {
      expect(s.status).toBe('rejected');
      const e = s.status === 'rejected' ? PagiError.from(s.reason) : null;
      expect(['UNAVAILABLE', 'FAILED_PRECONDITION']).toContain(e?.code);
      expect(e?.message).toMatch(/unloaded/);
    }
    // the running ones either finished first or stopped with the same kind of error, not a crash
    for (const s of settled.filter((x) => !waited.includes(x))) {
      if (s.status === 'rejected') expect(PagiError.from(s.reason).message).toMatch(/unloaded \(requested\) while this reply was being written/);
    }
    expect((await inference.status({})).state).toBe('no-model');
    await inference.load({ path: model as string });
    expect((await generate(7, [])).text.length).toBeGreaterThan(0);
  });
});
