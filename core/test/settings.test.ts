import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHeadlessHost, type HeadlessHost } from '../host/headlessHost.js';
import { createHostClient, fromClientError, type HostClient } from '../host/hostClient.js';
import { testModelPath } from './testModel.js';

const model = testModelPath();
const configOf = (dir: string): { services: Record<string, Record<string, unknown>> } => JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as never;
const failure = (p: Promise<unknown>): Promise<string> => p.then(() => { throw new Error('expected a refusal'); }, (err: unknown) => fromClientError(err).message);

describe('settings: inference, memory weights, privacy', () => {
  let host: HeadlessHost;
  let dataDir: string;
  let client: HostClient;
  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'pagi-settings-'));
    // a setting the user made by hand, which no change from Settings may lose
    writeFileSync(join(dataDir, 'config.json'), JSON.stringify({ logLevel: 'info', services: { 'memory.semantic': { extraction: { auto: false } } } }));
    host = await startHeadlessHost({ dataDir, serviceConfig: { inference: { threads: 1 } }, ...(model ? { modelPath: model } : {}) });
    client = createHostClient(host);
  }, 60_000);
  afterAll(async () => {
    await host?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('shows the values each service runs with, defaults filled in', async () => {
    const s = await client.settings.get.query();
    expect(s.inference.unavailable).toBeNull();
    expect(s.inference.values).toMatchObject({ gpu: 'auto', threads: 1, contextSize: 'auto', kvCacheType: 'F16' });
    expect(s.memory.episodic.values).toMatchObject({ bm25: expect.any(Number), vector: expect.any(Number), salience: expect.any(Number) });
    expect(s.memory.semantic.values).toMatchObject({ bm25: expect.any(Number) });
    expect(s.privacy.values).toEqual({ email: 'keep', phone: 'keep', card: 'redact', secret: 'redact' });
    expect(s.privacy.saved).toEqual([]);
  });

  it('a privacy change restarts perception with it and is saved beside the other settings', async () => {
    const before = (await client.system.status.query()).find((x) => x.id === 'perception')!;
    await client.settings.setPrivacy.mutate({ pii: { email: 'redact' } });
    const after = (await client.system.status.query()).find((x) => x.id === 'perception')!;
    expect(after.state).toBe('running');
    expect(after.pid).not.toBe(before.pid);
    const s = await client.settings.get.query();
    expect(s.privacy.values).toMatchObject({ email: 'redact', phone: 'keep' });
    expect(s.privacy.saved).toEqual(['email']);
    const file = configOf(dataDir);
    expect(file.services.perception).toEqual({ pii: { email: 'redact' } });
    expect(file.services['memory.semantic']).toEqual({ extraction: { auto: false } });
  });

  it('memory weights change retrieval and can be put back to the defaults', async () => {
    const defaults = (await client.settings.get.query()).memory.semantic.values!;
    const weights = { bm25: 1, vector: 0, recency: 0, importance: 0, salience: 0 };
    await client.settings.setMemoryWeights.mutate({ tier: 'semantic', weights });
    expect((await client.settings.get.query()).memory.semantic.values).toEqual(weights);
    // the hand-made setting of the same service survives
    expect(configOf(dataDir).services['memory.semantic']).toEqual({ extraction: { auto: false }, search: { weights } });
    await client.memory.addFact.mutate({ text: 'The lighthouse keeper painted the door blue.' });
    const { hits: [hit] } = await client.memory.search.query({ query: 'lighthouse door', tier: 'semantic' });
    // only the lexical signal counts now
    expect(hit!.score).toBeCloseTo(hit!.scores.bm25 * hit!.scores.time, 6);
    await client.settings.setMemoryWeights.mutate({ tier: 'semantic', weights: null });
    expect((await client.settings.get.query()).memory.semantic.values).toEqual(defaults);
    expect(configOf(dataDir).services['memory.semantic']).toEqual({ extraction: { auto: false }, search: {} });
  });

  it('refuses bad values with a message naming the field, and changes nothing', async () => {
    const before = readFileSync(join(dataDir, 'config.json'), 'utf8');
    expect(await failure(client.settings.setInference.mutate({ threads: 0 }))).toMatch(/threads/);
    expect(await failure(client.settings.setInference.mutate({ contextSize: 12 }))).toMatch(/contextSize/);
    expect(await failure(client.settings.setInference.mutate({ gpu: 'opencl' as never }))).toMatch(/gpu/);
    expect(await failure(client.settings.setInference.mutate({ modelPath: '/x' } as never))).toMatch(/modelPath|unrecognized/i);
    expect(await failure(client.settings.setInference.mutate({}))).toMatch(/nothing to change/);
    expect(await failure(client.settings.setMemoryWeights.mutate({ tier: 'episodic', weights: { bm25: 0, vector: 0, recency: 0, importance: 0, salience: 0 } }))).toMatch(/above 0/);
    expect(await failure(client.settings.setMemoryWeights.mutate({ tier: 'episodic', weights: { bm25: -1, vector: 0, recency: 0, importance: 0, salience: 0 } }))).toMatch(/bm25/);
    expect(await failure(client.settings.setPrivacy.mutate({ pii: { email: 'hide' as never } }))).toMatch(/keep.*redact/);
    expect(readFileSync(join(dataDir, 'config.json'), 'utf8')).toBe(before);
  });

  it('an inference change restarts the service with the loaded model still loaded', { timeout: 60_000 }, async () => {
    if (!model) {
      console.log('skipped: no test model (set PAGI_TEST_MODEL or put the models in ../shared/models)');
      return;
    }
    const r = await client.settings.setInference.mutate({ contextSize: 512, threads: 2 });
    expect(r.changed.sort()).toEqual(['contextSize', 'threads']);
    const s = await client.settings.get.query();
    expect(s.inference.values).toMatchObject({ contextSize: 512, threads: 2 });
    expect(s.inference.saved.sort()).toEqual(['contextSize', 'threads']);
    let status = await client.models.status.query();
    for (let i = 0; i < 100 && status.state !== 'ready'; i++) {
      await new Promise((r2) => setTimeout(r2, 200));
      status = await client.models.status.query();
    }
    expect(status.state).toBe('ready');
    expect(status.model?.contextSize).toBe(512);
    expect(status.backend?.threads).toBe(2);
    // the model given on the command line is not written into the user's config
    expect(configOf(dataDir).services.inference).toEqual({ contextSize: 512, threads: 2 });
    await client.settings.setInference.mutate({ contextSize: null });
    expect(configOf(dataDir).services.inference).toEqual({ threads: 2 });
  });
});
