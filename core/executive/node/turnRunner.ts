import { PagiError } from '../../contracts/errors.js';
import { newId } from '../../contracts/ids.js';
import type { TurnChunk, TurnOutcome, TurnResult } from '../common/contract.js';
import type { TurnInput } from './turnLoop.js';
import type { TurnStore } from './turnStore.js';

type GenerationField = 'maxTokens' | 'temperature' | 'topP' | 'topK' | 'minP' | 'repeatPenalty';

/** `executive.turn`'s input after its defaults; generation settings the turn does not give come from the twin's. */
export interface TurnRequest extends Omit<TurnInput, 'turnId' | 'sessionId' | 'excludeEpisodes' | GenerationField> {
  turnId?: string | undefined;
  sessionId?: string | undefined;
  parentTurnId?: string | null | undefined;
  maxTokens?: number | null | undefined;
  temperature?: number | undefined;
  topP?: number | null | undefined;
  topK?: number | null | undefined;
  minP?: number | null | undefined;
  repeatPenalty?: number | null | undefined;
}

/** A turn placed in its conversation, its generation settings still the caller's. */
export type PlacedTurn = Omit<TurnRequest, 'turnId' | 'sessionId' | 'parentTurnId'> & { turnId: string; sessionId: string; excludeEpisodes: string[] };

export interface TurnRunnerOptions {
  store: TurnStore;
  /** One turn through the services (`runTurn` with its clients). */
  run(input: PlacedTurn, emit: (chunk: TurnChunk) => void, signal: AbortSignal, remembered: (userEpisodeId: string) => void): Promise<TurnResult>;
  /** After a turn's result is stored: the durable events, which the reply does not wait for. */
  completed(result: TurnResult): void;
}

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
    opts.store.begin({ turnId, sessionId, text: input.text, parent });
    try {
      const remembered = (episodeId: string): void => opts.store.recordUserEpisode(turnId, episodeId);
      const { parentTurnId: _parent, ...request } = input;
      const result = await opts.run({ ...request, turnId, sessionId, excludeEpisodes: offPath }, emit, signal, remembered);
      opts.store.complete(turnId, result);
      opts.completed(result);
      return result;
    } catch (err) {
      const e = PagiError.from(err);
      opts.store.fail(turnId, e);
      throw e;
    }
  };

  return {
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
