import { useEffect, useRef } from 'react';
import { api } from '../trpcClient';

/**
 * Calls `onChange` each time a service changes state (a crash, a restart, a failure), as the
 * supervisor tells it, so views that show service states need not wait for their next poll.
 */
export function useServiceStateChanges(onChange: () => void): void {
  const latest = useRef(onChange);
  latest.current = onChange;
  useEffect(() => {
    const sub = api.system.stateChanges.subscribe(undefined, {
      onData: () => latest.current(),
      // the views keep polling; a lost stream only makes them slower to notice
      onError: () => undefined,
    });
    return () => sub.unsubscribe();
  }, []);
}
