import { PagiError } from '../../contracts/errors.js';

/**
 * Requests to service processes that are answered later by a control frame (a twin bundle's data
 * work): numbered, with a deadline, and failed at once when the process they wait on goes away.
 */
export function createPendingReplies<T>() {
  let seq = 1;
  const waiting = new Map<number, { id: string; done: (result: T | Error) => void }>();
  return {
    /** Sends with a fresh number and resolves with the reply to it. */
    request(id: string, timeoutMs: number, send: (n: number) => void, late: () => string): Promise<T> {
      const n = seq++;
      return new Promise<T>((resolve, reject) => {
        const timer = setTimeout(() => {
          waiting.delete(n);
          reject(new PagiError('DEADLINE_EXCEEDED', late()));
        }, timeoutMs);
        waiting.set(n, {
          id,
          done: (result) => {
            clearTimeout(timer);
            waiting.delete(n);
            if (result instanceof Error) reject(result);
            else resolve(result);
          },
        });
        send(n);
      });
    },
    /** A reply from service `id` to request `n` (a reply from another process is ignored). */
    settle(id: string, n: number, result: T | Error): void {
      const w = waiting.get(n);
      if (w?.id === id) w.done(result);
    },
    /** Service `id` went away: whatever waits on it fails with `error`. */
    failAll(id: string, error: Error): void {
      for (const w of [...waiting.values()]) if (w.id === id) w.done(error);
    },
  };
}
