import { createTRPCClient, httpLink, httpSubscriptionLink, splitLink, TRPCClientError } from '@trpc/client';
import { EventSource } from 'eventsource';
import type { inferRouterInputs } from '@trpc/server';
import type { AppRouter, ChatEvent } from '../api/router.js';
import { hintOf, PagiError, ERROR_CODES, type ErrorCode } from '../contracts/errors.js';
import { newId } from '../contracts/ids.js';
import type { TurnResult } from '../executive/common/contract.js';
import type { HeadlessHostFile } from './hostFile.js';

/** A typed tRPC client to a running host, authenticated with its token (header for calls, connection params for SSE). */
export function createHostClient(host: Pick<HeadlessHostFile, 'port' | 'token'>) {
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
    const data = err.data as { pagiCode?: string | null; code?: string; hint?: unknown } | undefined;
    const code = data?.pagiCode && (ERROR_CODES as readonly string[]).includes(data.pagiCode) ? (data.pagiCode as ErrorCode) : data?.code === 'UNAUTHORIZED' ? 'UNAUTHENTICATED' : 'UNAVAILABLE';
    const hint = hintOf(data);
    return hint ? PagiError.hinted(code, err.message, hint) : new PagiError(code, err.message);
  }
  return PagiError.from(err);
}

export type TurnRequest = Omit<inferRouterInputs<AppRouter>['chat']['send'], 'turnId'> & { turnId?: string };

/** How long a follower keeps trying to reach a host that stopped answering before it gives up. */
const LOST_HOST_MS = 10_000;

/**
 * Sends one turn (under a new id unless one is given) and follows it to its end: resolves with the
 * result, rejects with the turn's own error. Aborting `signal` asks the host to stop the turn (the
 * reply so far is kept). A host that cannot be reached for 10 s ends the wait with UNAVAILABLE.
 */
export async function sendTurn(client: HostClient, request: TurnRequest, opts: FollowOptions = {}): Promise<TurnResult> {
  const turnId = request.turnId ?? newId();
  await client.chat.send.mutate({ ...request, turnId });
  return followTurn(client, turnId, opts);
}

type FollowOptions = { onEvent?: (e: ChatEvent) => void; signal?: AbortSignal };

/** Writes more of a stopped or length-cut reply and follows it: resolves with the whole reply's result. */
export async function continueReply(client: HostClient, request: { turnId: string; continuationId?: string; maxTokens?: number | null }, opts: FollowOptions = {}): Promise<TurnResult> {
  const continuationId = request.continuationId ?? newId();
  await client.chat.continue.mutate({ ...request, continuationId });
  return followTurn(client, continuationId, opts);
}

/** Follows a turn (or a continuation, by its id) to its end; aborting `signal` asks the host to stop it. */
async function followTurn(client: HostClient, turnId: string, opts: FollowOptions): Promise<TurnResult> {
  const cancel = (): void => void client.chat.cancel.mutate({ turnId }).catch(() => undefined);
  opts.signal?.addEventListener('abort', cancel, { once: true });
  try {
    return await new Promise<TurnResult>((resolve, reject) => {
      let lost: ReturnType<typeof setTimeout> | null = null;
      const settle = (fn: () => void): void => {
        if (lost) clearTimeout(lost);
        sub.unsubscribe();
        fn();
      };
      const sub = client.chat.events.subscribe({ turnId }, {
        onData: ({ data: event }) => {
          opts.onEvent?.(event);
          if (event.type === 'done') settle(() => resolve(event.result));
          else if (event.type === 'failed') settle(() => reject(event.error.hint ? PagiError.hinted(event.error.code, event.error.message, event.error.hint) : new PagiError(event.error.code, event.error.message)));
        },
        onError: (err) => settle(() => reject(fromClientError(err))),
        onConnectionStateChange: (state) => {
          if (state.state === 'connecting' && state.error && !lost) {
            lost = setTimeout(() => settle(() => reject(new PagiError('UNAVAILABLE', `lost the connection to PAGI Twin (${state.error?.message ?? 'no answer'}); the turn may still finish — see the conversation's history`))), LOST_HOST_MS);
          } else if (state.state === 'pending' && lost) {
            clearTimeout(lost);
            lost = null;
          }
        },
      });
    });
  } finally {
    opts.signal?.removeEventListener('abort', cancel);
  }
}
