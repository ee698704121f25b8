import type { GenerateChunk } from '../common/contract.js';

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

/**
 * Runs a generation whose text chunks are coalesced: text is handed on at most every `intervalMs`,
 * any other chunk passes at once (after the text before it), and what is left is handed on at the end.
 */
export async function withCoalescedText<T>(intervalMs: number, emit: (chunk: GenerateChunk) => void, run: (emit: (chunk: GenerateChunk) => void) => Promise<T>): Promise<T> {
  const out = createTextCoalescer(intervalMs, (text) => emit({ type: 'text', text }));
  try {
    const result = await run((chunk) => {
      if (chunk.type === 'text') {
        out.push(chunk.text);
        return;
      }
      out.flush();
      emit(chunk);
    });
    out.flush();
    return result;
  } finally {
    out.close();
  }
}
