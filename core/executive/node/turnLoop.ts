import type { ClientOf } from '../../contracts/contract.js';
import type { ChatMessage, Pad, Usage } from '../../contracts/domain.js';
import { PagiError } from '../../contracts/errors.js';
import type { actuatorContract } from '../../actuator/common/contract.js';
import type { contextContract } from '../../context/common/contract.js';
import type { emotionContract } from '../../emotion/common/contract.js';
import { moodLabel } from '../../emotion/common/moodMath.js';
import type { identityContract } from '../../identity/common/contract.js';
import type { inferenceContract } from '../../inference/common/contract.js';
import type { episodicMemoryContract } from '../../memory-episodic/common/contract.js';
import type { workingMemoryContract } from '../../memory-working/common/contract.js';
import type { perceptionContract } from '../../perception/common/contract.js';
import type { socialContract } from '../../social/common/contract.js';
import type { TurnChunk, TurnResult } from '../common/contract.js';
import { promptMessages, promptRecord, type PromptRecord } from '../common/promptRecord.js';
import { runToolRound, type ToolCard } from './toolRound.js';

export interface TurnClients {
  perception: ClientOf<typeof perceptionContract>;
  emotion: ClientOf<typeof emotionContract>;
  context: ClientOf<typeof contextContract>;
  social: ClientOf<typeof socialContract>;
  inference: ClientOf<typeof inferenceContract>;
  actuator: ClientOf<typeof actuatorContract>;
  episodic: ClientOf<typeof episodicMemoryContract>;
  working: ClientOf<typeof workingMemoryContract>;
  identity: ClientOf<typeof identityContract>;
}

export interface TurnInput {
  turnId: string;
  sessionId: string;
  text: string;
  maxTokens: number;
  temperature: number;
  topP?: number | undefined;
  topK?: number | undefined;
  minP?: number | undefined;
  repeatPenalty?: number | undefined;
  seed?: number | undefined;
  contextBudgetTokens: number;
  /** Episodes of turns on other branches of this conversation: kept out of the context. */
  excludeEpisodes?: string[];
  /** The greeting that opens a new conversation: remembered and in the context, before the user's message. */
  opening?: string | undefined;
  /** Rounds of tool calls before the model must answer (default 8). */
  toolRounds?: number | undefined;
}

/** What the turn tells its runner as it goes, so that a turn cut short still has what it did recorded. */
export interface TurnHooks {
  /** The user's message is stored (before the reply is written). */
  remembered?(userEpisodeId: string): void;
  /** The conversation's opening is stored. */
  opened?(episodeId: string): void;
  /** The messages the reply is written from, with the recalled memories apart. */
  prompted?(record: PromptRecord): void;
}

/** Rounds of tool calls a turn may take before the model must answer (executive config `toolRounds`). */
export const DEFAULT_TOOL_ROUNDS = 8;

/** The inference process dying mid-generation is a model crash on this input: say so in the user's terms. */
export function explainInferenceFailure(e: PagiError): PagiError {
  const data = e.data as { peerReset?: boolean; reason?: string } | undefined;
  if (e.code !== 'UNAVAILABLE' || !data?.peerReset) return e;
  return PagiError.hinted(
    'UNAVAILABLE',
    `the model crashed on this input (its process ${data.reason ?? 'exited'}). Inference restarts on its own: send the message again; if it crashes again, rephrase it or try another model`,
    { cli: '`pagi doctor` shows what is loaded', app: 'the Models page shows what is loaded' },
    { modelCrashed: true, reason: data.reason ?? null },
  );
}

/** The twin's greeting as the conversation's first message: in episodic memory and in the recent turns the context is built from. */
async function remember(c: TurnClients, sessionId: string, opening: string, mood: Pad, hooks: TurnHooks): Promise<void> {
  const twin = await c.identity.get({});
  const episode = await c.episodic.store({ sessionId, actor: twin.name, kind: 'message', text: opening, mood, importance: 0.3 });
  hooks.opened?.(episode.id);
  await c.working.append({ sessionId, id: episode.id, role: 'assistant', text: opening }).catch(() => undefined);
}

/** Emotional salience makes a memory more important: strong feelings are remembered. */
const importanceOf = (pad: Pad): number => Math.min(1, 0.4 + 0.35 * Math.abs(pad.pleasure) + 0.25 * Math.max(0, pad.arousal));

/**
 * One turn (DESIGN §5): appraise → feel → remember the message → recall → style → generate (with
 * tool calls through the actuator) → remember the reply. A failing optional step degrades the turn
 * and says so; only a failed generation fails it — and the user's message is stored before that.
 */
