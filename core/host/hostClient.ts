import { createTRPCClient, httpLink, httpSubscriptionLink, splitLink, TRPCClientError } from '@trpc/client';
import { EventSource } from 'eventsource';
import type { AppRouter } from '../api/router.js';
import { PagiError, ERROR_CODES, type ErrorCode } from '../contracts/errors.js';
import type { HostFile } from './hostFile.js';

/** A typed tRPC client to a running host, authenticated with its token (header for calls, connection params for SSE). */
export function createHostClient(host: Pick<HostFile, 'port' | 'token'>) {
  const url = `http://127.0.0.1:${host.port}/trpc`;
  return createTRPCClient<AppRouter>({
    links: [
      splitLink({
        condition: (op) => op.type === 'subscription',
        true: httpSubscriptionLink({ url, connectionParams: { token: host.token }, EventSource }),
        false: httpLink({ url, headers: { authorization: `Bearer ${host.token}` } }),
      }),
    ],
  });
}

export type HostClient = ReturnType<typeof createHostClient>;

/** A tRPC client error back as the PagiError the service raised. */
export function fromClientError(err: unknown): PagiError {
  if (err instanceof TRPCClientError) {
    const data = err.data as { pagiCode?: string | null; code?: string } | undefined;
    const code = data?.pagiCode && (ERROR_CODES as readonly string[]).includes(data.pagiCode) ? (data.pagiCode as ErrorCode) : data?.code === 'UNAUTHORIZED' ? 'UNAUTHENTICATED' : 'UNAVAILABLE';
    return new PagiError(code, err.message);
  }
  return PagiError.from(err);
}
