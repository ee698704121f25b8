import { BrokenCircuitError, circuitBreaker, ConsecutiveBreaker, handleWhen } from 'cockatiel';
import type { ClientOf, StreamOptions } from '../../contracts/contract.js';
import { isPagiError, PagiError } from '../../contracts/errors.js';
import type { GenerateChunk, inferenceContract } from '../../inference/common/contract.js';

export interface GuardOptions {
  /** Generation that does not finish within this long of starting fails with DEADLINE_EXCEEDED (time queued for the model is not counted). */
  generateTimeoutMs: number;
  /** After this many timeouts in a row, calls fail at once… */
  consecutiveTimeouts: number;
  /** …until this long has passed; then one call is let through to probe. */
  halfOpenAfterMs: number;
}

type InferenceClient = ClientOf<typeof inferenceContract>;

/**
 * Generation behind a deadline and a circuit breaker: when inference hangs (a stuck driver, a
 * stopped process), turns fail fast with a clear message instead of piling up behind it, and the
 * first call after `halfOpenAfterMs` finds out whether it recovered.
 *
 * The deadline measures generating, not waiting: a turn queued behind others for the model is busy
 * inference, not a hang, and must neither time out nor open the breaker. The deadline runs from the
 * call (a process that never answers is a hang), stops while inference says the turn waits, and
 * starts again in full when it says generation starts.
 */
export function guardInference(client: InferenceClient, opts: GuardOptions): InferenceClient {
  const breaker = circuitBreaker(
    handleWhen((err) => isPagiError(err, 'DEADLINE_EXCEEDED')),
    { halfOpenAfter: opts.halfOpenAfterMs, breaker: new ConsecutiveBreaker(opts.consecutiveTimeouts) },
  );

  const generateWithinDeadline = async (input: Parameters<InferenceClient['generate']>[0], callOpts: StreamOptions<GenerateChunk>, deadlineMs: number) => {
    // aborting our own controller is what sends the cancel to inference when the deadline passes
    const ctl = new AbortController();
    const onCallerAbort = (): void => ctl.abort(callOpts.signal?.reason);
    if (callOpts.signal?.aborted) ctl.abort(callOpts.signal.reason);
    callOpts.signal?.addEventListener('abort', onCallerAbort, { once: true });
    let timer: ReturnType<typeof setTimeout> | undefined;
    let expired = false;
    const stop = (): void => {
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
    };
    const start = (): void => {
      stop();
      timer = setTimeout(() => {
        expired = true;
        ctl.abort();
      }, deadlineMs);
    };
    start();
    try {
      return await client.generate(input, {
        signal: ctl.signal,
        ...(callOpts.stop ? { stop: callOpts.stop } : {}),
        onChunk: (chunk) => {
          if (chunk.type === 'waiting') stop();
          else if (chunk.type === 'generating') start();
          callOpts.onChunk(chunk);
        },
      });
    } catch (err) {
      if (expired && !callOpts.signal?.aborted) {
        throw new PagiError('DEADLINE_EXCEEDED', `inference did not finish the reply within ${Math.round(deadlineMs / 1000)} s of starting it`, { deadlineMs });
      }
      throw err;
    } finally {
      stop();
      callOpts.signal?.removeEventListener('abort', onCallerAbort);
    }
  };

  return {
    ...client,
    generate: async (input, callOpts) => {
      try {
        return await breaker.execute(() => generateWithinDeadline(input, callOpts, callOpts.timeoutMs ?? opts.generateTimeoutMs));
      } catch (err) {
        if (err instanceof BrokenCircuitError) {
          throw new PagiError(
            'UNAVAILABLE',
            `inference is not responding (${opts.consecutiveTimeouts} generations in a row passed their ${Math.round(opts.generateTimeoutMs / 1000)} s deadline); turns fail at once until it recovers — the next try is let through within ${Math.ceil(opts.halfOpenAfterMs / 1000)} s`,
            { circuitOpen: true },
          );
        }
        throw err;
      }
    },
  };
}
