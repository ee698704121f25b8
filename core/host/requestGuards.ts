import { realpathSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { dirname } from 'node:path';
import type { Duplex } from 'node:stream';
import { PagiError } from '../contracts/errors.js';

// What one request's head may cost the host (its body: apiRequestGuards.ts).
const MAX_HEADER_BYTES = 16 * 1024;
// These bound receiving a request, never sending a reply: an SSE stream may run for hours.
const HEADERS_TIMEOUT_MS = 10_000;
const REQUEST_TIMEOUT_MS = 30_000;

export type FaultLog = (what: string, err: unknown) => void;

/**
 * Checks what a request names before anything acts on it, and returns its percent-decoded path.
 * Throws INVALID_INPUT (answered 400) for what no browser or tRPC client sends.
 */
export function requestPath(req: IncomingMessage): string {
  const target = req.url ?? '';
  // absolute-form (`GET http://evil/`) or `*`: a proxy's business, never this host's
  if (!target.startsWith('/')) throw new PagiError('INVALID_INPUT', 'bad request target: expected a path such as /index.html');
  if (countHeader(req, 'host') > 1) throw new PagiError('INVALID_INPUT', 'more than one Host header');
  let pathname: string;
  try {
    // a fixed origin in front, so that `//name/...` stays a path instead of naming another host
    pathname = new URL(`http://localhost${target}`).pathname;
  } catch {
    throw new PagiError('INVALID_INPUT', 'bad request target: not a valid path');
  }
  let path: string;
  try {
    path = decodeURIComponent(pathname);
  } catch {
    throw new PagiError('INVALID_INPUT', 'bad percent-encoding in the path');
  }
  if (path.includes('\0')) throw new PagiError('INVALID_INPUT', 'a NUL byte in the path');
  return path;
}

function countHeader(req: IncomingMessage, name: string): number {
  let n = 0;
  for (let i = 0; i < req.rawHeaders.length; i += 2) if (req.rawHeaders[i]?.toLowerCase() === name) n++;
  return n;
}

/** A short plain-text answer that closes the connection: whatever body the client still sends is never read. */
export function answerPlain(res: ServerResponse, status: number, message: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = `${message}\n`;
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(body), connection: 'close' });
  res.end(body);
}

/**
 * An HTTP server that nothing a client sends can bring down: the handler's throws and rejections,
 * stream errors, malformed requests, CONNECT and slow uploads each end that one request (400 for
 * what the client got wrong, 500 for our own bug, logged) and never reach `uncaughtException`.
 */
export function createGuardedServer(handle: (req: IncomingMessage, res: ServerResponse) => void | Promise<void>, log: FaultLog): Server {
  // Node's own record of the response in flight on a socket is private; this is ours, for clientError.
  const inFlight = new WeakMap<Duplex, ServerResponse>();
  const fail = (res: ServerResponse, err: unknown): void => {
    const clientFault = err instanceof PagiError && err.code === 'INVALID_INPUT';
    if (!clientFault) log('request handler', err);
    answerPlain(res, clientFault ? 400 : 500, clientFault ? err.message : 'internal error: see the host log');
  };
  const server = createServer(
    { maxHeaderSize: MAX_HEADER_BYTES, headersTimeout: HEADERS_TIMEOUT_MS, requestTimeout: REQUEST_TIMEOUT_MS, requireHostHeader: true },
    (req, res) => {
      inFlight.set(req.socket, res);
      res.once('close', () => {
        if (inFlight.get(req.socket) === res) inFlight.delete(req.socket);
      });
      // a client that goes away mid-request is normal: end this exchange, quietly
      req.on('error', () => res.destroy());
      res.on('error', () => res.destroy());
      try {
        const pending = handle(req, res);
        if (pending) pending.catch((err: unknown) => fail(res, err));
      } catch (err) {
        fail(res, err);
      }
    },
  );
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    // a reply now would land in the middle of one already streaming: just close
    if (socket.writable && !inFlight.get(socket)?.headersSent) {
      const [status, text] = err.code === 'HPE_HEADER_OVERFLOW' ? [431, 'Request Header Fields Too Large'] : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? [408, 'Request Timeout'] : [400, 'Bad Request'];
      const body = `${text.toLowerCase()}\n`;
      socket.write(`HTTP/1.1 ${status} ${text}\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: ${body.length}\r\nconnection: close\r\n\r\n${body}`);
    }
    socket.destroy();
  });
  // CONNECT hands over the raw socket, paused and without error handling: refuse, then close it
  // outright (left half-open it would never see the client's FIN, and server.close would wait forever)
  server.on('connect', (_req: IncomingMessage, socket: Duplex) => {
    socket.on('error', () => socket.destroy());
    const body = 'method not allowed\n';
    socket.end(`HTTP/1.1 405 Method Not Allowed\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: ${body.length}\r\nconnection: close\r\n\r\n${body}`, () => socket.destroy());
  });
  server.on('error', (err) => log('server', err));
  return server;
}

export interface PrivateRoot {
  path: string;
  /** What a message says instead, e.g. `<data-dir>`. */
  label: string;
}

/** The folders to keep out of error bodies, each also as resolved through symlinks (`/tmp` on macOS is `/private/tmp`). */
export function privateRoots(roots: Record<string, string>): PrivateRoot[] {
  const out: PrivateRoot[] = [];
  for (const [label, path] of Object.entries(roots)) {
    let real = path;
    try {
      real = realpathSync(path);
    } catch {
      // not there (yet): the path as given is all a message can name
    }
    for (const p of new Set([path, real])) out.push({ path: p, label });
  }
  return out;
}

/**
 * Replaces the folders of this installation and of the data folder in a message sent to a client:
 * the caller is local, but an error body must not map the machine for whoever gets to read it.
 * Paths elsewhere (a file the user named) stay. A root matches only where a path component ends.
 */
export function scrubPaths(message: string, roots: readonly PrivateRoot[]): string {
  const variants: PrivateRoot[] = [];
  for (const root of roots) {
    if (dirname(root.path) === root.path) continue; // `/` or `C:\`: it would eat every path
    for (const path of new Set([root.path, root.path.replaceAll('\\', '/')])) variants.push({ path, label: root.label });
  }
  let out = message;
  // longest first: the data folder may lie inside the installation
  for (const { path, label } of variants.sort((a, b) => b.path.length - a.path.length)) {
    const escaped = path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    out = out.replace(new RegExp(`${escaped}(?=$|[\\\\/\\s'"\`,;:)\\]}>])`, process.platform === 'win32' ? 'gi' : 'g'), label);
  }
  return out;
}
