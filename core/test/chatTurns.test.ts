import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChatEvent } from '../api/router.js';
import { newId } from '../contracts/ids.js';
import { startHeadlessHost, type HeadlessHost } from '../host/headlessHost.js';
import { createHostClient, fromClientError, sendTurn, type HostClient } from '../host/hostClient.js';
import { pagi } from './helpers.js';
import { testModelPath } from './testModel.js';

const model = testModelPath();

/** Every event of a turn's stream from `lastEventId` on, with the ids the host gave them. */
function follow(client: HostClient, turnId: string, lastEventId?: string): Promise<Array<{ id: string; event: ChatEvent }>> {
  return new Promise((resolve, reject) => {
    const seen: Array<{ id: string; event: ChatEvent }> = [];
    const sub = client.chat.events.subscribe({ turnId, ...(lastEventId ? { lastEventId } : {}) }, {
      onData: ({ id, data }) => {
        seen.push({ id, event: data });
        if (data.type === 'done' || data.type === 'failed') {
          sub.unsubscribe();
          resolve(seen);
        }
      },
      onError: (err) => reject(fromClientError(err)),
    });
  });
}

const episodeCount = async (client: HostClient): Promise<number> => (await client.memory.stats.query()).episodes;

describe.skipIf(!model)('a turn is sent once, whatever the client does', () => {
  let host: HeadlessHost;
  let dataDir: string;
  let client: HostClient;
  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'pagi-turns-'));
    host = await startHeadlessHost({ dataDir, modelPath: model as string });
    client = createHostClient(host);
  });
  afterAll(async () => {
    await host?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('sending the same turn id again, after it finished or while it runs, never runs it twice', async () => {
    const before = await episodeCount(client);
    const turnId = newId();
    const input = { turnId, text: 'Once upon a time there was a fox', temperature: 0, seed: 3, maxTokens: 16 };
    const [first, again] = await Promise.all([client.chat.send.mutate(input), client.chat.send.mutate(input)]);
    expect(first).toEqual({ turnId, state: 'running' });
    expect(again.turnId).toBe(turnId);
    const result = await sendTurn(client, input);
    expect(await client.chat.send.mutate(input)).toEqual({ turnId, state: 'done' });
    const history = await client.chat.history.query({ sessionId: result.sessionId });
    expect(history.map((t) => t.turnId)).toEqual([turnId]);
    expect(await episodeCount(client)).toBe(before + 2);
  });

  it('a follower that reconnects gets what it missed and the rest, ending with the result', async () => {
    const turnId = newId();
    const result = await sendTurn(client, { turnId, text: 'The little bird sang a song', temperature: 0, seed: 4, maxTokens: 24 });
    const all = await follow(client, turnId);
    expect(all.map((e) => e.id)).toEqual(all.map((_, i) => String(i)));
    expect(all.at(-1)?.event).toEqual({ type: 'done', result });
    const resumed = await follow(client, turnId, '1');
    expect(resumed).toEqual(all.slice(2));
  });

  it('a stream for a turn this host never ran ends at once with why, and starts nothing', async () => {
    const before = await episodeCount(client);
    const [only] = await follow(client, newId());
    expect(only?.event).toMatchObject({ type: 'failed', error: { code: 'NOT_FOUND', message: expect.stringMatching(/no turn .* send the message again/) as unknown } });
    expect(await episodeCount(client)).toBe(before);
  });

  it('a message of the contract\'s 100,000 characters travels in the request body', async () => {
    const text = 'The cat sat on the warm mat. '.repeat(3_500).slice(0, 100_000);
    const turnId = newId();
    await client.chat.send.mutate({ turnId, text, maxTokens: 4, temperature: 0, seed: 1 });
    const events = await follow(client, turnId);
    const last = events.at(-1)?.event;
    expect(last?.type).toBe('done');
    if (last?.type !== 'done') return;
    const stored = await client.memory.get.query({ id: last.result.userEpisodeId as string });
    expect(stored.episode?.text).toBe(text.trim());
  });

  it('a stopped turn keeps its reply so far and ends with the result, marked cancelled', async () => {
    // the tiny model's stories are short: a reply that ended before the stop arrived is tried again (seeded)
    for (let seed = 1; seed <= 8; seed++) {
      const turnId = newId();
      const stop = new AbortController();
      const result = await sendTurn(client, { turnId, text: 'Tell me a long story about a dragon', temperature: 1, seed, maxTokens: 4_000 }, {
        signal: stop.signal,
        onEvent: (e) => {
          if (e.type === 'token') stop.abort();
        },
      });
      if (result.stopReason !== 'cancelled') continue;
      expect(result.reply.length).toBeGreaterThan(0);
      expect(await client.chat.cancel.mutate({ turnId })).toEqual({ cancelled: false });
      const [stored] = await client.chat.history.query({ sessionId: result.sessionId });
      expect(stored).toMatchObject({ status: 'cancelled', reply: result.reply });
      return;
    }
    throw new Error('every reply finished before it could be stopped');
  });

  it('after the host restarts, the stream of an earlier turn ends with the result the executive kept', async () => {
    const turnId = newId();
    const result = await sendTurn(client, { turnId, text: 'A bear found some honey', temperature: 0, seed: 5, maxTokens: 8 });
    await host.stop();
    host = await startHeadlessHost({ dataDir, modelPath: model as string });
    client = createHostClient(host);
    expect(await follow(client, turnId)).toEqual([{ id: '0', event: { type: 'done', result } }]);
    // sending it again returns that result; nothing runs
    const before = await episodeCount(client);
    expect(await sendTurn(client, { turnId, text: 'A bear found some honey' })).toEqual(result);
    expect(await episodeCount(client)).toBe(before);
  });
});

