import type { Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeOpenAi } from '../../e2e/fakeOpenAi.js';
import { startHeadlessHost, type HeadlessHost } from '../host/headlessHost.js';
import { continueReply, createHostClient, fromClientError, sendTurn, type HostClient } from '../host/hostClient.js';

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

  it('a conversation\'s own settings come between the twin\'s and the turn\'s; bad ones are refused and change nothing', async () => {
    await client.settings.setGeneration.mutate({ values: { temperature: 0.4, topP: 0.8 } });
    const sessionId = '01a20bed-0000-7000-8000-00000000c0c0';
    expect(await client.chat.setConversationSettings.mutate({ sessionId, generation: { maxTokens: 96, temperature: 1.1 } })).toMatchObject({ generation: { maxTokens: 96, temperature: 1.1 }, opening: null });
    expect(await turn({ sessionId })).toMatchObject({ max_tokens: 96, temperature: 1.1, top_p: 0.8 });
    expect(await turn({ sessionId, temperature: 0 })).toMatchObject({ max_tokens: 96, temperature: 0 });
    // another conversation has the twin's
    expect(await turn()).toMatchObject({ max_tokens: 1_024, temperature: 0.4 });
    for (const bad of [{ generation: { temperature: 5 } }, { generation: { maxTokens: 2 } }, { generation: { colour: 'red' } }, { inherit: ['colour'] }, { extra: 1 }, { generation: { topK: 5 }, inherit: ['topK'] }]) {
      await expect(client.chat.setConversationSettings.mutate({ sessionId, ...bad } as never), JSON.stringify(bad)).rejects.toThrow();
    }
    expect((await client.chat.conversationSettings.query({ sessionId })).generation).toEqual({ maxTokens: 96, temperature: 1.1 });
    await client.chat.setConversationSettings.mutate({ sessionId, inherit: ['maxTokens', 'temperature'] });
    expect(await turn({ sessionId })).toMatchObject({ max_tokens: 1_024, temperature: 0.4 });
    await client.settings.setGeneration.mutate({ reset: true });
  });

  it('Continue goes on from a length-cut reply with the prompt it was written from; what cannot go on is refused in words', async () => {
    const cut = await sendTurn(client, { text: 'Tell me a story', maxTokens: 16 });
    expect(cut.stopReason).toBe('eos'); // the fake ends its replies on its own
    const refused = await continueReply(client, { turnId: cut.turnId }).then(() => null, (e: unknown) => fromClientError(e));
    expect(refused).toMatchObject({ code: 'FAILED_PRECONDITION', message: expect.stringContaining('ended on its own') });
    const prompt = await client.chat.prompt.query({ turnId: cut.turnId });
    expect(prompt.messages?.[0]?.role).toBe('system');
    expect(prompt.messages?.at(-1)).toEqual({ role: 'user', content: 'Tell me a story' });
    await expect(client.chat.prompt.query({ turnId: 'no-such-turn' })).rejects.toThrow(/no turn/);
    await expect(client.chat.continue.mutate({ turnId: cut.turnId, continuationId: 'not an id' })).rejects.toThrow();
  });
});
