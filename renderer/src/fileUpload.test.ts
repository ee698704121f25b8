import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

vi.mock('./trpcClient', () => ({ hostToken: () => 'token' }));
const { CHUNK_RETRY_DELAYS_MS, uploadFile } = await import('./fileUpload');

const MiB = 1024 * 1024;

/** What the fake host answers one request: a status and body, no answer at all (the network), or a timeout. */
type Answer = { status: number; body: unknown } | 'network' | 'timeout' | 'garbage';

/** A stand-in for XMLHttpRequest: records each request and answers it as the test says. */
class FakeXhr {
  static sent: Array<{ method: string; url: string; bytes: number }> = [];
  static answer: (method: string, url: string, bytes: number) => Answer = () => ({ status: 200, body: {} });
  status = 0;
  responseText = '';
  timeout = 0;
  upload = { onprogress: null as ((e: { loaded: number }) => void) | null };
  onload: (() => void) | null = null;
  onerror: (() => void) | null = null;
  ontimeout: (() => void) | null = null;
  onabort: (() => void) | null = null;
  private method = '';
  private url = '';
  open(method: string, url: string): void {
    this.method = method;
    this.url = url;
  }
  setRequestHeader(): void {}
  abort(): void {
    this.onabort?.();
  }
  send(body: Blob | null): void {
    const bytes = body?.size ?? 0;
    FakeXhr.sent.push({ method: this.method, url: this.url, bytes });
    const a = FakeXhr.answer(this.method, this.url, bytes);
    queueMicrotask(() => {
      if (a === 'network') return this.onerror?.();
      if (a === 'timeout') return this.ontimeout?.();
      this.status = a === 'garbage' ? 200 : a.status;
      this.responseText = a === 'garbage' ? '{not json' : JSON.stringify(a.body);
      this.onload?.();
    });
  }
}

/** An AbortSignal that counts its listeners: every request must take its own back. */
function countingSignal(): { signal: AbortSignal; controller: AbortController; listeners: () => number } {
  const controller = new AbortController();
  let count = 0;
  const add = controller.signal.addEventListener.bind(controller.signal);
  const remove = controller.signal.removeEventListener.bind(controller.signal);
  controller.signal.addEventListener = ((...args: Parameters<typeof add>) => {
    count++;
    add(...args);
  }) as typeof add;
  controller.signal.removeEventListener = ((...args: Parameters<typeof remove>) => {
    count--;
    remove(...args);
  }) as typeof remove;
  return { signal: controller.signal, controller, listeners: () => count };
}

const HANDLE = 'A'.repeat(22);
const begun = { status: 201, body: { upload: HANDLE, name: 'model.gguf', size: 0, chunkBytes: 4 * MiB, maxChunkBytes: 64 * MiB } };
/** The host's side: where the upload stands, as the real one counts it. */
let received = 0;
const accept = (url: string, bytes: number): Answer => {
  const offset = Number(new URL(url, 'http://x').searchParams.get('offset'));
  if (offset !== received) return { status: 409, body: { error: { message: 'out of order', pagiCode: 'CONFLICT' }, received } };
  received += bytes;
  return { status: 200, body: { upload: HANDLE, received, complete: false } };
};