describe('a turn that cannot run fails once, says why, and is not sent again', () => {
  it.each([
    ['inference', { inference: { threads: 0 } }, /inference has failed/],
    ['the executive', { executive: { generateTimeoutMs: 1 } }, /executive has failed/],
  ])('with %s failed, pagi chat exits 1 with the reason and one turn at most is stored', async (_what, serviceConfig, reason) => {
    const dataDir = mkdtempSync(join(tmpdir(), 'pagi-turn-fail-'));
    const host = await startHeadlessHost({ dataDir, serviceConfig });
    try {
      const client = createHostClient(host);
      const r = await pagi(['chat', 'hello there', '--data-dir', dataDir]);
      expect(r).toMatchObject({ code: 1 });
      expect(r.stderr).toMatch(reason);
      // the old link resent a failed turn forever (and the CLI never returned); now one try is one turn
      const sessions = await client.chat.sessions.query({}).catch(() => []);
      expect(sessions.reduce((n, s) => n + s.turns, 0)).toBeLessThanOrEqual(1);
      expect((await client.memory.stats.query()).episodes).toBeLessThanOrEqual(1);
    } finally {
      await host.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('a bundle export that cannot be written', () => {
  let host: HeadlessHost;
  let dataDir: string;
  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'pagi-export-fail-'));
    // what a host killed during an export leaves behind
    mkdirSync(join(dataDir, 'tmp', 'export-0123456789ab', 'identity'), { recursive: true });
    host = await startHeadlessHost({ dataDir });
  });
  afterAll(async () => {
    await host?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('sweeps the copies a killed export left at start', () => {
    expect(readdirSync(join(dataDir, 'tmp'))).toEqual([]);
  });

  it('to a folder this app may not write fails with the reason; the host stays up and keeps no copies', async () => {
    const r = await pagi(['export', '--out', '/sys/pagi-test.pagi', '--data-dir', dataDir]);
    expect(r).toMatchObject({ code: 1 });
    expect(r.stderr).toMatch(/cannot save the bundle as \/sys\/pagi-test\.pagi: this app may not write there; choose another folder/);
    expect(existsSync(join(dataDir, 'tmp')) ? readdirSync(join(dataDir, 'tmp')) : []).toEqual([]);
    expect((await host.supervisor.status()).every((s) => s.state === 'running')).toBe(true);
    expect(await createHostClient(host).system.info.query()).toMatchObject({ twinId: host.twinId });
  });
});
