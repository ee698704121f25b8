import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeOpenAi } from '../../e2e/fakeOpenAi.js';
import { startHeadlessHost, type HeadlessHost } from '../host/headlessHost.js';
import { createHostClient, sendTurn, type HostClient } from '../host/hostClient.js';
import { FORGOTTEN_MEMORY } from '../executive/common/promptRecord.js';
import { waitFor } from './helpers.js';

/** What a reply was written from is kept — but a memory forgotten for good is forgotten there too. */
describe('kept prompts and forgotten memories', () => {
  let fake: { server: Server; url: string; requests: Array<Record<string, unknown>> };
  let host: HeadlessHost;
  let client: HostClient;
  let dataDir: string;
  beforeAll(async () => {
    fake = await fakeOpenAi(() => 'I remember.');
    dataDir = mkdtempSync(join(tmpdir(), 'pagi-prompt-privacy-'));
    host = await startHeadlessHost({ dataDir, serviceConfig: { inference: { provider: 'remote', remote: { baseUrl: fake.url, model: 'fake-model' } } } });
    client = createHostClient(host);
  }, 60_000);
  afterAll(async () => {
    await host?.stop();
    fake?.server.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('a recalled memory is in the prompt as the model got it; forgotten, its words leave the kept prompt', async () => {
    await sendTurn(client, { text: 'My whippet is called Quillon and she loves the beach' });
    const asked = await sendTurn(client, { text: 'What is my whippet called?' });
    const recalled = asked.provenance.filter((p) => p.tier === 'episodic');
    expect(recalled.length, 'the earlier message was recalled').toBeGreaterThan(0);
    const before = await client.chat.prompt.query({ turnId: asked.turnId });
    expect(before.messages?.[0]?.content).toContain('Quillon');
    // what the model was sent is what is shown
    const sent = fake.requests.filter((r) => r.path === '/v1/chat/completions').at(-1)?.messages as Array<{ content: string }>;
    expect(sent[0]?.content).toBe(before.messages?.[0]?.content);

    const target = recalled.find((p) => p.id !== asked.userEpisodeId) ?? recalled[0];
    await client.memory.delete.mutate({ id: target?.id as string, hard: true });
    await waitFor('the prompt without the forgotten words', async () => !(await client.chat.prompt.query({ turnId: asked.turnId })).messages?.[0]?.content.includes('Quillon'), 15_000);
    const after = await client.chat.prompt.query({ turnId: asked.turnId });
    expect(after.messages?.[0]?.content).toContain(FORGOTTEN_MEMORY);
    expect(after.messages?.at(-1)).toEqual({ role: 'user', content: 'What is my whippet called?' });
  });
});
