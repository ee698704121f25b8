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
 * unfinished message (the engine carries on from it rather than starting a new one). The reply's
 * memory is the grown reply: its episode is edited, and working memory holds it once.
 */
export async function continueReply(c: Pick<TurnClients, 'inference' | 'social' | 'episodic' | 'working' | 'identity'>, job: Continuation, emit: (chunk: TurnChunk) => void, signal: AbortSignal): Promise<TurnResult> {
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
  const mood = { pleasure: result.mood.pleasure, arousal: result.mood.arousal, dominance: result.mood.dominance };
  const grown = result.reply + out.text;
  const reply = (await c.social.finalize({ text: grown, mood }).catch(() => ({ text: grown.trim() }))).text;
  let replyEpisodeId = result.replyEpisodeId;
  if (reply && reply !== result.reply) {
    if (replyEpisodeId) await c.episodic.edit({ id: replyEpisodeId, text: reply, by: 'twin' });
    else {
      const twin = await c.identity.get({});
      replyEpisodeId = (await c.episodic.store({ sessionId: result.sessionId, actor: twin.name, kind: 'message', text: reply, mood, importance: 0.4 })).id;
    }
    const usage = addUsage(result.usage, out.usage);
    // the same id: the reply is replaced in the recent turns, never held twice
    await c.working.append({ sessionId: result.sessionId, id: replyEpisodeId, role: 'assistant', text: reply, tokens: usage.completionTokens }).catch(() => undefined);
  }
  return {
    ...result,
    reply,
    replyEpisodeId,
    stopReason: out.stopReason,
    usage: addUsage(result.usage, out.usage),
    timings: { ...result.timings, continueMs: performance.now() - started },
  };
}
