import { tracked, type TrackedEnvelope } from '@trpc/server';
import { z } from 'zod';
import { hintOf, PagiError, type ErrorCode, type ErrorHint } from '../contracts/errors.js';
import { idSchema } from '../contracts/ids.js';

/** How an operation ended: the last event of its stream, always sent, never thrown. */
export type FinalEvent<R> = { type: 'done'; result: R } | { type: 'failed'; error: { code: ErrorCode; message: string; hint?: ErrorHint } };
export type OperationEvent<E, R> = E | FinalEvent<R>;
export type OperationState = 'running' | 'done' | 'failed';

export interface OperationHubOptions {
  /** How long a finished operation's events stay for a client that comes back. */
  retainMs?: number;
  /** At most this many operations are remembered; the oldest finished ones go first. */
  maxOperations?: number;
  /** Rewrites a failure's message before a client sees it (the host keeps its folders out of it). */
  scrubMessage?: (message: string) => string;
}

interface Operation<E, R> {
  kind: string;
  events: Array<OperationEvent<E, R>>;
  state: OperationState;
  controller: AbortController;
  wake: Set<() => void>;
  finishedAt: number | null;
}

/** Input of a subscription that follows an operation; tRPC adds `lastEventId` when it reconnects. */
export function followInput<K extends string>(key: K) {
  return z.object({ [key]: idSchema, lastEventId: z.string().max(20).nullish() } as { [P in K]: typeof idSchema } & { lastEventId: z.ZodOptional<z.ZodNullable<z.ZodString>> }).strict();
}

export function failedEvent(err: unknown, scrubMessage: (message: string) => string = (m) => m): FinalEvent<never> {
  const e = PagiError.from(err);
  const hint = hintOf(e);
  return { type: 'failed', error: { code: e.code, message: scrubMessage(e.message), ...(hint ? { hint } : {}) } };
}

/**
 * Long operations a host runs for its clients — chat turns, bundle export and import — keyed by an id
 * the client makes. Starting is idempotent (a known id never runs twice), and following is separate
 * from starting: a client that reconnects (tRPC resends `lastEventId`) gets the events it missed and
 * the rest, ending with one final event. Nothing a follower does can start the work again, and a
 * failure is an event, not a thrown error a transport might answer by retrying.
 */
export function createOperationHub<E, R>(opts: OperationHubOptions = {}) {
  const retainMs = opts.retainMs ?? 10 * 60_000;
  const maxOperations = opts.maxOperations ?? 1_000;
  const operations = new Map<string, Operation<E, R>>();

  const push = (op: Operation<E, R>, event: OperationEvent<E, R>): void => {
    op.events.push(event);
    for (const w of [...op.wake]) w();
    op.wake.clear();
  };

  const forgetOld = (): void => {
    const now = Date.now();
    for (const [id, op] of operations) if (op.finishedAt !== null && now - op.finishedAt > retainMs) operations.delete(id);
    if (operations.size < maxOperations) return;
    const finished = [...operations].filter(([, op]) => op.finishedAt !== null).sort((a, b) => (a[1].finishedAt ?? 0) - (b[1].finishedAt ?? 0));
    for (const [id] of finished.slice(0, operations.size - maxOperations + 1)) operations.delete(id);
    if (operations.size >= maxOperations) throw new PagiError('RESOURCE_EXHAUSTED', `${operations.size} operations are running; wait for some to finish`);
  };

  return {
    /**
     * Runs `run` under `id` unless an operation of that id is known here: then nothing new runs and
     * `started` is false. `emit` adds an event for followers; the result or error ends the stream.
     */
    start(id: string, kind: string, run: (emit: (event: E) => void, signal: AbortSignal) => Promise<R>): { started: boolean; state: OperationState } {
      const known = operations.get(id);
      if (known) {
        if (known.kind !== kind) throw new PagiError('CONFLICT', `operation ${id} is a ${known.kind}, not a ${kind}: make a new id`);
        return { started: false, state: known.state };
      }
      forgetOld();
      const op: Operation<E, R> = { kind, events: [], state: 'running', controller: new AbortController(), wake: new Set(), finishedAt: null };
      operations.set(id, op);
      const end = (state: OperationState, event: FinalEvent<R>): void => {
        op.state = state;
        op.finishedAt = Date.now();
        push(op, event);
      };
      // `run` may throw synchronously or never touch `emit`: either way exactly one final event follows
      Promise.resolve()
        .then(() => run((event) => op.state === 'running' && push(op, event), op.controller.signal))
        .then((result) => end('done', { type: 'done', result }), (err: unknown) => end('failed', failedEvent(err, opts.scrubMessage)));
      return { started: true, state: op.state };
    },

    state(id: string): OperationState | null {
      return operations.get(id)?.state ?? null;
    },

    /** Asks a running operation to stop (its run sees the abort); false when it is not running here. */
    cancel(id: string): boolean {
      const op = operations.get(id);
      if (!op || op.state !== 'running') return false;
      op.controller.abort();
      return true;
    },

    /**
     * The events of `id` after `lastEventId` (tracked, so a reconnecting client resumes), then live
     * ones up to the final event. Null when no operation of this id and kind is known here.
     */
    follow(id: string, kind: string, lastEventId: string | null | undefined, signal: AbortSignal | undefined): AsyncGenerator<TrackedEnvelope<OperationEvent<E, R>>> | null {
      const op = operations.get(id);
      if (!op || op.kind !== kind) return null;
      const after = lastEventId && /^\d{1,9}$/.test(lastEventId) ? Number(lastEventId) : -1;
      return (async function* () {
        let pending: (() => void) | null = null;
        const onAbort = (): void => pending?.();
        signal?.addEventListener('abort', onAbort, { once: true });
        try {
          for (let i = after + 1; ; ) {
            while (i < op.events.length) {
              yield tracked(String(i), op.events[i] as OperationEvent<E, R>);
              i++;
            }
            if (op.state !== 'running' || signal?.aborted) return;
            await new Promise<void>((wake) => {
              pending = wake;
              op.wake.add(wake);
            });
          }
        } finally {
          signal?.removeEventListener('abort', onAbort);
          if (pending) op.wake.delete(pending);
        }
      })();
    },

    /** Operations still running (a host stopping waits for or cancels them). */
    running(): string[] {
      return [...operations].filter(([, op]) => op.state === 'running').map(([id]) => id);
    },
  };
}

export type OperationHub<E, R> = ReturnType<typeof createOperationHub<E, R>>;
