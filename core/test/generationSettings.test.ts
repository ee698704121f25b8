import type { Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeOpenAi } from '../../e2e/fakeOpenAi.js';
import { startHeadlessHost, type HeadlessHost } from '../host/headlessHost.js';
import { createHostClient, fromClientError, sendTurn, type HostClient } from '../host/hostClient.js';

describe('generation settings reach the model', () => {
  let fake: { server: Server; url: string; requests: Array<Record<string, unknown>> };
  let host: HeadlessHost;
  let client: HostClient;
  let dataDir: string;
  const lastCompletion = (): Record<string, unknown> => [...fake.requests].reverse().find((r) => r.path === '/v1/chat/completions') as Record<string, unknown>;
  const turn = async (over: Record<string, unknown> = {}): Promise<Record<string, unknown>> => {
    await sendTurn(client, { text: 'Tell me a story', ...over });
    return lastCompletion();
  };
  beforeAll(async () => {
    fake = await fakeOpenAi(() => 'Once upon a time.');
    dataDir = mkdtempSync(join(tmpdir(), 'pagi-generation-'));
    host = await startHeadlessHost({ dataDir, serviceConfig: { inference: { provider: 'remote', remote: { baseUrl: fake.url, model: 'fake-model' } } } });
    client = createHostClient(host);
  });
  afterAll(async () => {
    await host?.stop();
    fake?.server.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('by default a reply may run to 1,024 tokens at temperature 0.7, other samplers left to the model', async () => {
    const sent = await turn();
    expect(sent).toMatchObject({ max_tokens: 1_024, temperature: 0.7 });
    for (const k of ['top_p', 'top_k', 'min_p', 'repetition_penalty']) expect(sent).not.toHaveProperty(k);
  });

  it('the twin\'s settings are saved, shown, and used by every turn; a turn can override them; reset restores them', async () => {
    await client.settings.setGeneration.mutate({ values: { topP: 0.9, topK: 20, minP: 0.05, repeatPenalty: 1.15, maxTokens: null, temperature: 0.3 } });
    const shown = (await client.settings.get.query()).generation;
    expect(shown.values).toEqual({ maxTokens: null, temperature: 0.3, topP: 0.9, topK: 20, minP: 0.05, repeatPenalty: 1.15 });
    expect(shown.saved.sort()).toEqual(['maxTokens', 'minP', 'repeatPenalty', 'temperature', 'topK', 'topP']);
    expect(await turn()).toMatchObject({ max_tokens: 32_768, temperature: 0.3, top_p: 0.9, top_k: 20, min_p: 0.05, repetition_penalty: 1.15 });
    expect(await turn({ temperature: 0, maxTokens: 40, topK: null })).toMatchObject({ max_tokens: 40, temperature: 0, top_p: 0.9 });
    expect(lastCompletion()).not.toHaveProperty('top_k');
    // one key changed: the others keep what was saved
    await client.settings.setGeneration.mutate({ values: { temperature: 1 } });
    expect((await client.settings.get.query()).generation.values).toMatchObject({ temperature: 1, topP: 0.9 });
    await client.settings.setGeneration.mutate({ reset: true });
    expect((await client.settings.get.query()).generation).toMatchObject({ values: { maxTokens: 1_024, temperature: 0.7, topP: null }, saved: [] });
    expect(await turn()).toMatchObject({ max_tokens: 1_024, temperature: 0.7 });
  });

  it('bad values are refused with what was wrong, and what was saved stays', async () => {
    await client.settings.setGeneration.mutate({ values: { temperature: 0.5 } });
    for (const [values, message] of [[{ topP: 0 }, /topP is above 0/], [{ maxTokens: 4 }, /fewer than 16 tokens/], [{ temperature: 9 }, /temperature/], [{}, /nothing to change/]] as const) {
      const err = await client.settings.setGeneration.mutate({ values: values as never }).then(() => null, (e: unknown) => fromClientError(e));
      expect(err?.code, JSON.stringify(values)).toBe('INVALID_INPUT');
      expect(err?.message).toMatch(message);
    }
    await expect(client.settings.setGeneration.mutate({ values: { colour: 'red' } as never })).rejects.toThrow();
    expect((await client.settings.get.query()).generation.values).toMatchObject({ temperature: 0.5 });
    await expect(sendTurn(client, { text: 'x', topP: 2 } as never)).rejects.toThrow(/topP/);
  });
});
