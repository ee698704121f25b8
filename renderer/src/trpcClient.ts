import { createTRPCClient, httpBatchLink, httpSubscriptionLink, splitLink, type TRPCLink } from '@trpc/client';
import { ipcLink } from 'trpc-electron/renderer';
import type { AppRouter } from '../../core/api/router';

/**
 * The one place that knows how the renderer reaches the core (the other is main/trpcIpc.ts):
 * tRPC over IPC inside Electron, over HTTP + SSE against `pagi serve` in a browser.
 */
const TOKEN_KEY = 'pagi.token';

function takeToken(): string | null {
  const fromHash = new URLSearchParams(location.hash.slice(1)).get('token');
  if (fromHash) {
    sessionStorage.setItem(TOKEN_KEY, fromHash);
    history.replaceState(null, '', location.pathname + location.search); // keep the token out of the address bar
    return fromHash;
  }
  return sessionStorage.getItem(TOKEN_KEY);
}

function links(): TRPCLink<AppRouter>[] {
  if ('electronTRPC' in window) return [ipcLink<AppRouter>()];
  const token = takeToken();
  const url = `${location.origin}/trpc`;
  return [
    splitLink({
      condition: (op) => op.type === 'subscription',
      true: httpSubscriptionLink({ url, connectionParams: { token: token ?? '' } }),
      false: httpBatchLink({ url, headers: { authorization: `Bearer ${token ?? ''}` } }),
    }),
  ];
}

export const api = createTRPCClient<AppRouter>({ links: links() });
/** The headless host's token, for its file routes (uploads); null inside Electron, which has no HTTP host. */
export const hostToken = (): string | null => ('electronTRPC' in window ? null : sessionStorage.getItem(TOKEN_KEY));
export const hasCredentials = (): boolean => 'electronTRPC' in window || !!sessionStorage.getItem(TOKEN_KEY) || location.hash.includes('token=');
