import { describe, expect, it } from 'vitest';
import { listenerStream } from './listenerStream.js';

function source<T>() {
  const listeners = new Set<(item: T) => void>();
  return {
    subscribe(listener: (item: T) => void) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    emit: (item: T) => listeners.forEach((l) => l(item)),
    get listening() {
      return listeners.size;
    },
  };
}

describe('listenerStream', () => {
  it('yields items in order, including those that came while the reader was busy', async () => {
    const s = source<number>();
    const ctrl = new AbortController();
    const stream = listenerStream(s.subscribe, ctrl.signal);
    const first = stream.next();
    s.emit(1);
    s.emit(2);
    s.emit(3);
    expect(await first).toEqual({ value: 1, done: false });
    expect((await stream.next()).value).toBe(2);
    expect((await stream.next()).value).toBe(3);
    ctrl.abort();
  });

  it('a slow reader loses the oldest items past the buffer, not the newest', async () => {
    const s = source<number>();
    const ctrl = new AbortController();
    const stream = listenerStream(s.subscribe, ctrl.signal, 3);
    const first = stream.next();
    s.emit(0);
    expect((await first).value).toBe(0);
    for (let i = 1; i <= 10; i++) s.emit(i);
    const got = [(await stream.next()).value, (await stream.next()).value, (await stream.next()).value];
    expect(got).toEqual([8, 9, 10]);
    ctrl.abort();
  });

  it('ends when the signal aborts while waiting, and stops listening', async () => {
    const s = source<string>();
    const ctrl = new AbortController();
    const stream = listenerStream(s.subscribe, ctrl.signal);
    const pending = stream.next();
    expect(s.listening).toBe(1);
    ctrl.abort();
    expect(await pending).toEqual({ value: undefined, done: true });
    expect(s.listening).toBe(0);
  });

  it('stops listening when the reader returns early', async () => {
    const s = source<string>();
    const stream = listenerStream(s.subscribe, undefined);
    const pending = stream.next();
    s.emit('a');
    expect((await pending).value).toBe('a');
    await stream.return(undefined);
    expect(s.listening).toBe(0);
  });
});
