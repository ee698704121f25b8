import type { ChatMessage, Usage } from '../../contracts/domain.js';
import { PagiError } from '../../contracts/errors.js';
import type { TurnChunk, TurnResult } from '../common/contract.js';
import { explainInferenceFailure, type TurnClients } from './turnLoop.js';

export interface Continuation {
  /** The reply as it stands, whole. */
  result: TurnResult;
  /** The messages it was written from (the turn's stored prompt). */
  prompt: ChatMessage[];
  generation: { maxTokens: number; temperature: number; topP?: number; topK?: number; minP?: number; repeatPenalty?: number; seed?: number };
}

const addUsage = (a: Usage | null, b: Usage): Usage =>
  a ? { ...b, promptTokens: a.promptTokens + b.promptTokens, completionTokens: a.completionTokens + b.completionTokens, totalMs: a.totalMs + b.totalMs } : b;

/**
 * More of a reply, from the prompt it was written from with the reply so far as the model's own
 * unfinished message (the engine carries on from it rather than starting a new one). Nothing is
 * written here: the runner stores the grown reply first, then `rememberContinued` brings memory
 * up to it — so a kill in between leaves memory behind the turn, never ahead of it, and the next
 * continuation (which edits the episode to the whole reply) brings them together again.
 */
export async function continueReply(c: Pick<TurnClients, 'inference' | 'social'>, job: Continuation, emit: (chunk: TurnChunk) => void, signal: AbortSignal): Promise<TurnResult> {
  const { result } = job;
  const started = performance.now();
  emit({ type: 'started', turnId: result.turnId, sessionId: result.sessionId });
  const out = await c.inference
    .generate(
      { messages: [...job.prompt, { role: 'assistant', content: result.reply }], ...job.generation, tools: [] },
      {
        stop: signal,
        onChunk: (chunk) => {
          if (chunk.type === 'text') emit({ type: 'token', text: chunk.text });
          else if (chunk.type === 'waiting') emit({ type: 'waiting', ahead: chunk.ahead });
        },
      },
    )
    .catch((err: unknown) => {
      throw explainInferenceFailure(PagiError.from(err));
    });
  const grown = result.reply + out.text;
  const reply = (await c.social.finalize({ text: grown, mood: padOf(result) }).catch(() => ({ text: grown.trim() }))).text;
  return {
    ...result,
    reply,
    stopReason: out.stopReason,
    usage: addUsage(result.usage, out.usage),
    timings: { ...result.timings, continueMs: performance.now() - started },
  };
}

const padOf = (r: TurnResult) => ({ pleasure: r.mood.pleasure, arousal: r.mood.arousal, dominance: r.mood.dominance });

/**
 * The reply's memory becomes the grown reply: its episode edited (or stored, when the reply had none
 * yet), its working-memory entry replaced by id. Optional steps, as in a turn: what fails is said in
 * `degraded`, and the reply stands.
 */
export async function rememberContinued(c: Pick<TurnClients, 'episodic' | 'working' | 'identity'>, result: TurnResult): Promise<TurnResult> {
  if (!result.reply) return result;
  const degraded: string[] = [];
  let replyEpisodeId = result.replyEpisodeId;
  try {
    if (replyEpisodeId) await c.episodic.edit({ id: replyEpisodeId, text: result.reply, by: 'twin' });
    else {
      const twin = await c.identity.get({});
      replyEpisodeId = (await c.episodic.store({ sessionId: result.sessionId, actor: twin.name, kind: 'message', text: result.reply, mood: padOf(result), importance: 0.4 })).id;
    }
  } catch (err) {
    degraded.push(`memory.episodic: ${PagiError.from(err).message}`);
  }
  if (replyEpisodeId) {
    await c.working
      .append({ sessionId: result.sessionId, id: replyEpisodeId, role: 'assistant', text: result.reply, ...(result.usage ? { tokens: result.usage.completionTokens } : {}) })
      .catch((err: unknown) => degraded.push(`memory.working: ${PagiError.from(err).message}`));
  }
  return { ...result, replyEpisodeId, degraded: [...result.degraded, ...degraded] };
}
