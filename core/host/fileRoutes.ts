import { createReadStream, statSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { once } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { z } from 'zod';
import { PagiError, type ErrorCode } from '../contracts/errors.js';
import { fileKindSchema, uploadHandleSchema } from '../contracts/fileKinds.js';
import { NO_TOKEN } from './apiRequestGuards.js';
import { refusalStatus, roomRefusal, type HostStagedFiles, type Upload } from './stagedFiles.js';
import { securityHeaders } from './staticFiles.js';

/**
 * Files between a browser and the headless host, beside tRPC (whose 2 MiB body limit is for calls):
 *
 * - `POST /files/uploads?kind=K&name=N&size=S` (no body) → 201 `{upload, chunkBytes}`: the name, kind
 *   and size are checked before a byte arrives.
 * - `PUT /files/uploads/<upload>?offset=O` with Content-Length → 200 `{received, complete}`: one
 *   chunk, streamed to disk, appended where the last one ended. Uploads come in chunks because the
 *   server gives one request 30 s (a slow-upload defence): a model of many GB never fits one.
 * - `DELETE /files/uploads/<upload>` → 204: the upload is cancelled and removed.
 * - `GET /files/downloads/<ticket>` → the staged export as an attachment. A link cannot send the
 *   token, so a ticket (single-use, a minute) stands in for it.
 *
 * Each upload request needs the token, checked before any body is read. A chunk cut short, or one
 * that fails, is taken back (the partial file is truncated to the bytes before it) and the upload
 * stays: the client sends that chunk again. A full disk (ENOSPC) is answered 507 and the upload goes.
 */

/** The largest chunk: at 2.5 MB/s it still arrives within the request's 30 s. */
export const MAX_CHUNK_BYTES = 64 * 1024 * 1024;
/** The chunk a client should send: small enough for smooth progress, large enough to cost little per request. */
export const CHUNK_BYTES = 8 * 1024 * 1024;

const STATUS: Partial<Record<ErrorCode, number>> = { INVALID_INPUT: 400, UNAUTHENTICATED: 401, NOT_FOUND: 404, CONFLICT: 409, RESOURCE_EXHAUSTED: 413, UNSUPPORTED: 405 };

const beginQuery = z.object({
  kind: fileKindSchema,
  name: z.string({ message: 'say the file name (name=…)' }).max(1_000, 'the file name is too long'),
  size: z.string({ message: 'say the file size in bytes (size=…)' }).regex(/^[1-9]\d{0,15}$/, 'the size is a whole number of bytes, at least 1 (an empty file has nothing to import)').transform(Number),
});
const chunkQuery = z.object({ offset: z.string({ message: 'say where the chunk goes (offset=…)' }).regex(/^\d{1,16}$/, 'the offset is a whole number of bytes').transform(Number) });

/** ENOSPC, or its cousin a full quota: the disk has no room, whatever the free-space check saw before. */
const isDiskFull = (err: unknown): boolean => err instanceof Error && ['ENOSPC', 'EDQUOT'].includes((err as NodeJS.ErrnoException).code ?? '');

/** A refusal or an answer, as JSON; a refusal closes the connection so that whatever body the client still sends is never read. */
function answerJson(res: ServerResponse, status: number, body: unknown, close = false): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store', ...(close ? { connection: 'close' } : {}) });
  res.end(text);
}

function refuse(res: ServerResponse, err: unknown): void {
  const e = err instanceof z.ZodError ? PagiError.invalidInput(err, 'request') : PagiError.from(err);
  const status = refusalStatus(e) ?? STATUS[e.code] ?? 500;
  answerJson(res, status, { error: { message: status === 500 ? 'internal error: see the host log' : e.message, pagiCode: e.code } }, true);
}

function query(req: IncomingMessage): Record<string, string> {
  return Object.fromEntries(new URL(`http://localhost${req.url ?? '/'}`).searchParams);
}

/** `attachment` with the name in plain ASCII for old clients, and in full (RFC 5987) for the rest. */
function attachment(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\%]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

