import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ApiOf, StreamHandlerContext } from '../../contracts/contract.js';
import { PagiError } from '../../contracts/errors.js';
import { inferenceContract, type GenerateChunk } from '../../inference/common/contract.js';
import { createClient, createContractHandler } from '../../runtime/common/contractServer.js';
import { RpcPeer } from '../../runtime/common/rpcPeer.js';
import { guardInference } from './inferenceGuard.js';

type Script = (ctx: StreamHandlerContext<GenerateChunk>) => Promise<unknown>;

const usage = { promptTokens: 3, completionTokens: 2, promptEvalMs: 1, timeToFirstTokenMs: 1, totalMs: 2, tokensPerSecond: null };
const reply = (text: string) => ({ text, stopReason: 'eos' as const, toolCalls: [], usage, model: 'm' });

/** Something the test opens when it wants: the fake inference's queue, or its generation. */
function gate() {
  let open = (): void => undefined;
  const opened = new Promise<void>((r) => (open = r));
  return { opened, open };
}

/**
 * A fake inference service behind a real RPC pair, so deadlines and cancels travel as they do
 * between processes: each call to generate runs the next script.
 */
function fakeInference(scripts: Script[]) {
  const calls: Array<{ aborted: boolean }> = [];
  const api = {
    generate: async (_input: unknown, ctx: StreamHandlerContext<GenerateChunk>) => {
      const call = { aborted: false };
      calls.push(call);
      ctx.signal.addEventListener('abort', () => (call.aborted = true));
      const script = scripts.shift();
      if (!script) throw new Error('no script left for this call');
      return script(ctx);
    },
  } as unknown as ApiOf<typeof inferenceContract>;
  let server: RpcPeer | null = null;
  const client = new RpcPeer('inference', (m) => queueMicrotask(() => server?.receive(structuredClone(m))));
  server = new RpcPeer('executive', (m) => queueMicrotask(() => client.receive(structuredClone(m))), createContractHandler(inferenceContract, api));
  return { client: createClient(inferenceContract, (method, input, o) => client.call(method, input, o)), calls };
}

/** Never settles on its own: the way a stuck generation looks from outside. */
const hang: Script = (ctx) => new Promise((resolve) => ctx.signal.addEventListener('abort', () => resolve(reply(''))));

const outcome = <T>(p: Promise<T>) => {
  const o: { value?: T; error?: PagiError; done: boolean } = { done: false };
  p.then((v) => Object.assign(o, { value: v, done: true }), (e: unknown) => Object.assign(o, { error: PagiError.from(e), done: true }));
  return o;
};

const input = { messages: [{ role: 'user' as const, content: 'hi' }] };
const opts = { generateTimeoutMs: 1_000, consecutiveTimeouts: 2, halfOpenAfterMs: 60_000 };

describe('the inference guard', () => {
  beforeEach(() => vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] }));
  afterEach(() => vi.useRealTimers());

  it('does not count time queued for the model: a turn that waits ten deadlines long still gets its reply', async () => {
    const queue = gate();
    const sent: GenerateChunk[] = [{ type: 'waiting', ahead: 2 }, { type: 'waiting', ahead: 1 }, { type: 'waiting', ahead: 0 }, { type: 'generating' }, { type: 'text', text: 'Hello' }];
    const { client, calls } = fakeInference([
      async (ctx) => {
        ctx.emit(sent[0] as GenerateChunk);
        await queue.opened;
        for (const c of sent.slice(1)) ctx.emit(c);
        return reply('Hello');
      },
    ]);
    const chunks: GenerateChunk[] = [];
    const call = outcome(guardInference(client, opts).generate(input, { onChunk: (c) => chunks.push(c) }));
    await vi.advanceTimersByTimeAsync(10_000);
    expect(call.done).toBe(false);
    queue.open();
    await vi.advanceTimersByTimeAsync(10);
    expect(call.error).toBeUndefined();
    expect(call.value?.text).toBe('Hello');
    expect(chunks).toEqual(sent); // passed through unchanged
    expect(calls[0]?.aborted).toBe(false);
  });

  it('a hang while generating fails with DEADLINE_EXCEEDED and cancels the generation in inference', async () => {
    const queue = gate();
    const { client, calls } = fakeInference([
      async (ctx) => {
        ctx.emit({ type: 'waiting', ahead: 0 });
        await queue.opened;
        ctx.emit({ type: 'generating' });
        return hang(ctx);
      },
    ]);
    const call = outcome(guardInference(client, opts).generate(input, { onChunk: () => undefined }));
    await vi.advanceTimersByTimeAsync(5_000);
    expect(call.done).toBe(false);
    queue.open();
    await vi.advanceTimersByTimeAsync(999);
    expect(call.done).toBe(false); // the deadline starts again in full with generation
    await vi.advanceTimersByTimeAsync(2);
    expect(call.error?.code).toBe('DEADLINE_EXCEEDED');
    expect(call.error?.message).toMatch(/did not finish the reply within 1 s of starting it/);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls[0]?.aborted).toBe(true);
  });

  it('counts from the call when inference never answers at all', async () => {
    const { client, calls } = fakeInference([hang]);
    const call = outcome(guardInference(client, opts).generate(input, { onChunk: () => undefined }));
    await vi.advanceTimersByTimeAsync(1_001);
    expect(call.error?.code).toBe('DEADLINE_EXCEEDED');
    await vi.advanceTimersByTimeAsync(1);
    expect(calls[0]?.aborted).toBe(true);
  });

  it('opens the breaker after consecutive hangs, but not for turns that waited long or were cancelled', async () => {
    const queue = gate();
    const { client, calls } = fakeInference([
      hang,
      async (ctx) => {
        ctx.emit({ type: 'waiting', ahead: 0 });
        await queue.opened;
        ctx.emit({ type: 'generating' });
        return reply('late but fine');
      },
      (ctx) => (ctx.emit({ type: 'waiting', ahead: 3 }), hang(ctx)),
      hang,
      hang,
    ]);
    const guarded = guardInference(client, opts);
    const run = () => outcome(guarded.generate(input, { onChunk: () => undefined }));
    const first = run();
    await vi.advanceTimersByTimeAsync(1_001);
    expect(first.error?.code).toBe('DEADLINE_EXCEEDED');
    const waited = run();
    await vi.advanceTimersByTimeAsync(30_000);
    queue.open();
    await vi.advanceTimersByTimeAsync(1);
    expect(waited.value?.text).toBe('late but fine');
    // cancelled by the user while queued: neither a timeout nor a success
    const ctl = new AbortController();
    const cancelled = outcome(guarded.generate(input, { signal: ctl.signal, onChunk: () => ctl.abort() }));
    await vi.advanceTimersByTimeAsync(1);
    expect(cancelled.error?.code).toBe('CANCELLED');
    const second = run();
    await vi.advanceTimersByTimeAsync(1_001);
    expect(second.error?.code).toBe('DEADLINE_EXCEEDED'); // one timeout since the last success: still closed
    const third = run();
    await vi.advanceTimersByTimeAsync(1_001);
    expect(third.error?.code).toBe('DEADLINE_EXCEEDED');
    const refused = run();
    await vi.advanceTimersByTimeAsync(1);
    expect(refused.error?.code).toBe('UNAVAILABLE');
    expect(refused.error?.data).toMatchObject({ circuitOpen: true });
    expect(calls).toHaveLength(5);
  });
});
