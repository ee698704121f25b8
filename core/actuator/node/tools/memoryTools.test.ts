import { describe, expect, it } from 'vitest';
import type { ToolMemory } from '../toolDefinition.js';
import { memoryRecallTool, memoryRememberTool } from './memoryTools.js';
import { testToolContext } from './testContext.js';

/** A memory that keeps facts in an array and finds them by word, recording what it was asked. */
function fakeMemory() {
  const facts: Array<{ id: string; text: string; source: string | null }> = [];
  const calls: string[] = [];
  const memory: ToolMemory = {
    async recall(query, limit) {
      calls.push(`recall ${query} ${limit}`);
      return facts.filter((f) => f.text.toLowerCase().includes(query.toLowerCase())).slice(0, limit)
        .map((f) => ({ id: f.id, tier: 'semantic', text: f.text, score: 1, time: null }));
    },
    async remember(text, sourceTurnId) {
      const fact = { id: `f${facts.length + 1}`, text, source: sourceTurnId };
      facts.push(fact);
      return { id: fact.id, text };
    },
  };
  return { memory, facts, calls };
}

describe('memory tools', () => {
  it('remembers a fact with the turn as its source, and recalls it', async () => {
    const { memory, facts, calls } = fakeMemory();
    const ctx = testToolContext({ memory, turnId: 'turn-42' });
    expect(await memoryRememberTool.run(memoryRememberTool.args.parse({ text: "  Sam's birthday is on 12 March " }), ctx)).toEqual({ id: 'f1', text: "Sam's birthday is on 12 March", sourceTurnId: 'turn-42' });
    expect(facts[0]?.source).toBe('turn-42');
    const recalled = await memoryRecallTool.run(memoryRecallTool.args.parse({ query: 'birthday' }), ctx);
    expect(recalled).toEqual({ count: 1, memories: [{ id: 'f1', tier: 'semantic', text: "Sam's birthday is on 12 March", score: 1, time: null }] });
    expect(calls).toEqual(['recall birthday 8']);
  });

  it('caps long memories, sharing the output cap among results', async () => {
    const { memory } = fakeMemory();
    const ctx = testToolContext({ memory, limits: { maxOutputChars: 600 } });
    await memory.remember(`note ${'a'.repeat(1_000)}`, null, ctx.signal);
    await memory.remember(`note ${'b'.repeat(10)}`, null, ctx.signal);
    const { memories } = (await memoryRecallTool.run(memoryRecallTool.args.parse({ query: 'note' }), ctx)) as { memories: Array<{ text: string }> };
    expect(memories[0]?.text).toBe(`note ${'a'.repeat(295)}\n…cut, 705 more characters`);
    expect(memories[1]?.text).toBe(`note ${'b'.repeat(10)}`);
  });

  it('refuses empty arguments before memory sees them', () => {
    expect(memoryRememberTool.args.safeParse({ text: '   ' }).success).toBe(false);
    expect(memoryRecallTool.args.safeParse({ query: '', limit: 5 }).success).toBe(false);
    expect(memoryRecallTool.parameters).toMatchObject({ type: 'object', required: ['query'] });
  });
});
