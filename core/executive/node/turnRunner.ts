import { PagiError } from '../../contracts/errors.js';
import { newId } from '../../contracts/ids.js';
import type { TurnChunk, TurnOutcome, TurnResult } from '../common/contract.js';
import type { ChatMessage } from '../../contracts/domain.js';
import type { TurnHooks, TurnInput } from './turnLoop.js';
import type { ContinuationRecord, TurnStore } from './turnStore.js';

type GenerationField = 'maxTokens' | 'temperature' | 'topP' | 'topK' | 'minP' | 'repeatPenalty';

/** A call's own generation settings: absent, the conversation's, then the twin's; null, "until the model stops" or the model's default. */
export interface GenerationOverrides {
  maxTokens?: number | null | undefined;
  temperature?: number | undefined;
  topP?: number | null | undefined;
  topK?: number | null | undefined;
  minP?: number | null | undefined;
  repeatPenalty?: number | null | undefined;
}

/** `executive.turn`'s input after its defaults; generation settings the turn does not give come from the twin's. */
export interface TurnRequest extends Omit<TurnInput, 'turnId' | 'sessionId' | 'excludeEpisodes' | GenerationField>, GenerationOverrides {
  turnId?: string | undefined;
  sessionId?: string | undefined;
  parentTurnId?: string | null | undefined;
  opening?: string | undefined;
}

/** A turn placed in its conversation, its generation settings still the caller's. */
export type PlacedTurn = Omit<TurnRequest, 'turnId' | 'sessionId' | 'parentTurnId'> & { turnId: string; sessionId: string; excludeEpisodes: string[] };

export interface TurnRunnerOptions {
  store: TurnStore;
  /** One turn through the services (`runTurn` with its clients). */
  run(input: PlacedTurn, emit: (chunk: TurnChunk) => void, signal: AbortSignal, hooks: TurnHooks): Promise<TurnResult>;
  /** More of a finished reply from its stored prompt (`continueReply` with its clients and settings). */
  continueReply(request: ContinueRequest, job: { result: TurnResult; prompt: ChatMessage[] }, emit: (chunk: TurnChunk) => void, signal: AbortSignal): Promise<TurnResult>;
  /** Memory brought up to a grown reply (after it is stored); returns the result with its episode id and what degraded. */
  rememberContinued(result: TurnResult): Promise<TurnResult>;
  /** The greeting this turn must remember (once per conversation: `ConversationStore.openingFor`). */
  openingFor(sessionId: string, offered: string | undefined, empty: boolean): string | undefined;
  recordOpeningEpisode(sessionId: string, episodeId: string): void;
  /** After a turn's result is stored: the durable events, which the reply does not wait for. */
  completed(result: TurnResult): void;
}

/** `executive.continueTurn`'s input: generation settings it does not give are the conversation's, then the twin's. */
export interface ContinueRequest extends GenerationOverrides {
  turnId: string;
  continuationId: string;
  seed?: number | undefined;
}

/** Replies that may go on: stopped by the user, or cut at their length limit. */
const CONTINUABLE = new Set(['cancelled', 'max-tokens']);

/** A turn id seen before: its first outcome, never a second run. */
function replay(known: TurnOutcome): TurnResult {
  if (known.result) return known.result;
  if (known.error) throw PagiError.fromWire(known.error);
  throw new PagiError('CONFLICT', `turn ${known.turnId} was already sent; its reply is in the conversation's history`);
}

/**
 * Turns are idempotent by id: a known id never runs again — a finished turn's stored result comes
 * back, a failed one's error is thrown, a running one's promise is shared. `cancel` stops a running
 * turn gracefully: it ends with the reply so far, which its caller still receives.
 */
