import { tracked, type TrackedEnvelope } from '@trpc/server';
import { isAbsolute } from 'node:path';
import { z } from 'zod';
import { PagiError } from '../contracts/errors.js';
import { idSchema } from '../contracts/ids.js';
import type { ApiContext, FileWorkResult, OperationProgress, ProgressEvent } from './coreAccess.js';
import { failedEvent, followInput, type OperationEvent } from './operationHub.js';
import { procedure } from './trpc.js';

/** Long work on files (bundles, imports): progress events, then one final event. */
export type FileWorkEvent<R> = OperationEvent<ProgressEvent, R>;

export const operationId = idSchema;
/**
 * A path on the host's machine: absolute, as the CLI and the desktop dialogs give it. A relative one
 * would be resolved against wherever the host was started — no caller means that.
 */
export const filePath = (...extensions: string[]) =>
  z.string().min(1, 'give a file path').max(4096)
    .refine((p) => isAbsolute(p), { message: 'give the full path of the file (from the root of the disk), not a path relative to where the app was started' })
    .refine((p) => extensions.some((ext) => p.toLowerCase().endsWith(ext)), { message: `the file name must end in ${extensions.join(' or ')}` });

/** Starts the work under the client's id (once), reporting at most ten progress events a second. */
export function startFileWork(ctx: ApiContext, id: string, kind: string, run: (onProgress: (p: OperationProgress) => void, signal: AbortSignal) => Promise<FileWorkResult>): { operationId: string } {
  let last = 0;
  ctx.operations.files.start(id, kind, (emit, signal) =>
    run((progress) => {
      const now = Date.now();
      if (now - last < 100 && progress.done < progress.total) return;
      last = now;
      emit({ type: 'progress', progress });
    }, signal),
  );
  return { operationId: id };
}

/** Progress, then one final event (`done` with the result, or `failed`): never an error a transport could retry. */
export function followFileWork<R extends FileWorkResult>(kind: string) {
  return procedure.input(followInput('operationId')).subscription(async function* ({ ctx, input, signal }): AsyncGenerator<TrackedEnvelope<FileWorkEvent<R>>> {
    const live = ctx.operations.files.follow(input.operationId, kind, input.lastEventId, signal) as AsyncGenerator<TrackedEnvelope<FileWorkEvent<R>>> | null;
    if (live) return yield* live;
    yield tracked('0', failedEvent(new PagiError('NOT_FOUND', `no ${kind} ${input.operationId} is running or finished lately in this app: start it again`)));
  });
}