export async function runTurn(c: TurnClients, input: TurnInput, emit: (chunk: TurnChunk) => void, signal: AbortSignal, hooks: TurnHooks = {}): Promise<TurnResult> {
  const t0 = performance.now();
  const timings: Record<string, number> = {};
  const mark = (name: string, since: number): void => {
    timings[name] = performance.now() - since;
  };
  const degraded: string[] = [];
  const soft = async <T>(what: string, fn: () => Promise<T>, fallback: T): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      degraded.push(`${what}: ${PagiError.from(err).message}`);
      return fallback;
    }
  };
  emit({ type: 'started', turnId: input.turnId, sessionId: input.sessionId });

  let t = performance.now();
  const appraisal = await c.perception.appraise({ text: input.text, source: 'user' });
  mark('perceptionMs', t);

  t = performance.now();
  const moodChange = await soft('emotion', () => c.emotion.apply({ appraisal: appraisal.pad, cause: 'user message', turnId: input.turnId }), null);
  const mood: Pad = moodChange?.after ?? (await soft('emotion', () => c.emotion.current({}), null)) ?? { pleasure: 0, arousal: 0, dominance: 0 };
  mark('emotionMs', t);

  t = performance.now();
  if (input.opening) await remember(c, input.sessionId, input.opening, mood, hooks);
  const userEpisode = await c.episodic.store({ sessionId: input.sessionId, actor: 'user', kind: 'message', text: appraisal.text, mood, importance: importanceOf(appraisal.pad) });
  hooks.remembered?.(userEpisode.id);
  // working memory bounds itself with an estimate; the context builder counts with the model's tokenizer
  await soft('memory.working', () => c.working.append({ sessionId: input.sessionId, id: userEpisode.id, role: 'user', text: appraisal.text }), null);
  mark('rememberMs', t);

  t = performance.now();
  const [twin, packed] = await Promise.all([
    c.identity.get({}),
    soft('context', () => c.context.build({ sessionId: input.sessionId, query: appraisal.text, budgetTokens: input.contextBudgetTokens, exclude: [userEpisode.id, ...(input.excludeEpisodes ?? [])].slice(0, 1_000) }), null),
  ]);
  if (packed) degraded.push(...packed.degraded);
  const styled = await c.social.condition({ twinName: twin.name, persona: twin.persona, mood });
  const tools = (await soft('actuator', () => c.actuator.listTools({}), [])).filter((tool) => tool.policy !== 'deny');
  mark('contextMs', t);

  // kept with the memories apart, so that forgetting one takes its words out of this prompt too
  const record = promptRecord(
    styled.systemPrompt,
    (packed?.recalled ?? []).map((r) => ({ id: r.id, text: r.text })),
    [...(packed?.recent ?? []).map((r): ChatMessage => ({ role: r.role === 'assistant' ? 'assistant' : 'user', content: r.text })), { role: 'user', content: appraisal.text }],
  );
  hooks.prompted?.(record);
  const messages = promptMessages(record);

  const sampling = Object.fromEntries((['topP', 'topK', 'minP', 'repeatPenalty'] as const).filter((k) => input[k] !== undefined).map((k) => [k, input[k]]));
  t = performance.now();
  let reply = '';
  const cards: ToolCard[] = [];
  let stopReason: string;
  let usage: Usage | null = null;
  for (let round = 0; ; round++) {
    // the text of a round after a tool's answer is a new paragraph of the same reply
    let separate = reply !== '' && !/\s$/.test(reply);
    const out = await c.inference
      .generate(
        { messages, maxTokens: input.maxTokens, temperature: input.temperature, ...sampling, ...(input.seed !== undefined ? { seed: input.seed } : {}), tools: tools.map((tool) => ({ name: tool.name, description: tool.description, parameters: tool.parameters })) },
        {
          // stopping keeps what was written: inference ends the reply and still answers with it
          stop: signal,
          onChunk: (chunk) => {
            if (chunk.type === 'text') {
              emit({ type: 'token', text: separate && !/^\s/.test(chunk.text) ? `\n\n${chunk.text}` : chunk.text });
              separate = false;
            } else if (chunk.type === 'waiting') emit({ type: 'waiting', ahead: chunk.ahead });
          },
        },
      )
      .catch((err: unknown) => {
        throw explainInferenceFailure(PagiError.from(err));
      });
    reply += reply !== '' && out.text !== '' && !/\s$/.test(reply) && !/^\s/.test(out.text) ? `\n\n${out.text}` : out.text;
    stopReason = out.stopReason;
    usage = usage
      ? { ...out.usage, promptTokens: usage.promptTokens + out.usage.promptTokens, completionTokens: usage.completionTokens + out.usage.completionTokens, totalMs: usage.totalMs + out.usage.totalMs }
      : out.usage;
    if (out.toolCalls.length === 0 || signal.aborted) break;
    if (round >= (input.toolRounds ?? DEFAULT_TOOL_ROUNDS)) {
      degraded.push(`tools: stopped after ${round} rounds of tool calls (the limit); the reply is what the model wrote so far`);
      break;
    }
    messages.push(...(await runToolRound(c, input.turnId, out.text, out.toolCalls, emit, signal, cards)));
  }
  mark('generateMs', t);

  t = performance.now();
  const final = (await soft('social', () => c.social.finalize({ text: reply, mood }), { text: reply.trim() })).text;
  const replyEpisode = final
    ? await soft('memory.episodic', () => c.episodic.store({ sessionId: input.sessionId, actor: twin.name, kind: 'message', text: final, mood, importance: 0.4 }), null)
    : null;
  if (replyEpisode) {
    const replyTokens = usage?.completionTokens;
    await soft('memory.working', () => c.working.append({ sessionId: input.sessionId, id: replyEpisode.id, role: 'assistant', text: final, ...(replyTokens ? { tokens: replyTokens } : {}) }), null);
  }
  mark('rememberReplyMs', t);
  timings.totalMs = performance.now() - t0;

  return {
    turnId: input.turnId,
    sessionId: input.sessionId,
    reply: final,
    stopReason,
    usage,
    provenance: packed?.provenance ?? [],
    mood: { ...mood, label: moodLabel(mood) },
    userEpisodeId: userEpisode.id,
    replyEpisodeId: replyEpisode?.id ?? null,
    degraded,
    timings,
    tools: cards,
  };
}
