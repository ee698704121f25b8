import { describe, expect, it } from 'vitest';
import type { ClientOf } from '../contracts/contract.js';
import type { BusEvent } from '../contracts/events.js';
import type { busContract } from '../runtime/common/busContract.js';
import type { ServiceStateChange, ServiceStateListener } from '../runtime/common/serviceStatus.js';
import { createWatchFeed } from './watchFeed.js';
import type { WatchNotice } from './watchNotices.js';

/** A supervisor that tells state changes on demand, and an event log that never has anything. */
function fakeSources() {
  const listeners = new Set<ServiceStateListener>();
  const quietBus = {
    read: () => Promise.resolve({ events: [] as BusEvent[], headOffset: 0, firstOffset: 1 }),
    subscribe: (_input: unknown, opts: { signal?: AbortSignal }) => new Promise<{ endedAt: number }>((resolve) => opts.signal?.addEventListener('abort', () => resolve({ endedAt: Date.now() }))),
    ack: ({ offset }: { offset: number }) => Promise.resolve({ acked: offset }),
  } as unknown as ClientOf<typeof busContract>;
  return {
    sources: {
      onStateChange(listener: ServiceStateListener) {
        listeners.add(listener);
        return () => void listeners.delete(listener);
      },
      bus: () => quietBus,
      twinId: () => 'twin-1',
    },
    change(id: string, state: ServiceStateChange['state'], restarts = 0) {
      for (const l of listeners) l({ id, state, restarts, lastError: null, at: Date.now() });
    },
  };
}

const noticeOf = (r: IteratorResult<unknown>): WatchNotice => (r.value as [string, WatchNotice])[1];
const idOf = (r: IteratorResult<unknown>): string => (r.value as [string, WatchNotice])[0];

describe('the watch feed', () => {
  it('starts with ready, then tells each state change in order', async () => {
    const f = fakeSources();
    const feed = createWatchFeed(f.sources, { lingerMs: 10 });
    const ctl = new AbortController();
    const stream = feed.follow(undefined, ctl.signal);
    expect(noticeOf(await stream.next())).toEqual({ kind: 'ready', resumed: false });
    const next = stream.next();
    f.change('emotion', 'restarting', 1);
    f.change('emotion', 'running', 1);
    expect(noticeOf(await next)).toMatchObject({ kind: 'service', change: { id: 'emotion', state: 'restarting' } });
    expect(noticeOf(await stream.next())).toMatchObject({ kind: 'service', change: { id: 'emotion', state: 'running' } });
    ctl.abort();
    expect((await stream.next()).done).toBe(true);
    feed.close();
  });

  it('a slow reader costs at most the ring: it gets one resync, then the newest notices', async () => {
    const f = fakeSources();
    const feed = createWatchFeed(f.sources, { capacity: 64, lingerMs: 10 });
    const ctl = new AbortController();
    const slow = feed.follow(undefined, ctl.signal);
    expect(noticeOf(await slow.next())).toMatchObject({ kind: 'ready' });
    // the reader does not read while 10 000 notices come
    for (let i = 0; i < 10_000; i++) f.change('perception', i % 2 ? 'running' : 'restarting', i);
    expect(feed.buffered).toBeLessThanOrEqual(64);
    expect(noticeOf(await slow.next())).toEqual({ kind: 'resync', reason: 'fell-behind' });
    const after = slow.next();
    f.change('perception', 'failed', 10_000);
    expect(noticeOf(await after)).toMatchObject({ kind: 'service', change: { state: 'failed', restarts: 10_000 } });
    ctl.abort();
    feed.close();
  });

  it('a reconnect with the last id resumes with what it missed; an unknown id starts afresh', async () => {
    const f = fakeSources();
    const feed = createWatchFeed(f.sources, { lingerMs: 10 });
    const first = new AbortController();
    const stream = feed.follow(undefined, first.signal);
    await stream.next();
    const next = stream.next();
    f.change('emotion', 'restarting', 1);
    const seen = await next;
    first.abort();
    await stream.next();
    // missed while away
    f.change('emotion', 'running', 1);
    const again = new AbortController();
    const resumed = feed.follow(idOf(seen), again.signal);
    expect(noticeOf(await resumed.next())).toEqual({ kind: 'ready', resumed: true });
    expect(noticeOf(await resumed.next())).toMatchObject({ kind: 'service', change: { state: 'running' } });
    again.abort();
    const stranger = new AbortController();
    const fresh = feed.follow('elsewhere.12', stranger.signal);
    expect(noticeOf(await fresh.next())).toEqual({ kind: 'ready', resumed: false });
    stranger.abort();
    feed.close();
  });

  it('ends every stream when the host closes it', async () => {
    const f = fakeSources();
    const feed = createWatchFeed(f.sources, { lingerMs: 10 });
    const stream = feed.follow(undefined, new AbortController().signal);
    await stream.next();
    const pending = stream.next();
    feed.close();
    expect((await pending).done).toBe(true);
  });
});
