import { describe, expect, it } from 'vitest';
import { isPagiError, PagiError } from '../../contracts/errors.js';
import { createSequencePool, type SequenceLease } from './sequencePool.js';

/** Lets queued promise callbacks run. */
const settle = () => new Promise<void>((r) => setImmediate(r));

const track = <T>(p: Promise<T>) => {
  const t: { value?: T; error?: PagiError; done: boolean } = { done: false };
  p.then((v) => Object.assign(t, { value: v, done: true }), (e: unknown) => Object.assign(t, { error: PagiError.from(e), done: true }));
  return t;
};

describe('the sequence pool', () => {
  it('lends free sequences at once and reuses the ones given back, never more than it has', async () => {
    const pool = createSequencePool(['a', 'b']);
    const x = await pool.acquire();
    const y = await pool.acquire();
    expect([x.sequence, y.sequence].sort()).toEqual(['a', 'b']);
    expect(pool.busy).toBe(2);
    const z = track(pool.acquire());
    await settle();
    expect(z.done).toBe(false);
    y.release();
    y.release(); // twice is once
    await settle();
    expect(z.value?.sequence).toBe(y.sequence);
    expect(pool.busy).toBe(2);
    expect(pool.waiting).toBe(0);
  });

  it('serves waiters first come, first served, and tells each how many wait ahead as that changes', async () => {
    const pool = createSequencePool(['only']);
    const first = await pool.acquire();
    const order: number[] = [];
    const ahead: number[][] = [[], [], []];
    const waits = [0, 1, 2].map((i) => pool.acquire({ onWaiting: (n) => ahead[i]?.push(n) }).then((l) => (order.push(i), l)));
    expect(ahead).toEqual([[0], [1], [2]]);
    first.release();
    const l0 = await waits[0];
    expect(ahead).toEqual([[0], [1, 0], [2, 1]]);
    l0?.release();
    (await waits[1])?.release();
    (await waits[2])?.release();
    expect(order).toEqual([0, 1, 2]);
    expect(ahead).toEqual([[0], [1, 0], [2, 1, 0]]);
  });

  it('a waiter that is aborted leaves the queue at once with CANCELLED; those behind it move up', async () => {
    const pool = createSequencePool(['only']);
    const held = await pool.acquire();
    const ctl = new AbortController();
    const ahead: number[] = [];
    const a = track(pool.acquire());
    const b = track(pool.acquire({ signal: ctl.signal }));
    const c = track(pool.acquire({ onWaiting: (n) => ahead.push(n) }));
    expect(pool.waiting).toBe(3);
    ctl.abort();
    await settle();
    expect(b.error?.code).toBe('CANCELLED');
    expect(pool.waiting).toBe(2);
    expect(ahead).toEqual([2, 1]);
    held.release();
    await settle();
    expect(a.value?.sequence).toBe('only');
    a.value?.release();
    await settle();
    expect(c.value?.sequence).toBe('only');
    // already aborted: refused without queueing
    await expect(pool.acquire({ signal: AbortSignal.abort() })).rejects.toSatisfy((e) => isPagiError(e, 'CANCELLED'));
  });

  it('past the bound a new generation fails at once with RESOURCE_EXHAUSTED, in words', async () => {
    const pool = createSequencePool(['only'], { maxWaiting: 2 });
    await pool.acquire();
    const queued = [track(pool.acquire()), track(pool.acquire())];
    const err = await pool.acquire().catch((e: unknown) => PagiError.from(e));
    expect(err).toBeInstanceOf(PagiError);
    expect((err as PagiError).code).toBe('RESOURCE_EXHAUSTED');
    expect((err as PagiError).message).toMatch(/busy: 2 replies are already waiting/);
    await settle();
    expect(queued.every((q) => !q.done)).toBe(true);
  });

  it('closing fails the waiters at once, aborts the holders, and resolves only when every sequence is back', async () => {
    const pool = createSequencePool(['a', 'b']);
    const holders: Array<SequenceLease<string>> = [await pool.acquire(), await pool.acquire()];
    const waiter = track(pool.acquire());
    const closed = track(pool.close('replaced by other.gguf'));
    await settle();
    expect(waiter.error?.code).toBe('UNAVAILABLE');
    expect(waiter.error?.message).toMatch(/unloaded \(replaced by other\.gguf\) before this reply started/);
    expect(holders.every((h) => h.closing.aborted)).toBe(true);
    expect(PagiError.from(holders[0]?.closing.reason).message).toMatch(/while this reply was being written/);
    holders[0]?.release();
    await settle();
    expect(closed.done).toBe(false);
    holders[1]?.release();
    await settle();
    expect(closed.done).toBe(true);
    await expect(pool.acquire()).rejects.toSatisfy((e) => isPagiError(e, 'UNAVAILABLE'));
    await expect(pool.close('again')).resolves.toBeUndefined();
  });
});
