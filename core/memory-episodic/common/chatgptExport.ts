import { z } from 'zod';

/**
 * One conversation of a ChatGPT data export (`conversations.json`): a tree of messages (`mapping`)
 * whose shown branch ends at `current_node`. Only what the import needs is checked; the rest of
 * OpenAI's format (which changes) is ignored.
 */
const messageSchema = z.object({
  id: z.string().max(200),
  author: z.object({ role: z.string().max(40) }).loose(),
  create_time: z.number().nullable().optional(),
  content: z.object({ content_type: z.string().max(60), parts: z.array(z.unknown()).max(10_000).optional(), text: z.string().optional() }).loose(),
  metadata: z.object({ is_visually_hidden_from_conversation: z.boolean().optional() }).loose().optional(),
}).loose();

const nodeSchema = z.object({
  id: z.string().max(200),
  message: messageSchema.nullable().optional(),
  parent: z.string().max(200).nullable().optional(),
  children: z.array(z.string().max(200)).max(10_000).optional(),
}).loose();

export const chatGptConversationSchema = z.object({
  title: z.string().max(2_000).nullable().optional(),
  create_time: z.number().nullable().optional(),
  conversation_id: z.string().max(200).optional(),
  id: z.string().max(200).optional(),
  current_node: z.string().max(200).nullable().optional(),
  mapping: z.record(z.string().max(200), nodeSchema),
}).loose();

export interface ImportedUtterance { session: string; speaker: string; text: string; time: string; ref: string }

const MAX_TEXT = 200_000;
const SPEAKERS: Record<string, string> = { user: 'user', assistant: 'ChatGPT' };

function textOf(content: z.infer<typeof messageSchema>['content']): string {
  if (content.content_type === 'text' || content.content_type === 'multimodal_text') {
    return (content.parts ?? []).filter((p): p is string => typeof p === 'string').join('\n').trim();
  }
  if (content.content_type === 'code' && typeof content.text === 'string') return content.text.trim();
  return '';
}

/**
 * The shown branch of a conversation, oldest first, as utterances: user and assistant text only
 * (system prompts, tool calls and hidden messages are left out). A conversation that cannot be read
 * is an error that names why; an empty one is no utterances.
 */
export function conversationUtterances(raw: unknown): { ok: true; title: string | null; utterances: ImportedUtterance[] } | { ok: false; error: string } {
  const parsed = chatGptConversationSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, error: `not a ChatGPT conversation (${issue ? `${issue.path.join('.') || 'value'}: ${issue.message}` : 'unreadable'})` };
  }
  const c = parsed.data;
  const session = `chatgpt:${c.conversation_id ?? c.id ?? 'unknown'}`;
  const fallbackTime = c.create_time ?? null;
  let nodeId = c.current_node ?? null;
  if (nodeId === null) {
    // no current node: the newest leaf is the shown branch
    const leaves = Object.values(c.mapping).filter((n) => (n.children ?? []).length === 0);
    nodeId = leaves.sort((a, b) => (b.message?.create_time ?? 0) - (a.message?.create_time ?? 0))[0]?.id ?? null;
  }
  const path: Array<z.infer<typeof nodeSchema>> = [];
  const seen = new Set<string>();
  while (nodeId) {
    if (seen.has(nodeId)) return { ok: false, error: `its message tree has a cycle at ${nodeId}` };
    seen.add(nodeId);
    const node = c.mapping[nodeId];
    if (!node) return { ok: false, error: `it refers to a message ${nodeId} that is not in it` };
    path.push(node);
    nodeId = node.parent ?? null;
  }
  const utterances: ImportedUtterance[] = [];
  for (const node of path.reverse()) {
    const m = node.message;
    if (!m || m.metadata?.is_visually_hidden_from_conversation) continue;
    const speaker = SPEAKERS[m.author.role];
    if (!speaker) continue;
    const text = textOf(m.content);
    if (!text) continue;
    const seconds = m.create_time ?? fallbackTime;
    if (seconds === null || !Number.isFinite(seconds)) return { ok: false, error: `message ${m.id} has no time` };
    utterances.push({
      session,
      speaker,
      text: text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT - 1)}…` : text,
      time: new Date(Math.round(seconds * 1000)).toISOString(),
      ref: `${session}#${m.id}`,
    });
  }
  return { ok: true, title: c.title ?? null, utterances };
}
