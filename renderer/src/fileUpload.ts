import * as z from 'zod/mini';
import type { FileKind } from '../../core/contracts/fileKinds';
import { hostToken } from './trpcClient';

/**
 * Uploads a file to the headless host in chunks (its route: core/host/fileRoutes.ts): the browser
 * reads one slice at a time, so a file of many GB never sits in memory, and each chunk reports its
 * progress. A chunk that fails is sent again (the host took back what of it arrived): a blip on the
 * network costs a chunk, not a model of many GB. Resolves to the handle that tRPC calls take instead
 * of a path.
 */
export interface UploadProgress { sent: number; total: number }

const MiB = 1024 * 1024;
/** Tries after a chunk's first, each after a short wait: long enough for a host busy a moment, short enough that a user waits little. */
export const CHUNK_RETRY_DELAYS_MS = [500, 1_500, 3_000];
/** A slow link is given smaller chunks after a timeout, down to this. */
const MIN_CHUNK_BYTES = MiB;
/** The host gives one request 30 s (then answers 408): a chunk that takes longer is cut there anyway. */
const CHUNK_TIMEOUT_MS = 30_000;

/** What the host answers (core/host/fileRoutes.ts), checked: a proxy or an old host may say anything. */
const begunSchema = z.object({ upload: z.string().check(z.regex(/^[A-Za-z0-9_-]{22}$/)), chunkBytes: z.number().check(z.int(), z.positive()), maxChunkBytes: z.optional(z.number().check(z.int(), z.positive())) });
const chunkSchema = z.object({ received: z.number().check(z.int(), z.nonnegative()), complete: z.boolean() });
const refusalSchema = z.object({ error: z.object({ message: z.string() }), received: z.optional(z.number().check(z.int(), z.nonnegative())) });

/** Why a request failed: its HTTP status (0: no answer), whether it ran out of time, and where the host says the upload stands. */
export class UploadError extends Error {
  constructor(message: string, readonly status: number, readonly timedOut = false, readonly received: number | null = null) {
    super(message);
    this.name = 'UploadError';
  }

  /** The network, a timeout, a chunk still being taken, a host failing for a moment: another try may do. A refusal or a full disk (507) will not change. */
  get retryable(): boolean {
    return this.status === 0 || this.status === 408 || this.status === 409 || (this.status >= 500 && this.status !== 501 && this.status !== 507);
  }
}

function failure(status: number, body: string, timedOut = false): UploadError {
  let parsed: z.infer<typeof refusalSchema> | null = null;
  try {
    const result = refusalSchema.safeParse(JSON.parse(body));
    if (result.success) parsed = result.data;
  } catch {
    // not our JSON: a proxy or the network said it
  }
  const message = parsed?.error.message ?? (timedOut ? 'the upload took too long: the connection to PAGI Twin is too slow or was lost' : status === 0 ? 'the connection to PAGI Twin was lost during the upload' : `the upload was refused (${status})`);
  return new UploadError(message, status, timedOut || status === 408, parsed?.received ?? null);
}

const aborted = (): DOMException => new DOMException('the upload was cancelled', 'AbortError');

/** One request with upload progress (fetch has none for a request body); settles exactly once, and leaves no listener on `signal`. */
function send(method: string, url: string, body: Blob | null, onSent: (bytes: number) => void, signal: AbortSignal): Promise<unknown> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(aborted());
    const xhr = new XMLHttpRequest();
    const onAbort = (): void => xhr.abort();
    // removed however the request ends: a long upload sends hundreds of chunks under one signal
    const settle = (done: () => void): void => {
      signal.removeEventListener('abort', onAbort);
      done();
    };
    xhr.open(method, url);
    xhr.setRequestHeader('authorization', `Bearer ${hostToken() ?? ''}`);
    if (body) xhr.timeout = CHUNK_TIMEOUT_MS;
    xhr.upload.onprogress = (e) => onSent(e.loaded);
    xhr.onload = () =>
      settle(() => {
        if (xhr.status < 200 || xhr.status >= 300) return reject(failure(xhr.status, xhr.responseText));
        try {
          resolve(xhr.responseText ? JSON.parse(xhr.responseText) : null);
        } catch {
          reject(new UploadError('PAGI Twin gave an answer this page cannot read: reload the page and try again', xhr.status));
        }
      });
    xhr.onerror = () => settle(() => reject(failure(0, '')));
    xhr.ontimeout = () => settle(() => reject(failure(0, '', true)));
    xhr.onabort = () => settle(() => reject(aborted()));
    signal.addEventListener('abort', onAbort, { once: true });
    xhr.send(body);
  });
}

const wait = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve, reject) => {
    if (signal.aborted) return reject(aborted());
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(aborted());
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });

/** Checks what the host answered; an answer of another shape is no answer this page can go on from. */
function parsed<T>(schema: z.ZodMiniType<T>, value: unknown): T {
  const result = schema.safeParse(value);
  if (!result.success) throw new UploadError('PAGI Twin gave an answer this page cannot read: reload the page and try again', 200);
  return result.data;
}

export async function uploadFile(file: File, kind: FileKind, onProgress: (p: UploadProgress) => void, signal: AbortSignal): Promise<string> {
  const begun = parsed(begunSchema, await send('POST', `/files/uploads?${new URLSearchParams({ kind, name: file.name, size: String(file.size) })}`, null, () => undefined, signal));
  const url = `/files/uploads/${begun.upload}`;
  let chunkBytes = Math.min(begun.chunkBytes, begun.maxChunkBytes ?? begun.chunkBytes);
  try {
    let offset = 0;
    let tries = 0; // of the chunk at `offset`
    while (offset < file.size) {
      const chunk = file.slice(offset, offset + chunkBytes);
      const from = offset;
      try {
        const reply = parsed(chunkSchema, await send('PUT', `${url}?offset=${from}`, chunk, (sent) => onProgress({ sent: from + sent, total: file.size }), signal));
        offset = reply.received;
        tries = 0;
        onProgress({ sent: offset, total: file.size });
        if (reply.complete) break;
      } catch (err) {
        if (signal.aborted || !(err instanceof UploadError) || !err.retryable) throw err;
        // the chunk did arrive, only its reply was lost (the host says where it stands): go on from there
        if (err.received !== null && err.received > from && err.received <= file.size) {
          offset = err.received;
          tries = 0;
          continue;
        }
        if (tries >= CHUNK_RETRY_DELAYS_MS.length) throw err;
        if (err.timedOut) chunkBytes = Math.max(MIN_CHUNK_BYTES, Math.floor(chunkBytes / 2));
        await wait(CHUNK_RETRY_DELAYS_MS[tries] ?? 0, signal);
        tries += 1;
      }
    }
  } catch (err) {
    // cancelled, or given up: the host removes what arrived now rather than after ten idle minutes
    void fetch(url, { method: 'DELETE', headers: { authorization: `Bearer ${hostToken() ?? ''}` } }).catch(() => undefined);
    throw err;
  }
  return begun.upload;
}