describe('the browser upload client: retries a failed chunk, gives up cleanly, leaks nothing', () => {
  const deletes: string[] = [];
  beforeEach(() => {
    vi.useFakeTimers();
    FakeXhr.sent = [];
    received = 0;
    deletes.length = 0;
    vi.stubGlobal('XMLHttpRequest', FakeXhr);
    vi.stubGlobal('fetch', (url: string, init: { method: string }) => {
      if (init.method === 'DELETE') deletes.push(url);
      return Promise.resolve(new Response(null, { status: 204 }));
    });
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllGlobals();
  });
  const file = (size: number) => new File([new Uint8Array(size)], 'model.gguf');
  const run = async <T>(p: Promise<T>): Promise<T> => {
    // each retry waits: let the fake clock run until the upload settles
    let settled = false;
    void p.then(() => (settled = true), () => (settled = true));
    while (!settled) await vi.advanceTimersByTimeAsync(100);
    return p;
  };

  it('sends a chunk again after a network failure, halves the chunk after a timeout (not below 1 MiB), and leaves no listener behind', async () => {
    // by the number of the PUT: the second chunk fails three times (the last try gets through), a later one once
    const plan: Record<number, Answer> = { 2: 'network', 3: 'timeout', 4: 'timeout', 6: { status: 503, body: { error: { message: 'busy' } } } };
    let puts = 0;
    FakeXhr.answer = (method, url, bytes) => (method === 'POST' ? begun : (plan[++puts] ?? accept(url, bytes)));
    const { signal, listeners } = countingSignal();
    const progress: number[] = [];
    const handle = await run(uploadFile(file(10 * MiB), 'model', (p) => progress.push(p.sent), signal));
    expect(handle).toBe(HANDLE);
    expect(received).toBe(10 * MiB);
    // 4 MiB, then at 4 MiB: network (4 again), timeout (4 → 2), timeout (2 → 1), then 1 MiB chunks; the 503 one sent again
    expect(FakeXhr.sent.filter((s) => s.method === 'PUT').map((p) => p.bytes / MiB)).toEqual([4, 4, 4, 2, 1, 1, 1, 1, 1, 1, 1]);
    expect(progress.at(-1)).toBe(10 * MiB);
    expect(deletes).toEqual([]);
    expect(listeners()).toBe(0);
  });

  it('goes on from where the host says it stands when a reply was lost', async () => {
    let lost = true;
    FakeXhr.answer = (method, url, bytes) => {
      if (method === 'POST') return begun;
      const a = accept(url, bytes);
      if (lost && received === 4 * MiB) {
        lost = false;
        return 'network'; // the host has the chunk; the reply never came
      }
      return a;
    };
    await run(uploadFile(file(6 * MiB), 'model', () => undefined, new AbortController().signal));
    expect(FakeXhr.sent.filter((s) => s.method === 'PUT').map((p) => [p.url.split('=')[1], p.bytes / MiB])).toEqual([['0', 4], ['0', 4], [String(4 * MiB), 2]]);
  });

  it('gives up after three tries of one chunk, and then removes the upload on the host (DELETE)', async () => {
    FakeXhr.answer = (method) => (method === 'POST' ? begun : { status: 500, body: { error: { message: 'internal error: see the host log', pagiCode: 'INTERNAL' } } });
    const { signal, listeners } = countingSignal();
    await expect(run(uploadFile(file(5 * MiB), 'model', () => undefined, signal))).rejects.toThrow('internal error: see the host log');
    expect(FakeXhr.sent.filter((s) => s.method === 'PUT')).toHaveLength(1 + CHUNK_RETRY_DELAYS_MS.length);
    expect(deletes).toEqual([`/files/uploads/${HANDLE}`]);
    expect(listeners()).toBe(0);
  });

  it('does not retry what another try cannot change (a full disk), and an unreadable answer settles the upload instead of hanging it', async () => {
    FakeXhr.answer = (method) => (method === 'POST' ? begun : { status: 507, body: { error: { message: 'the disk is full', pagiCode: 'RESOURCE_EXHAUSTED' } } });
    await expect(run(uploadFile(file(MiB), 'model', () => undefined, new AbortController().signal))).rejects.toThrow('the disk is full');
    expect(FakeXhr.sent.filter((s) => s.method === 'PUT')).toHaveLength(1);
    expect(deletes).toHaveLength(1);

    FakeXhr.sent = [];
    FakeXhr.answer = (method) => (method === 'POST' ? begun : 'garbage');
    await expect(run(uploadFile(file(MiB), 'model', () => undefined, new AbortController().signal))).rejects.toThrow('PAGI Twin gave an answer this page cannot read');
  });

  it('a cancel stops at once, without retrying, and removes the upload', async () => {
    const controller = new AbortController();
    FakeXhr.answer = (method, url, bytes) => {
      if (method === 'POST') return begun;
      controller.abort();
      return accept(url, bytes);
    };
    await expect(run(uploadFile(file(8 * MiB), 'model', () => undefined, controller.signal))).rejects.toThrow('the upload was cancelled');
    expect(FakeXhr.sent.filter((s) => s.method === 'PUT')).toHaveLength(1);
    expect(deletes).toHaveLength(1);
  });
});
