import { describe, expect, it } from 'vitest';
import { PagiError } from '../../contracts/errors.js';
import type { TurnChunk } from '../common/contract.js';
import { runTurn, type TurnClients } from './turnLoop.js';

/** Stub clients that record calls: the loop's ordering, tool rounds and degradation, without processes. */
function stubs(opts: { toolCallsFirst?: boolean; contextFails?: boolean; policy?: 'allow' | 'deny' } = {}) {
  const calls: string[] = [];
  const stored: Array<{ actor: string; text: string }> = [];
  const prompts: unknown[] = [];
  let round = 0;
  const clients = {
    perception: { appraise: async ({ text }: { text: string }) => (calls.push('perception'), { text, redacted: false, pii: [], sentiment: { score: 2, comparative: 0.5, positive: [], negative: [] }, pad: { pleasure: 0.5, arousal: 0.2, dominance: 0 }, untrusted: false }) },
    emotion: { apply: async () => (calls.push('emotion'), { before: { pleasure: 0, arousal: 0, dominance: 0, label: 'neutral', at: '' }, after: { pleasure: 0.3, arousal: 0.1, dominance: 0, label: 'relaxed', at: '' } }), current: async () => ({}) },
    episodic: { store: async (e: { actor: string; text: string }) => (calls.push(`store:${e.actor}`), stored.push(e), { id: `ep${stored.length}` }) },
    working: { append: async () => (calls.push('working'), {}) },
    identity: { get: async () => ({ name: 'Ada', persona: { description: '', traits: [], speakingStyle: '', baseline: { pleasure: 0, arousal: 0, dominance: 0 }, moodHalfLifeMinutes: 30 } }) },
    context: {
      build: async () => {
        calls.push('context');
        if (opts.contextFails) throw new PagiError('UNAVAILABLE', 'context is restarting');
        return { recent: [], recalled: [{ tier: 'episodic', id: 'old', text: 'user: I like tea', role: null, time: null, score: 0.9, tokens: 5 }], provenance: [{ tier: 'episodic', id: 'old', score: 0.9, tokens: 5 }], usedTokens: 5, budgetTokens: 100, degraded: [], timings: {} };
      },
    },
    social: { condition: async () => (calls.push('social'), { systemPrompt: 'You are Ada.', style: [], moodLabel: 'relaxed' }), finalize: async ({ text }: { text: string }) => ({ text: text.trim() }) },
    actuator: {
      listTools: async () => [{ name: 'time.now', description: 'time', parameters: {}, policy: opts.policy ?? 'allow' }],
      invoke: async ({ tool }: { tool: string }) => (calls.push(`invoke:${tool}`), { status: 'ok', auditId: 1, result: { iso: '2026-01-01T00:00:00Z' } }),
    },
    inference: {
      generate: async (input: { messages: unknown[]; tools: unknown[] }, o: { onChunk(c: { type: 'text'; text: string }): void }) => {
        calls.push(`generate:${input.tools.length}`);
        prompts.push(input.messages);
        round++;
        const usage = { promptTokens: 10, completionTokens: 3, promptEvalMs: 1, timeToFirstTokenMs: 1, totalMs: 2, tokensPerSecond: 100 };
        if (opts.toolCallsFirst && round === 1) return { text: '', stopReason: 'tool-calls', toolCalls: [{ id: 'c1', tool: 'time.now', args: {} }], usage, model: 'm' };
        o.onChunk({ type: 'text', text: 'It is ' });
        o.onChunk({ type: 'text', text: 'noon. ' });
        return { text: 'It is noon. ', stopReason: 'eos', toolCalls: [], usage, model: 'm' };
      },
    },
  } as unknown as TurnClients;
  return { clients, calls, stored, prompts };
}

const input = { turnId: 't1', sessionId: 's1', text: 'What time is it?', maxTokens: 32, temperature: 0, contextBudgetTokens: 100 };

describe('the turn loop', () => {
  it('runs the steps of DESIGN §5 in order, remembers the message before generating, and streams tokens', async () => {
    const { clients, calls, stored, prompts } = stubs();
    const chunks: TurnChunk[] = [];
    const r = await runTurn(clients, input, (c) => chunks.push(c), new AbortController().signal);
    expect(calls.slice(0, 5)).toEqual(['perception', 'emotion', 'store:user', 'working', 'context']);
    expect(calls.indexOf('store:user')).toBeLessThan(calls.findIndex((c) => c.startsWith('generate')));
    expect(stored.map((e) => e.actor)).toEqual(['user', 'Ada']);
    expect(chunks.map((c) => c.type)).toEqual(['started', 'token', 'token']);
    expect(r).toMatchObject({ reply: 'It is noon.', userEpisodeId: 'ep1', replyEpisodeId: 'ep2', degraded: [] });
    expect(JSON.stringify(prompts[0])).toContain('I like tea'); // recalled memory reaches the prompt
  });

  it('sends tool calls to the actuator and feeds the result back for another round', async () => {
    const { clients, calls, prompts } = stubs({ toolCallsFirst: true });
    const chunks: TurnChunk[] = [];
    const r = await runTurn(clients, input, (c) => chunks.push(c), new AbortController().signal);
    expect(calls.filter((c) => c.startsWith('generate') || c.startsWith('invoke'))).toEqual(['generate:1', 'invoke:time.now', 'generate:1']);
    expect(chunks).toContainEqual(expect.objectContaining({ type: 'tool', tool: 'time.now', status: 'done' }));
    // the answer goes back as a tool message, fenced as data
    expect(JSON.stringify(prompts[1])).toContain('"role":"tool"');
    expect(JSON.stringify(prompts[1])).toContain('<<<tool-output');
    expect(JSON.stringify(prompts[1])).toContain('2026-01-01T00:00:00Z');
    expect(r.usage?.completionTokens).toBe(6);
  });

  it('offers the model no tool that policy denies', async () => {
    const { clients, calls } = stubs({ policy: 'deny' });
    await runTurn(clients, input, () => undefined, new AbortController().signal);
    expect(calls).toContain('generate:0');
  });

  it('degrades, and says so, when an optional step fails', async () => {
    const { clients } = stubs({ contextFails: true });
    const r = await runTurn(clients, input, () => undefined, new AbortController().signal);
    expect(r.reply).toBe('It is noon.');
    expect(r.degraded).toEqual(['context: context is restarting']);
  });
});
