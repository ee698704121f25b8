import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PagiError } from '../contracts/errors.js';
import { serviceSpecs } from '../host/installation.js';
import { inferenceContract, type GenerateChunk } from '../inference/common/contract.js';
import { createInProcessLauncher } from '../runtime/node/inProcessLauncher.js';
import { Supervisor } from '../runtime/node/supervisor.js';
import { loadServiceFromSource, TEST_TWIN_ID } from './serviceModules.js';

const KEY = 'sk-test-remote';

/** A small loopback server speaking the OpenAI chat-completions (SSE) and embeddings protocol. */
function fakeOpenAi(): Promise<{ server: Server; url: string; requests: Array<Record<string, unknown>> }> {
  const requests: Array<Record<string, unknown>> = [];
  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString()));
    req.on('end', () => {
      if (req.headers.authorization !== `Bearer ${KEY}`) {
        res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: 'bad key' } }));
        return;
      }
      const body = JSON.parse(raw) as Record<string, unknown>;
      requests.push({ path: req.url, ...body });
      if (req.url === '/v1/embeddings') {
        const input = body.input as string[];
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ data: input.map((t, index) => ({ index, embedding: [t.length, 1, 0.5] })) }));
        return;
      }
      if (req.url !== '/v1/chat/completions') {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const send = (o: unknown): void => {
        res.write(`data: ${JSON.stringify(o)}\n\n`);
      };
      if (body.response_format) {
        send({ choices: [{ delta: { content: '{"mood":' } }] });
        send({ choices: [{ delta: { content: '"happy"}' }, finish_reason: 'stop' }] });
      } else if (Array.isArray(body.tools) && body.tools.length > 0) {
        send({ choices: [{ delta: { tool_calls: [{ index: 0, function: { name: 'time.now', arguments: '{"timeZ' } }] } }] });
        send({ choices: [{ delta: { tool_calls: [{ index: 0, function: { arguments: 'one":"UTC"}' } }] }, finish_reason: 'tool_calls' }] });
      } else {
        for (const word of ['Hello', ' from', ' the', ' GPU', ' box.']) send({ choices: [{ delta: { content: word } }] });
        send({ choices: [{ delta: {}, finish_reason: 'stop' }] });
      }
      send({ choices: [], usage: { prompt_tokens: 12, completion_tokens: 5 } });
      res.end('data: [DONE]\n\n');
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, requests })));
}

describe('remote OpenAI-compatible inference', () => {
  let fake: Awaited<ReturnType<typeof fakeOpenAi>>;
  const started: Array<{ sup: Supervisor; dir: string }> = [];
  const start = async (remote: Record<string, unknown>, provider = 'remote'): Promise<Supervisor> => {
    const dir = mkdtempSync(join(tmpdir(), 'pagi-remote-'));
    const specs = serviceSpecs({ inference: { provider, remote } }).filter((s) => ['event-router', 'inference'].includes(s.id));
    const sup = new Supervisor({ launcher: createInProcessLauncher(loadServiceFromSource), specs, dataDir: dir, twinId: TEST_TWIN_ID, logSink: () => undefined });
    await sup.start();
    started.push({ sup, dir });
    return sup;
  };
  beforeAll(async () => {
    fake = await fakeOpenAi();
  });
  afterAll(async () => {
    for (const { sup, dir } of started) {
      await sup.stop();
      rmSync(dir, { recursive: true, force: true });
    }
    fake.server.close();
  });

  it('streams a chat reply, returns tool calls unexecuted, embeds, and produces JSON for a schema', async () => {
    const sup = await start({ baseUrl: fake.url, apiKey: KEY, model: 'qwen2.5-7b', embeddingModel: 'nomic-embed' });
    const inference = sup.client(inferenceContract);
    expect(await inference.status({})).toMatchObject({ state: 'ready', backend: { name: 'remote' }, model: { path: 'remote:qwen2.5-7b' } });
    const chunks: GenerateChunk[] = [];
    const out = await inference.generate({ messages: [{ role: 'user', content: 'hi' }], maxTokens: 16, temperature: 0 }, { onChunk: (c) => chunks.push(c) });
    expect(out).toMatchObject({ text: 'Hello from the GPU box.', stopReason: 'eos', usage: { promptTokens: 12, completionTokens: 5 }, model: 'remote:qwen2.5-7b' });
    // the server queues out of sight: the stream says the reply starts, then the text
    expect(chunks[0]).toEqual({ type: 'generating' });
    expect(chunks.slice(1).map((c) => (c.type === 'text' ? c.text : `<${c.type}>`)).join('')).toBe(out.text);
    expect(fake.requests.at(-1)).toMatchObject({ model: 'qwen2.5-7b', stream: true, max_tokens: 16 });

    const tools = await inference.generate({ messages: [{ role: 'user', content: 'time?' }], tools: [{ name: 'time.now', description: 'time' }] }, { onChunk: () => undefined });
    expect(tools).toMatchObject({ stopReason: 'tool-calls', toolCalls: [{ tool: 'time.now', args: { timeZone: 'UTC' } }] });

    expect(await inference.embed({ texts: ['abc', 'hello'] })).toEqual({ model: 'remote:nomic-embed', dims: 3, vectors: [[3, 1, 0.5], [5, 1, 0.5]] });
    const json = await inference.generateJson({ messages: [{ role: 'user', content: 'mood?' }], schema: { type: 'object', properties: { mood: { enum: ['happy', 'sad'] } } } });
    expect(json.value).toEqual({ mood: 'happy' });
  });

  it('a wrong key, a wrong URL and an unreachable server are clear errors', async () => {
    const wrongKey = sup2(await start({ baseUrl: fake.url, apiKey: 'nope', model: 'm' }));
    expect(await wrongKey).toMatchObject({ code: 'UNAUTHENTICATED', message: expect.stringMatching(/refused the API key \(401\)/) });
    const wrongPath = sup2(await start({ baseUrl: fake.url.replace('/v1', '/v2'), apiKey: KEY, model: 'm' }));
    expect(await wrongPath).toMatchObject({ code: 'NOT_FOUND', message: expect.stringMatching(/ending in \/v1/) });
    const down = sup2(await start({ baseUrl: 'http://127.0.0.1:9/v1', apiKey: KEY, model: 'm', timeoutMs: 2_000 }));
    expect(await down).toMatchObject({ code: 'UNAVAILABLE', message: expect.stringMatching(/cannot reach the remote inference server/) });
  });

  it('provider "remote" without a remote section fails at start, naming the field', async () => {
    const sup = await start(undefined as never, 'remote');
    const s = (await sup.status()).find((x) => x.id === 'inference');
    expect(s?.state).toBe('failed');
    expect(s?.lastError).toMatch(/remote: provider "remote" needs remote\.baseUrl and remote\.model/);
  });
});

function sup2(sup: Supervisor): Promise<PagiError> {
  return sup.client(inferenceContract).generate({ messages: [{ role: 'user', content: 'x' }] }, { onChunk: () => undefined }).then(
    () => new PagiError('INTERNAL', 'expected a failure'),
    (e: unknown) => e as PagiError,
  );
}
