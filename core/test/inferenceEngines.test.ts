import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeOpenAi } from '../../e2e/fakeOpenAi.js';
import type { ClientOf } from '../contracts/contract.js';
import { PagiError } from '../contracts/errors.js';
import { serviceSpecs } from '../host/installation.js';
import { inferenceContract, type GenerateChunk } from '../inference/common/contract.js';
import { createInProcessLauncher } from '../runtime/node/inProcessLauncher.js';
import { Supervisor } from '../runtime/node/supervisor.js';
import { waitFor } from './helpers.js';
import { loadServiceFromSource, TEST_TWIN_ID } from './serviceModules.js';
import { testModelPath } from './testModel.js';
import { CONTINUE_REQUEST } from '../inference/node/openAiClient.js';

const model = testModelPath('stories260K-chatml.gguf');
const MOOD_SCHEMA = { type: 'object', properties: { mood: { enum: ['happy', 'sad'] } }, required: ['mood'] };

type Inference = ClientOf<typeof inferenceContract>;
const failure = (p: Promise<unknown>): Promise<PagiError> => p.then(() => new PagiError('INTERNAL', 'expected a failure'), (e: unknown) => PagiError.from(e));

/** The same procedures over both engines (decision 0011): what the remote one can do behaves as the local one does. */
describe.skipIf(!model)('the inference procedures over the local and the remote engine', () => {
  let fake: { server: Server; url: string; requests: Array<Record<string, unknown>> };
  const started: Array<{ sup: Supervisor; dir: string }> = [];
  const clients: Record<'local' | 'remote', Inference | null> = { local: null, remote: null };

  const start = async (config: Record<string, unknown>): Promise<Inference> => {
    const dir = mkdtempSync(join(tmpdir(), 'pagi-engines-'));
    const specs = serviceSpecs({ inference: config }).filter((s) => ['event-router', 'inference'].includes(s.id));
    const sup = new Supervisor({ launcher: createInProcessLauncher(loadServiceFromSource), specs, dataDir: dir, twinId: TEST_TWIN_ID, logSink: () => undefined });
    started.push({ sup, dir });
    await sup.start();
    const client = sup.client(inferenceContract);
    await waitFor('a ready engine', async () => (await client.status({})).state === 'ready', 30_000);
    return client;
  };

  beforeAll(async () => {
    fake = await fakeOpenAi((text) => (text.includes('mood') ? '{"mood":"sad"}' : 'Once upon a time there was a fake server.'));
    clients.local = await start({ modelPath: model, threads: 1, contextSize: 512, parallelSequences: 1, idleUnloadMinutes: 0 });
    clients.remote = await start({ provider: 'remote', remote: { baseUrl: fake.url, model: 'fake-chat', embeddingModel: 'fake-embed' } });
  });
  afterAll(async () => {
    for (const { sup, dir } of started) {
      await sup.stop();
      rmSync(dir, { recursive: true, force: true });
    }
    fake?.server.close();
  });
  const inference = (engine: 'local' | 'remote'): Inference => {
    const c = clients[engine];
    if (!c) throw new Error(`the ${engine} engine did not start`);
    return c;
  };

  describe.each(['local', 'remote'] as const)('%s', (engine) => {
    it('generate streams `generating` first, then the text of the result, which comes with usage and the model', async () => {
      const chunks: GenerateChunk[] = [];
      const out = await inference(engine).generate({ messages: [{ role: 'user', content: 'Tell me a story' }], maxTokens: 24, temperature: 0 }, { onChunk: (c) => chunks.push(c) });
      expect(chunks[0]).toEqual({ type: 'generating' });
      expect(chunks.slice(1).every((c) => c.type === 'text')).toBe(true);
      expect(chunks.slice(1).map((c) => (c.type === 'text' ? c.text : '')).join('')).toBe(out.text);
      expect(out.text.length).toBeGreaterThan(0);
      expect(['eos', 'max-tokens']).toContain(out.stopReason);
      expect(out.toolCalls).toEqual([]);
      expect(out.usage.completionTokens).toBeGreaterThan(0);
      expect(out.usage.totalMs).toBeGreaterThan(0);
      expect(out.model).toBe((await inference(engine).status({})).model?.path);
    });

    it('generateJson answers with a value of the schema', async () => {
      const out = await inference(engine).generateJson({ messages: [{ role: 'user', content: 'Your mood?' }], schema: MOOD_SCHEMA, maxTokens: 64 });
      expect(['happy', 'sad']).toContain((out.value as { mood: string }).mood);
      expect(JSON.parse(out.text)).toEqual(out.value);
    });

    it('a schema with a type JSON does not have is refused before the engine sees it', async () => {
      const requestsBefore = fake.requests.length;
      const err = await failure(inference(engine).generateJson({ messages: [{ role: 'user', content: 'x' }], schema: { type: 'object', properties: { a: { type: 'date' } } } }));
      expect(err).toMatchObject({ code: 'INVALID_INPUT', message: expect.stringMatching(/schema\.properties\.a\.type: not a JSON type/) });
      expect(fake.requests.length).toBe(requestsBefore);
    });

    it('embed returns one vector per text, with the model and the dimension', async () => {
      const out = await inference(engine).embed({ texts: ['a cat sat', 'a dog ran'] });
      expect(out.vectors).toHaveLength(2);
      expect(out.dims).toBeGreaterThan(0);
      expect(out.vectors.every((v) => v.length === out.dims)).toBe(true);
      expect(out.model.length).toBeGreaterThan(0);
    });
  });

  it('a history ending with the model\'s own message is carried on (Continue), not answered again: greedy halves make the whole', async () => {
    const user = { role: 'user' as const, content: 'Tell me a story' };
    const first = await inference('local').generate({ messages: [user], maxTokens: 8, temperature: 0 }, { onChunk: () => undefined });
    const rest = await inference('local').generate({ messages: [user, { role: 'assistant', content: first.text }], maxTokens: 8, temperature: 0 }, { onChunk: () => undefined });
    const whole = await inference('local').generate({ messages: [user], maxTokens: 16, temperature: 0 }, { onChunk: () => undefined });
    expect(first.stopReason).toBe('max-tokens');
    expect(first.text + rest.text).toBe(whole.text);
  });

  it('the remote engine asks in words for more of a reply (servers differ on prefill) and joins it as a sentence', async () => {
    const out = await inference('remote').generate({ messages: [{ role: 'user', content: 'Tell me a story' }, { role: 'assistant', content: 'Once upon a time' }], maxTokens: 16, temperature: 0 }, { onChunk: () => undefined });
    const sent = (fake.requests.filter((r) => r.path === '/v1/chat/completions').at(-1)?.messages ?? []) as Array<{ role: string; content: string }>;
    expect(sent.at(-1)).toEqual({ role: 'user', content: CONTINUE_REQUEST });
    expect(sent.at(-2)).toEqual({ role: 'assistant', content: 'Once upon a time' });
    expect(out.text).toBe(' Once upon a time there was a fake server.');
  });

  it('the remote engine asks the server for a streamed reply, and for embeddings with its embedding model', () => {
    expect(fake.requests.find((r) => r.path === '/v1/chat/completions')).toMatchObject({ model: 'fake-chat', stream: true, max_tokens: 24, temperature: 0 });
    expect(fake.requests.find((r) => r.path === '/v1/embeddings')).toMatchObject({ model: 'fake-embed', input: ['a cat sat', 'a dog ran'] });
  });

  it('what the remote engine cannot do it refuses, where the local one answers', async () => {
    expect((await inference('local').countTokens({ text: 'Once upon a time' })).tokens).toBeGreaterThan(0);
    expect((await inference('local').countTokensMany({ texts: ['a', 'b c'] })).counts).toHaveLength(2);
    for (const refused of [inference('remote').countTokens({ text: 'x' }), inference('remote').countTokensMany({ texts: ['x'] })]) {
      expect(await failure(refused)).toMatchObject({ code: 'UNSUPPORTED', message: 'the OpenAI-compatible protocol has no way to count tokens; counts come with each reply' });
    }
    expect(await failure(inference('remote').load({ path: model as string }))).toMatchObject({ code: 'UNSUPPORTED', message: expect.stringMatching(/a \.gguf cannot be loaded into it/) });
    // nothing of the server's is held here: unloading leaves it ready, and no local model is listed as loaded
    expect(await inference('remote').unload({})).toMatchObject({ state: 'ready', backend: { name: 'remote' } });
    expect((await inference('remote').listModels({})).some((m) => m.loaded)).toBe(false);
  });
});
