import type { InvokeResult } from '../common/contract.js';

/** How long an answered request's result is kept for a waiter that asks just after (a race, a reconnect). */
const KEEP_MS = 10 * 60_000;

/**
 * Who waits for an approval's outcome (the executive's turn, paused on a call that asks first): each
 * request's result once it is answered, expired or withdrawn. Lives with the service process: after a
 * restart a waiter is told the request cannot be followed, and asks again.
 */
export function createDecisionWaiters() {
  const settled = new Map<string, { result: InvokeResult; timer: ReturnType<typeof setTimeout> }>();
  const waiting = new Map<string, Array<(result: InvokeResult) => void>>();
  return {
    settle(requestId: string, result: InvokeResult): void {
      const timer = setTimeout(() => settled.delete(requestId), KEEP_MS);
      timer.unref?.();
      settled.set(requestId, { result, timer });
      for (const wake of waiting.get(requestId) ?? []) wake(result);
      waiting.delete(requestId);
    },
    /** The result now when known; else a promise of it, which `signal` ends (the waiter went away). */
    wait(requestId: string, signal: AbortSignal): InvokeResult | Promise<InvokeResult | null> {
      const known = settled.get(requestId);
      if (known) return known.result;
      return new Promise((resolve) => {
        const wake = (result: InvokeResult): void => {
          signal.removeEventListener('abort', gone);
          resolve(result);
        };
        const gone = (): void => {
          const rest = (waiting.get(requestId) ?? []).filter((w) => w !== wake);
          if (rest.length) waiting.set(requestId, rest);
          else waiting.delete(requestId);
          resolve(null);
        };
        waiting.set(requestId, [...(waiting.get(requestId) ?? []), wake]);
        signal.addEventListener('abort', gone, { once: true });
      });
    },
    dispose(): void {
      for (const { timer } of settled.values()) clearTimeout(timer);
      settled.clear();
      waiting.clear();
    },
  };
}
