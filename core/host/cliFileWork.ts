import type { FileWorkEvent } from '../api/fileWork.js';
import type { OperationProgress } from '../api/coreAccess.js';
import { PagiError } from '../contracts/errors.js';
import { newId } from '../contracts/ids.js';
import { fromClientError } from './hostClient.js';

type Handlers<R> = { onData: (e: { data: FileWorkEvent<R> }) => void; onError: (err: unknown) => void };

const amount = (p: OperationProgress): string =>
  !p.total ? '…' : p.unit === 'bytes' ? `: ${(p.done / 1e6).toFixed(1)} MB of ${(p.total / 1e6).toFixed(1)} MB` : `: ${p.done} of ${p.total} ${p.unit}`;

/**
 * Starts long work on files (a bundle, an import) under a new id and shows its progress until its
 * final event: the result, or its error. The id makes a resent start harmless; the events are
 * followed separately, so a dropped connection never starts the work again.
 */
export async function runFileWork<R>(start: (operationId: string) => Promise<unknown>, subscribe: (operationId: string, handlers: Handlers<R>) => { unsubscribe(): void }, json: boolean): Promise<R> {
  const operationId = newId();
  await start(operationId);
  return new Promise((resolveResult, reject) => {
    const sub = subscribe(operationId, {
      onData: ({ data: e }) => {
        if (e.type === 'progress') {
          if (!json) process.stderr.write(`\r${e.progress.phase}${amount(e.progress)}      `);
          return;
        }
        if (!json) process.stderr.write('\n');
        sub.unsubscribe();
        if (e.type === 'done') resolveResult(e.result);
        else reject(new PagiError(e.error.code, e.error.message));
      },
      onError: (err) => {
        if (!json) process.stderr.write('\n');
        reject(fromClientError(err));
      },
    });
  });
}
