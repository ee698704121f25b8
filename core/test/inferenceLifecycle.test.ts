import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventRouterContract } from '../event-router/common/contract.js';
import { serviceSpecs } from '../host/installation.js';
import { inferenceContract } from '../inference/common/contract.js';
import { createInProcessLauncher } from '../runtime/node/inProcessLauncher.js';
import { Supervisor } from '../runtime/node/supervisor.js';
import { waitFor } from './helpers.js';
import { loadServiceFromSource, TEST_TWIN_ID } from './serviceModules.js';
import { sharedModel } from './testModel.js';

const chatModel = sharedModel('stories260K-chatml.gguf');
const embeddingModel = sharedModel('TinyStories-656K-Q8_0.gguf');

describe.skipIf(!chatModel || !embeddingModel)('model lifecycle in the inference service', () => {
  let sup: Supervisor;
  let dataDir: string;
  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'pagi-lifecycle-'));
    const specs = serviceSpecs({ inference: { modelPath: chatModel, embeddingModelPath: embeddingModel, threads: 1, contextSize: 1024, idleUnloadMinutes: 0.02 } }).filter((s) => ['event-router', 'inference'].includes(s.id));
    sup = new Supervisor({ launcher: createInProcessLauncher(loadServiceFromSource), specs, dataDir, twinId: TEST_TWIN_ID, logSink: () => undefined });
    await sup.start();
  });
  afterAll(async () => {
    await sup?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('reports load progress as events and in the status', async () => {
    const inference = sup.client(inferenceContract);
    await waitFor('the chat model', async () => (await inference.status({})).model !== null);
    const events = await waitFor('loading events', async () => {
      const { events: all } = await sup.client(eventRouterContract).read({ fromOffset: 1, limit: 1_000, topics: ['inference.model.loading', 'inference.model.loaded'] });
      return all.some((e) => e.topic === 'inference.model.loaded' && (e.payload as { purpose: string }).purpose === 'chat') ? all : null;
    });
    const chatLoading = events.filter((e) => e.topic === 'inference.model.loading' && (e.payload as { purpose: string }).purpose === 'chat');
    expect(chatLoading.length).toBeGreaterThan(0);
    expect((chatLoading.at(-1)?.payload as { progress: number }).progress).toBe(1);
  });

  it('embeds with the separate embedding model, with its id and dimension', async () => {
    const inference = sup.client(inferenceContract);
    const r = await inference.embed({ texts: ['the cat sat on the mat', 'a dog ran in the park'] });
    expect(r).toMatchObject({ model: embeddingModel, dims: 128 });
    expect(r.vectors).toHaveLength(2);
    expect((await inference.status({})).embeddingModel).toMatchObject({ path: embeddingModel, dims: 128 });
  });

  it('unloads after the idle time and loads again on the next use', async () => {
    const inference = sup.client(inferenceContract);
    await waitFor('the idle unload', async () => (await inference.status({})).state === 'idle-unloaded', 5_000, 50);
    const { events } = await sup.client(eventRouterContract).read({ fromOffset: 1, limit: 1_000, topics: ['inference.model.unloaded'] });
    expect(events.some((e) => (e.payload as { reason: string }).reason === 'idle')).toBe(true);
    const out = await inference.generate({ messages: [{ role: 'user', content: 'Once upon a time' }], maxTokens: 8, temperature: 0 }, { onChunk: () => undefined });
    expect(out.text.length).toBeGreaterThan(0);
    expect(['ready', 'idle-unloaded']).toContain((await inference.status({})).state);
  });
});
