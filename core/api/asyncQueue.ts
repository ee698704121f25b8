/** A push-to-pull bridge: callbacks push, a `for await` consumer pulls, in order. */
export function createAsyncQueue<T>() {
  const items: T[] = [];
  let done = false;
  let error: unknown = null;
  let wake: (() => void) | null = null;
  const notify = (): void => {
    wake?.();
    wake = null;
  };
  return {
    push(item: T): void {
      if (done) return;
      items.push(item);
      notify();
    },
    end(): void {
      done = true;
      notify();
    },
    fail(err: unknown): void {
      error = err;
      done = true;
      notify();
    },
    async *[Symbol.asyncIterator](): AsyncGenerator<T> {
      for (;;) {
        while (items.length > 0) yield items.shift() as T;
        if (error) throw error;
        if (done) return;
        await new Promise<void>((r) => (wake = r));
      }
    },
  };
}
