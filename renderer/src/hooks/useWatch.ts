import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef } from 'react';
import type { WatchNotice } from '../../../core/api/router';
import { api } from '../trpcClient';
import { createWatchRefresher } from '../watchRefresh';

type NoticeListener = (notice: WatchNotice) => void;
const listeners = new Set<NoticeListener>();

/**
 * Opens the app's one `events.watch` stream (call once, in App): each notice makes the right
 * queries stale, so no view polls. The first `ready` finds nothing cached yet; a later one means the
 * stream was lost and came back, and everything is asked again once.
 */
export function useWatch(enabled = true): void {
  const qc = useQueryClient();
  useEffect(() => {
    if (!enabled) return;
    const refresher = createWatchRefresher(qc);
    let connected = false;
    const sub = api.events.watch.subscribe(undefined, {
      onData: ({ data: notice }) => {
        if (notice.kind === 'ready' && !connected) connected = true;
        else refresher.apply(notice);
        for (const listener of [...listeners]) listener(notice);
      },
      // the link reconnects by itself (resuming after the last notice); nothing to do but wait for `ready`
      onError: () => undefined,
    });
    return () => {
      sub.unsubscribe();
      refresher.stop();
    };
  }, [qc, enabled]);
}

/** Tells `onNotice` each notice of the app's stream while the calling component is shown (e.g. the event log's new rows). */
export function useWatchNotices(onNotice: NoticeListener): void {
  const latest = useRef(onNotice);
  latest.current = onNotice;
  useEffect(() => {
    const listener: NoticeListener = (n) => latest.current(n);
    listeners.add(listener);
    return () => void listeners.delete(listener);
  }, []);
}
