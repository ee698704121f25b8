import { BrokenCircuitError, circuitBreaker, ConsecutiveBreaker, handleWhen } from 'cockatiel';
import type { ClientOf } from '../../contracts/contract.js';
import { isPagiError, PagiError } from '../../contracts/errors.js';
import type { inferenceContract } from '../../inference/common/contract.js';

export interface GuardOptions {
  /** Generation that does not finish within this deadline fails with DEADLINE_EXCEEDED. */
  generateTimeoutMs: number;
  /** After this many timeouts in a row, calls fail at once… */
  consecutiveTimeouts: number;
  /** …until this long has passed; then one call is let through to probe. */
  halfOpenAfterMs: number;
}

/**
 * Generation behind a deadline and a circuit breaker: when inference hangs (a stuck driver, a
 * stopped process), turns fail fast with a clear message instead of piling up behind it, and the
 * first call after `halfOpenAfterMs` finds out whether it recovered.
 */
export function guardInference(client: ClientOf<typeof inferenceContract>, opts: GuardOptions): ClientOf<typeof inferenceContract> {
  const breaker = circuitBreaker(
    handleWhen((err) => isPagiError(err, 'DEADLINE_EXCEEDED')),
    { halfOpenAfter: opts.halfOpenAfterMs, breaker: new ConsecutiveBreaker(opts.consecutiveTimeouts) },
  );
  return {
    ...client,
    generate: async (input, callOpts) => {
      try {
        return await breaker.execute(() => client.generate(input, { ...callOpts, timeoutMs: callOpts.timeoutMs ?? opts.generateTimeoutMs }));
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
