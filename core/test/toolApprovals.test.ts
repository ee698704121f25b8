import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeOpenAi } from '../../e2e/fakeOpenAi.js';
import { actuatorContract } from '../actuator/common/contract.js';
import type { ChatEvent } from '../api/router.js';
import { startHeadlessHost, type HeadlessHost } from '../host/headlessHost.js';
import { createHostClient, sendTurn, type HostClient } from '../host/hostClient.js';

type WireMessage = { role: string; content: string | null; tool_call_id?: string };

/** A call that asks first pauses the turn until the user answers: the answer decides, and nothing runs without one. */
describe('approvals in a turn', () => {
  let fake: { server: Server; url: string; requests: Array<Record<string, unknown>> };
  let host: HeadlessHost;
  let client: HostClient;
  let dataDir: string;
  const lastToolAnswer = (): string => {
    const messages = (fake.requests.filter((r) => r.path === '/v1/chat/completions').at(-1)?.messages ?? []) as WireMessage[];
    return messages.filter((m) => m.role === 'tool').at(-1)?.content ?? '';
  };
  /** Sends a turn and answers its approval card with `decision` (or not at all). */
  const turnAnswering = async (decision: 'allow-once' | 'always-allow' | 'deny' | null): Promise<{ reply: string; cards: string[] }> => {
    const cards: string[] = [];
    const r = await sendTurn(client, { text: 'What time is it?' }, {
      onEvent: (e: ChatEvent) => {
        if (e.type !== 'tool') return;
        cards.push(e.status);
        if (e.approval && decision) void client.tools.decide.mutate({ requestId: e.approval.requestId, decision });
      },
    });
    return { reply: r.reply, cards };
  };

  beforeAll(async () => {
    fake = await fakeOpenAi((_text, { messages }) => ((messages as WireMessage[]).at(-1)?.role === 'tool' ? 'Answered.' : { text: '', toolCalls: [{ name: 'time-now', args: { timeZone: 'UTC' } }] }));
    dataDir = mkdtempSync(join(tmpdir(), 'pagi-approvals-'));
    host = await startHeadlessHost({ dataDir, serviceConfig: { inference: { provider: 'remote', remote: { baseUrl: fake.url, model: 'fake-model' } }, actuator: { approvalTimeoutMs: 1_500 } } });
    client = createHostClient(host);
    await host.supervisor.client(actuatorContract).setPolicy({ tool: 'time.now', policy: 'ask' });
  }, 60_000);
  afterAll(async () => {
    await host?.stop();
    fake?.server.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('allowed once, the call runs and the model gets its output; the card shows the request first', async () => {
    const r = await turnAnswering('allow-once');
    expect(r.cards).toEqual(['running', 'needs-approval', 'done']);
    expect(lastToolAnswer()).toMatch(/"iso":/);
    expect(r.reply).toBe('Answered.');
  });

  it('denied, nothing runs and the model is told; unanswered, it is denied when the request expires', async () => {
    const denied = await turnAnswering('deny');
    expect(denied.cards.at(-1)).toBe('denied');
    expect(lastToolAnswer()).toMatch(/Not run: the user declined/);
    const started = Date.now();
    const silent = await turnAnswering(null);
    expect(silent.cards.at(-1)).toBe('denied');
    expect(lastToolAnswer()).toMatch(/nobody answered within/);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_400);
    const audit = await client.tools.auditList.query({ tool: 'time.now', limit: 50 });
    expect(audit.some((row) => row.decision === 'expired')).toBe(true);
    expect(audit.filter((row) => row.kind === 'outcome' && row.outcome === 'ok')).toHaveLength(1); // only the one allowed
  });

  it('always allow answers this call and every later one without asking', async () => {
    const r = await turnAnswering('always-allow');
    expect(r.cards.at(-1)).toBe('done');
    const again = await turnAnswering(null);
    expect(again.cards).toEqual(['running', 'done']);
  });
});
