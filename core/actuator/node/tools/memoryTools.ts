// memory.recall and memory.remember: the twin's own memory, used on purpose (kind "memory").
import { z } from 'zod';
import type { ToolContext, ToolDefinition } from '../toolDefinition.js';
import { capText, parametersOf } from './toolText.js';

const recallArgs = z.object({
  query: z.string().min(1).max(1_000).describe('What to look for in memory, in plain words'),
  limit: z.number().int().min(1).max(50).default(8).describe('Most memories to return'),
});

export const memoryRecallTool: ToolDefinition<typeof recallArgs> = {
  name: 'memory.recall',
  kind: 'memory',
  description: "Search the twin's memory (conversations, facts, documents) for what relates to the query; the best matches come first.",
  args: recallArgs,
  parameters: parametersOf(recallArgs),
  preview: ({ query }) => ({ summary: `Search memory for "${query}"` }),
  async run({ query, limit }, ctx: ToolContext) {
    const found = await ctx.memory.recall(query, limit, ctx.signal);
    // the cap is shared among the results so one long document cannot crowd out the rest
    const perItem = Math.max(200, Math.floor(ctx.limits.maxOutputChars / Math.max(1, found.length)));
    return { count: found.length, memories: found.map((m) => ({ ...m, text: capText(m.text, perItem) })) };
  },
};

const rememberArgs = z.object({
  text: z.string().trim().min(1).max(2_000).describe('One fact to keep, as a full sentence (e.g. "Sam\'s birthday is on 12 March")'),
});

export const memoryRememberTool: ToolDefinition<typeof rememberArgs> = {
  name: 'memory.remember',
  kind: 'memory',
  description: "Add one fact to the twin's memory, noted as coming from the current conversation turn.",
  args: rememberArgs,
  parameters: parametersOf(rememberArgs),
  preview: ({ text }) => ({ summary: `Remember: ${text}` }),
  async run({ text }, ctx: ToolContext) {
    const saved = await ctx.memory.remember(text, ctx.turnId, ctx.signal);
    return { id: saved.id, text: saved.text, sourceTurnId: ctx.turnId };
  },
};