export interface FileRoutes {
  /** Serves a request whose path starts with `/files/`; `path` is its decoded, checked path. */
  serve(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> | void;
}

export function createFileRoutes(files: HostStagedFiles, authorized: (req: IncomingMessage) => boolean, logFault: (what: string, err: unknown) => void): FileRoutes {
  const receiveChunk = async (req: IncomingMessage, res: ServerResponse, upload: Upload): Promise<void> => {
    const { offset } = chunkQuery.parse(query(req));
    const lengthHeader = req.headers['content-length'];
    if (lengthHeader === undefined) return answerJson(res, 411, { error: { message: 'a chunk needs a Content-Length', pagiCode: 'INVALID_INPUT' } }, true);
    const length = Number(lengthHeader);
    if (!Number.isSafeInteger(length) || length < 1) throw new PagiError('INVALID_INPUT', 'a chunk has at least one byte');
    if (length > MAX_CHUNK_BYTES) throw new PagiError('RESOURCE_EXHAUSTED', `a chunk is at most ${MAX_CHUNK_BYTES / 1024 / 1024} MiB`);
    // a 409 says where the upload stands, so that a client whose reply was lost goes on from there
    const conflict = (message: string): void => answerJson(res, 409, { error: { message, pagiCode: 'CONFLICT' }, received: upload.received }, true);
    if (upload.writing) return conflict('a chunk of this file is still arriving: send one after the other');
    if (offset !== upload.received) return conflict(`the next chunk starts at byte ${upload.received}, not ${offset}`);
    if (offset + length > upload.size) throw new PagiError('RESOURCE_EXHAUSTED', `${upload.name} was announced as ${upload.size} bytes; this chunk goes past its end`);
    files.checkRoom(upload, length);
    upload.writing = true;
    let got = 0;
    const counted = new Transform({
      transform(chunk: Buffer, _e, done) {
        got += chunk.length;
        done(got > length ? new PagiError('INVALID_INPUT', 'more bytes than the Content-Length said') : null, chunk);
      },
    });
    const cancelled = (): boolean => files.receiving(upload.id) !== upload; // DELETE came while the chunk arrived
    // pipeline destroys the request on any error, so `req.destroyed` cannot tell a client that left from a failed write
    let clientLeft = false;
    req.once('aborted', () => (clientLeft = true));
    // the first chunk creates the file (never over one), the next ones write where it ends; opened
    // before the body is read, so that a file that cannot be made is answered while the client listens
    let handle: FileHandle;
    try {
      handle = await open(upload.partial, offset === 0 ? 'wx' : 'r+', 0o600);
    } catch (err) {
      upload.writing = false;
      logFault('upload', err);
      files.discardUpload(upload.id);
      throw new PagiError('UNAVAILABLE', `${upload.name} could not be stored on this computer (${(err as NodeJS.ErrnoException).code ?? 'error'}): upload it again; if it fails again, rename the file shorter`);
    }
    const out = handle.createWriteStream({ start: offset });
    try {
      await pipeline(req, counted, out);
      if (got !== length) throw new PagiError('INVALID_INPUT', 'the chunk ended before its Content-Length');
    } catch (err) {
      // a write still in flight would land after the rewind, over the bytes of the chunk sent again
      if (!out.closed) await once(out, 'close').catch(() => undefined);
      if (isDiskFull(err)) {
        // the partial file only holds the disk the databases need: it goes, and the user is told why
        files.discardUpload(upload.id);
        throw roomRefusal(507, `the disk is full: ${upload.name} could not be stored (nothing of it was kept). Free some disk space, then upload it again`);
      }
      files.rewind(upload); // back to the bytes before this chunk: the client sends it again
      // a failed write is the host's fault: logged even when the broken request can no longer be answered
      if (out.errored) logFault('upload', out.errored);
      if (clientLeft || cancelled()) return; // the client went away, or cancelled
      if (!(err instanceof PagiError) && !out.errored) logFault('upload', err);
      throw err instanceof PagiError ? err : new PagiError('UNAVAILABLE', `${upload.name} could not be written: ${(err as Error).message}`);
    } finally {
      upload.writing = false;
    }
    if (cancelled()) throw new PagiError('NOT_FOUND', 'the upload was cancelled');
    const complete = files.chunkWritten(upload, got);
    answerJson(res, 200, { upload: upload.id, received: upload.received, complete });
  };

  const sendDownload = async (req: IncomingMessage, res: ServerResponse, ticket: string): Promise<void> => {
    if (req.method !== 'GET') throw new PagiError('UNSUPPORTED', 'a download is a GET');
    const staged = files.redeemTicket(ticket);
    if (!staged) throw PagiError.hinted('NOT_FOUND', 'this download link has expired or was used already: download again from the app', { app: 'download it again' });
    let size: number;
    try {
      size = statSync(staged.file).size;
    } catch (err) {
      staged.done(false);
      throw err;
    }
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': size, 'content-disposition': attachment(staged.name), 'cache-control': 'no-store' });
    try {
      await pipeline(createReadStream(staged.file), res);
      staged.done(true); // the browser has it
    } catch {
      // cut short (or closed by the client before the reply's own end): the export stays for another try until its hour is up
      staged.done(false);
      res.destroy();
    }
  };

  return {
    async serve(req, res, path) {
      securityHeaders(res);
      try {
        const download = /^\/files\/downloads\/([A-Za-z0-9_-]{1,64})$/.exec(path);
        if (download?.[1]) return await sendDownload(req, res, download[1]);
        if (!authorized(req)) throw new PagiError('UNAUTHENTICATED', NO_TOKEN);
        if (path === '/files/uploads') {
          if (req.method !== 'POST') throw new PagiError('UNSUPPORTED', 'an upload starts with a POST');
          if (Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding']) throw new PagiError('INVALID_INPUT', 'an upload starts without a body: send the file in chunks (PUT) after it');
          const upload = files.beginUpload(beginQuery.parse(query(req)));
          return answerJson(res, 201, { upload: upload.id, name: upload.name, size: upload.size, chunkBytes: CHUNK_BYTES, maxChunkBytes: MAX_CHUNK_BYTES });
        }
        const one = /^\/files\/uploads\/([^/]+)$/.exec(path);
        if (!one?.[1]) throw new PagiError('NOT_FOUND', 'no such file route');
        const id = uploadHandleSchema.parse(one[1]);
        if (req.method === 'DELETE') {
          files.cancelUpload(id); // refused (409) while an import reads it
          res.writeHead(204, { 'cache-control': 'no-store' }).end();
          return;
        }
        if (req.method !== 'PUT') throw new PagiError('UNSUPPORTED', 'a chunk is sent with PUT');
        const upload = files.receiving(id);
        if (!upload) throw new PagiError('NOT_FOUND', 'no upload under this id is still arriving: start the upload again');
        return await receiveChunk(req, res, upload);
      } catch (err) {
        if (!res.destroyed) refuse(res, err);
      }
    },
  };
}
