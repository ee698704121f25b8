/** Collects streamed text and hands it on at most every `intervalMs`, so a token costs a string append, not a message. */
export function createTextCoalescer(intervalMs: number, deliver: (text: string) => void) {
  let buffer = '';
  let timer: ReturnType<typeof setTimeout> | null = null;
  let closed = false;
  const flush = (): void => {
    if (timer) clearTimeout(timer);
    timer = null;
    if (buffer && !closed) {
      const text = buffer;
      buffer = '';
      deliver(text);
    }
  };
  return {
    push(text: string): void {
      if (closed) return;
      buffer += text;
      if (intervalMs === 0) flush();
      else timer ??= setTimeout(flush, intervalMs);
    },
    flush,
    close(): void {
      flush();
      closed = true;
    },
  };
}
