/**
 * Turns a listener-style source (`subscribe(listener) → unsubscribe`) into an async stream for a
 * tRPC subscription. A client that reads slower than events come loses the oldest ones past
 * `maxBuffered`, never the host's memory; the stream ends when `signal` aborts.
 */
export async function* listenerStream<T>(
  subscribe: (listener: (item: T) => void) => () => void,
  signal: AbortSignal | undefined,
  maxBuffered = 256,
): AsyncGenerator<T> {
  const buffered: T[] = [];
  let wake: (() => void) | null = null;
  const unsubscribe = subscribe((item) => {
    buffered.push(item);
    if (buffered.length > maxBuffered) buffered.shift();
    wake?.();
  });
  const onAbort = (): void => wake?.();
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    while (!signal?.aborted) {
      const next = buffered.shift();
      if (next !== undefined) {
        yield next;
        continue;
      }
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
      wake = null;
    }
  } finally {
    signal?.removeEventListener('abort', onAbort);
    unsubscribe();
  }
}