export function createTurnRunner(opts: TurnRunnerOptions) {
  const running = new Map<string, { done: Promise<TurnResult>; stop: AbortController }>();

  const runNew = async (turnId: string, input: TurnRequest, emit: (chunk: TurnChunk) => void, signal: AbortSignal): Promise<TurnResult> => {
    const sessionId = input.sessionId ?? newId();
    const { parent, offPath } = opts.store.place(sessionId, input.parentTurnId);
    // a greeting opens only a conversation with nothing in it yet, and only once
    const opening = opts.openingFor(sessionId, input.opening, parent === null && opts.store.history(sessionId, 1).length === 0);
    opts.store.begin({ turnId, sessionId, text: input.text, parent });
    try {
      const hooks: TurnHooks = {
        remembered: (episodeId) => opts.store.recordUserEpisode(turnId, episodeId),
        opened: (episodeId) => opts.recordOpeningEpisode(sessionId, episodeId),
        prompted: (messages) => opts.store.recordPrompt(turnId, messages),
      };
      const { parentTurnId: _parent, opening: _opening, ...request } = input;
      const result = await opts.run({ ...request, turnId, sessionId, excludeEpisodes: offPath, ...(opening ? { opening } : {}) }, emit, signal, hooks);
      opts.store.complete(turnId, result);
      opts.completed(result);
      return result;
    } catch (err) {
      const e = PagiError.from(err);
      opts.store.fail(turnId, e);
      throw e;
    }
  };

  const continuing = new Set<string>();
  /** A continuation id seen before: the reply as it now stands, or the continuation's error. */
  const replayContinuation = (known: ContinuationRecord): TurnResult => {
    if (known.status === 'failed') throw known.error ? PagiError.fromWire(known.error) : new PagiError('UNAVAILABLE', 'this reply did not go on; continue it again');
    const result = opts.store.outcome(known.turnId)?.result;
    if (!result) throw new PagiError('NOT_FOUND', `no turn ${known.turnId} (its conversation may have been deleted)`);
    return result;
  };
  const runContinuation = async (input: ContinueRequest, emit: (chunk: TurnChunk) => void, signal: AbortSignal): Promise<TurnResult> => {
    const job = continuable(input.turnId);
    continuing.add(input.turnId);
    opts.store.beginContinuation(input.continuationId, input.turnId);
    try {
      const grown = await opts.continueReply(input, job, emit, signal);
      // the turn first: memory catches up after, and a continuation sent again finds the grown reply
      opts.store.completeContinuation(input.continuationId, grown);
      const remembered = await opts.rememberContinued(grown).catch(() => grown);
      if (remembered !== grown) opts.store.completeContinuation(input.continuationId, remembered);
      return remembered;
    } catch (err) {
      const e = PagiError.from(err);
      opts.store.failContinuation(input.continuationId, e);
      throw e;
    } finally {
      continuing.delete(input.turnId);
    }
  };

  /** The reply and prompt a continuation starts from, or why it cannot go on (in the user's terms). */
  const continuable = (turnId: string): { result: TurnResult; prompt: ChatMessage[] } => {
    if (running.has(turnId) || continuing.has(turnId)) throw new PagiError('CONFLICT', 'this reply is being written now: wait for it to finish, then continue it');
    const outcome = opts.store.outcome(turnId);
    if (!outcome) throw new PagiError('NOT_FOUND', `no turn ${turnId} (its conversation may have been deleted)`);
    const { result } = outcome;
    if (!result) throw new PagiError('FAILED_PRECONDITION', 'this reply was never written (it failed): retry it instead');
    if (!CONTINUABLE.has(result.stopReason)) throw new PagiError('FAILED_PRECONDITION', 'this reply ended on its own; only a stopped reply or one cut at its length limit can go on — regenerate it for another');
    if (opts.store.hasFollowers(turnId)) throw new PagiError('FAILED_PRECONDITION', 'messages follow this reply; only the last reply of a conversation can go on — regenerate this one instead');
    const prompt = opts.store.prompt(turnId);
    if (!prompt) throw new PagiError('FAILED_PRECONDITION', 'this reply was written by an older version that did not keep what it was written from; regenerate it instead');
    return { result, prompt };
  };

  return {
    /** More of a stopped or length-cut reply; a continuation id seen before never writes again. */
    continueTurn(input: ContinueRequest, emit: (chunk: TurnChunk) => void, signal: AbortSignal): Promise<TurnResult> {
      const inFlight = running.get(input.continuationId);
      if (inFlight) return inFlight.done;
      const known = opts.store.continuation(input.continuationId);
      if (known) return Promise.resolve().then(() => replayContinuation(known));
      const stop = new AbortController();
      const done = runContinuation(input, emit, AbortSignal.any([signal, stop.signal])).finally(() => running.delete(input.continuationId));
      running.set(input.continuationId, { done, stop });
      return done;
    },
    turn(input: TurnRequest, emit: (chunk: TurnChunk) => void, signal: AbortSignal): Promise<TurnResult> {
      const turnId = input.turnId ?? newId();
      const inFlight = running.get(turnId);
      if (inFlight) return inFlight.done;
      const known = opts.store.outcome(turnId);
      if (known) return Promise.resolve().then(() => replay(known));
      // stopped by its caller going away, or by cancel (the caller then still gets the result)
      const stop = new AbortController();
      const done = runNew(turnId, input, emit, AbortSignal.any([signal, stop.signal])).finally(() => running.delete(turnId));
      running.set(turnId, { done, stop });
      return done;
    },
    cancel(turnId: string): boolean {
      const turn = running.get(turnId);
      turn?.stop.abort();
      return turn !== undefined;
    },
  };
}
