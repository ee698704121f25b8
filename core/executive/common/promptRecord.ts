import { z } from 'zod';
import { chatMessageSchema, type ChatMessage } from '../../contracts/domain.js';

/**
 * The prompt a reply was written from, as it is kept: the memories recalled into the system message
 * are held apart from it (a marker stands in their place), so that forgetting a memory can take its
 * words out of every prompt that recalled it, and what is shown or continued later says so.
 */
export const promptRecordSchema = z.object({
  messages: z.array(chatMessageSchema),
  /** In the order of their markers; text null: forgotten since. */
  memories: z.array(z.object({ id: z.string(), text: z.string().nullable() })),
});
export type PromptRecord = z.infer<typeof promptRecordSchema>;

export const FORGOTTEN_MEMORY = '(a memory forgotten since)';
export const MEMORY_HEADER = 'What you remember that may be relevant:';
// private-use characters around it: a marker is only ever looked for in the system message this code wrote
const marker = (i: number): string => `\uE000memory:${i}\uE001`;
const MARKERS = /\uE000memory:(\d+)\uE001/g;

/** The system prompt with the recalled memories listed under their header, as markers. */
export function promptRecord(systemPrompt: string, memories: Array<{ id: string; text: string }>, turns: ChatMessage[]): PromptRecord {
  const system = memories.length ? `${systemPrompt}\n\n${MEMORY_HEADER}\n${memories.map((_, i) => `- ${marker(i)}`).join('\n')}` : systemPrompt;
  return { messages: [{ role: 'system', content: system }, ...turns], memories: memories.map((m) => ({ id: m.id, text: m.text })) };
}

/** The messages as the model reads them: each marker replaced by its memory, or by a word that it was forgotten. */
export function promptMessages(record: PromptRecord): ChatMessage[] {
  return record.messages.map((m, i) => (i === 0 && m.role === 'system' ? { ...m, content: m.content.replace(MARKERS, (_, n: string) => record.memories[Number(n)]?.text ?? FORGOTTEN_MEMORY) } : m));
}

/** The record without the words of memory `id`; null when it did not recall it. */
export function withoutMemory(record: PromptRecord, id: string): PromptRecord | null {
  if (!record.memories.some((m) => m.id === id && m.text !== null)) return null;
  return { ...record, memories: record.memories.map((m) => (m.id === id ? { ...m, text: null } : m)) };
}
