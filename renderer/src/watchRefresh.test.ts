import { QueryClient } from '@tanstack/react-query';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { WatchNotice } from '../../core/api/router';
import { createWatchRefresher } from './watchRefresh';

const event = (over: Partial<Extract<WatchNotice, { kind: 'event' }>>): WatchNotice => ({ kind: 'event', offset: 1, topic: 't', areas: [], ...over });

describe('what a notice makes the app fetch again', () => {
  afterEach(() => vi.useRealTimers());

  it('gathers a burst into one invalidation of the queries its areas name', () => {
    vi.useFakeTimers();
    const qc = new QueryClient();
    const invalidate = vi.spyOn(qc, 'invalidateQueries');
    const refresher = createWatchRefresher(qc, 100);
    refresher.apply(event({ topic: 'turn.completed', areas: ['mood', 'memory', 'working'] }));
    refresher.apply(event({ topic: 'emotion.changed', areas: ['mood'] }));
    expect(invalidate).not.toHaveBeenCalled();
    vi.advanceTimersByTime(100);
    expect(invalidate).toHaveBeenCalledTimes(1);
    const { predicate } = invalidate.mock.calls[0]?.[0] as unknown as { predicate: (q: { queryKey: unknown[] }) => boolean };
    expect(predicate({ queryKey: ['emotion.history'] })).toBe(true);
    expect(predicate({ queryKey: ['memory.facts', false] })).toBe(true);
    expect(predicate({ queryKey: ['models.status'] })).toBe(false);
    expect(predicate({ queryKey: ['system.status'] })).toBe(false);
  });

  it('writes download progress into the cached list with no request', () => {
    vi.useFakeTimers();
    const qc = new QueryClient();
    qc.setQueryData(['models.downloads'], [{ id: 'd1', status: 'downloading', downloadedBytes: 0, totalBytes: 100, bytesPerSecond: null, etaSeconds: null }]);
    const invalidate = vi.spyOn(qc, 'invalidateQueries');
    const refresher = createWatchRefresher(qc, 100);
    refresher.apply(event({ areas: ['downloads'], download: { id: 'd1', status: 'downloading', downloadedBytes: 40, totalBytes: 100, bytesPerSecond: 10, etaSeconds: 6 } }));
    vi.advanceTimersByTime(100);
    expect(invalidate).not.toHaveBeenCalled();
    expect(qc.getQueryData(['models.downloads'])).toEqual([{ id: 'd1', status: 'downloading', downloadedBytes: 40, totalBytes: 100, bytesPerSecond: 10, etaSeconds: 6 }]);
  });

  it('a service change refreshes the status; lost notices refresh everything', () => {
    vi.useFakeTimers();
    const qc = new QueryClient();
    const invalidate = vi.spyOn(qc, 'invalidateQueries');
    const refresher = createWatchRefresher(qc, 100);
    refresher.apply({ kind: 'service', change: { id: 'social', state: 'failed', restarts: 3, lastError: null, at: 1 } });
    vi.advanceTimersByTime(100);
    const { predicate } = invalidate.mock.calls[0]?.[0] as unknown as { predicate: (q: { queryKey: unknown[] }) => boolean };
    expect(predicate({ queryKey: ['system.status'] })).toBe(true);
    refresher.apply({ kind: 'resync', reason: 'fell-behind' });
    vi.advanceTimersByTime(100);
    expect(invalidate.mock.calls[1]).toEqual([]);
  });
});
