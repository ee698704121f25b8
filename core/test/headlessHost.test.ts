import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChatEvent } from '../api/router.js';
import { startHeadlessHost, type HeadlessHost } from '../host/headlessHost.js';
import { createHostClient, fromClientError, sendTurn, type HostClient, type TurnRequest } from '../host/hostClient.js';
import { readHostFile } from '../host/hostFile.js';
import { pagi } from './helpers.js';
import { testModelPath } from './testModel.js';

const model = testModelPath();

function rawGet(port: number, path: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function chat(client: HostClient, input: TurnRequest): Promise<ChatEvent[]> {
  const events: ChatEvent[] = [];
  const result = await sendTurn(client, input, { onEvent: (e) => events.push(e) });
  expect(events.at(-1)).toEqual({ type: 'done', result });
  return events;
}

describe('headless host over HTTP', () => {
  let host: HeadlessHost;
  let dataDir: string;
  let client: HostClient;
  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'pagi-http-'));
    host = await startHeadlessHost({ dataDir, ...(model ? { modelPath: model } : {}) });
    client = createHostClient(host);
  });
  afterAll(async () => {
    await host?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('writes host.json with the port and token, and refuses a second host on the same data folder', async () => {
    expect(readHostFile(dataDir)).toMatchObject({ port: host.port, token: host.token, pid: process.pid });
    await expect(startHeadlessHost({ dataDir })).rejects.toThrow(/already runs for/);
  });

  it('refuses calls without the token, and requests for other host names', async () => {
    expect((await rawGet(host.port, '/trpc/system.info', { host: `127.0.0.1:${host.port}` })).status).toBe(401);
    expect((await rawGet(host.port, '/trpc/system.info', { host: `127.0.0.1:${host.port}`, authorization: 'Bearer wrong' })).status).toBe(401);
    expect((await rawGet(host.port, '/trpc/system.info', { host: 'evil.example:80', authorization: `Bearer ${host.token}` })).status).toBe(421);
    const page = await rawGet(host.port, '/', { host: `localhost:${host.port}` });
    expect([200, 503]).toContain(page.status);
    expect(await client.system.info.query()).toMatchObject({ twinId: host.twinId, launcher: 'child-process', services: 14 });
  });

  it('invalid input is refused with the field named, and nothing stored changes', async () => {
    const before = await client.memory.recent.query({ limit: 1_000 });
    for (const [input, field] of [[{ text: '' }, /text: a message needs some text/], [{ text: 'hi', maxTokens: -1 }, /maxTokens/], [{ text: 'hi', sessionId: 'x'.repeat(500) }, /sessionId/]] as const) {
      const err = await chat(client, input as never).catch((e: unknown) => e as Error);
      expect((err as Error).message).toMatch(field);
    }
    const bad = await client.system.restart.mutate({ id: 'nonsense' }).catch((e: unknown) => fromClientError(e));
    expect(bad).toMatchObject({ code: 'INVALID_INPUT' });
    expect((bad as Error).message).toMatch(/id: id must be one of: event-router/);
    expect(await client.memory.recent.query({ limit: 1_000 })).toEqual(before);
  });

  it.skipIf(!model)('a chat turn streams token by token over SSE and is remembered', async () => {
    const events = await chat(client, { text: 'Once upon a time there was a fox named Rufus', temperature: 0, seed: 7, maxTokens: 32 });
    const tokens = events.filter((e) => e.type === 'token');
    const done = events.at(-1);
    expect(events[0]?.type).toBe('started');
    expect(tokens.length).toBeGreaterThan(1);
    expect(done?.type).toBe('done');
    if (done?.type !== 'done') return;
    const history = await client.chat.history.query({ sessionId: done.result.sessionId });
    expect(history.map((t) => t.userText)).toEqual(['Once upon a time there was a fox named Rufus']);
    const found = await client.memory.search.query({ query: 'fox Rufus' });
    expect(found.hits.map((h) => h.id)).toContain(done.result.userEpisodeId);
  });

  it.skipIf(!model)('pagi chat uses the running host and pagi status lists the services', async () => {
    const r = await pagi(['chat', 'Hello fox', '--json', '--seed', '1', '--max-tokens', '8', '--data-dir', dataDir]);
    expect('code' in r ? r.stderr : '').toBe('');
    const result = JSON.parse(r.stdout) as { reply: string; sessionId: string };
    expect(result.reply.length).toBeGreaterThan(0);
    const status = await pagi(['status', '--data-dir', dataDir]);
    expect(status.stdout).toMatch(/memory\.episodic\s+running/);
  });
});

describe('orderly shutdown', () => {
  it('stops every service process, removes host.json, and the next start finds the data', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'pagi-stop-'));
    try {
      const host = await startHeadlessHost({ dataDir });
      const processes = (await host.supervisor.status()).map((s) => s.pid as number);
      expect(processes.every((p) => p > 0)).toBe(true);
      await host.stop();
      const alive = processes.filter((pid) => {
        try {
          process.kill(pid, 0);
          return true;
        } catch {
          return false;
        }
      });
      expect(alive).toEqual([]);
      expect((await host.supervisor.status()).every((s) => s.state === 'stopped')).toBe(true);
      expect(readHostFile(dataDir)).toBeNull();
      const again = await startHeadlessHost({ dataDir });
      expect(again.twinId).toBe(host.twinId);
      await again.stop();
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('pagi CLI without a running host', () => {
  it.skipIf(!model)('pagi chat starts a host for the turn, streams the reply, and leaves no host behind', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'pagi-cli-'));
    try {
      const r = await pagi(['chat', 'Tell me a story', '--model', model as string, '--seed', '2', '--max-tokens', '16'], { PAGI_DATA_DIR: dataDir });
      expect(r.stdout).toMatch(/\[session [0-9a-f-]{36} · \d+ tokens · mood [\w ]+\]/);
      expect(readHostFile(dataDir)).toBeNull();
      const again = await pagi(['status', '--data-dir', dataDir]);
      expect(again).toMatchObject({ code: 3 });
      expect(again.stderr).toMatch(/no PAGI host is running/);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it.each([
    [['serve', '--port', 'abc'], 2, /--port must be a whole number/],
    [['chat'], 2, /pagi chat needs a message/],
    [['fly'], 2, /unknown command "fly"/],
    [['chat', 'hi', '--model', '/nonexistent/model.gguf'], 2, /--model: no file at \/nonexistent\/model\.gguf/],
  ])('pagi %j exits %i with a clear message', async (args, code, message) => {
    const dataDir = mkdtempSync(join(tmpdir(), 'pagi-cli-bad-'));
    const r = await pagi([...args, '--data-dir', dataDir]);
    expect(r).toMatchObject({ code });
    expect((r as { stderr: string }).stderr).toMatch(message);
    rmSync(dataDir, { recursive: true, force: true });
  });
});
