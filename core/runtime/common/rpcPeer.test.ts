import { describe, expect, it } from 'vitest';
import { PagiError } from '../../contracts/errors.js';
import { RpcPeer, type RequestHandler } from './rpcPeer.js';

/** Two peers joined by structuredClone-ing queues, as the in-process launcher does. */
function pair(handler: RequestHandler) {
  let b: RpcPeer | null = null;
  const a: RpcPeer = new RpcPeer('b', (m) => {
    const copy = structuredClone(m);
    setImmediate(() => b?.receive(copy));
  });
  b = new RpcPeer('a', (m) => {
    const copy = structuredClone(m);
    setImmediate(() => a.receive(copy));
  }, handler);
  return { a, b };
}

describe('RpcPeer', () => {
  it('returns values and carries errors as PagiError with their code', async () => {
    const { a } = pair(async (method, input) => {
      if (method === 'fail') throw new PagiError('NOT_FOUND', 'nothing here', { what: input });
      return { echo: input };
    });
    await expect(a.call('echo', 42)).resolves.toEqual({ echo: 42 });
    const err = await a.call('fail', 'x').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PagiError);
    expect((err as PagiError).code).toBe('NOT_FOUND');
    expect((err as PagiError).data).toEqual({ what: 'x' });
  });

  it('a stop ends the callee early and still brings its answer back; a cancel does not wait for one', async () => {
    const handler: RequestHandler = (_m, _i, ctx) =>
      new Promise((resolve) => {
        ctx.emit('first part');
        ctx.signal.addEventListener('abort', () => resolve('what was written so far'));
      });
    const { a } = pair(handler);
    const stop = new AbortController();
    const chunks: unknown[] = [];
    const answer = a.call('write', null, { stop: stop.signal, onChunk: (c) => { chunks.push(c); stop.abort(); } });
    await expect(answer).resolves.toBe('what was written so far');
    expect(chunks).toEqual(['first part']);
    const cancel = new AbortController();
    const cancelled = a.call('write', null, { signal: cancel.signal, onChunk: () => cancel.abort() });
    await expect(cancelled).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(a.pendingCount).toBe(0);
  });

  it('fails with DEADLINE_EXCEEDED and aborts the callee when the deadline passes', async () => {
    let aborted = false;
    const { a } = pair((_m, _i, ctx) => new Promise((resolve) => ctx.signal.addEventListener('abort', () => { aborted = true; resolve(null); })));
    const err = (await a.call('slow', null, { timeoutMs: 50 }).catch((e: unknown) => e)) as PagiError;
    expect(err.code).toBe('DEADLINE_EXCEEDED');
    await new Promise((r) => setTimeout(r, 30));
    expect(aborted).toBe(true);
    expect(a.pendingCount).toBe(0);
  });

  it('cancels through an AbortSignal and streams chunks before the result', async () => {
    const { a } = pair(async (_m, _i, ctx) => {
      for (let i = 0; i < 3; i++) ctx.emit(i);
      return 'end';
    });
    const chunks: unknown[] = [];
    await expect(a.call('s', null, { onChunk: (c) => chunks.push(c) })).resolves.toBe('end');
    expect(chunks).toEqual([0, 1, 2]);

    const { a: a2 } = pair((_m, _i, ctx) => new Promise((r) => ctx.signal.addEventListener('abort', () => r(null))));
    const ctl = new AbortController();
    const p = a2.call('wait', null, { signal: ctl.signal });
    ctl.abort();
    expect(((await p.catch((e: unknown) => e)) as PagiError).code).toBe('CANCELLED');
  });

  it('rejects pending calls with UNAVAILABLE when the peer resets', async () => {
    const { a } = pair(() => new Promise(() => undefined));
    const p = a.call('never', null);
    a.reset('exited with signal SIGKILL');
    const err = (await p.catch((e: unknown) => e)) as PagiError;
    expect(err.code).toBe('UNAVAILABLE');
    expect(err.message).toContain('SIGKILL');
  });

  it('a payload that cannot cross a process boundary fails as it would in production', async () => {
    const { a } = pair(async () => 1);
    await expect(a.call('x', { fn: () => 1 })).rejects.toMatchObject({ code: 'UNAVAILABLE', message: expect.stringMatching(/could not be cloned/) });
  });
});
