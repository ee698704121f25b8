import type { IncomingMessage, ServerResponse } from 'node:http';
import { TRPC_ERROR_CODES_BY_KEY, type TRPC_ERROR_CODE_KEY } from '@trpc/server/rpc';
import type { ErrorCode } from '../contracts/errors.js';

/**
 * The largest call body read. It fits the largest chat message the contract allows (100,000
 * characters, 4 UTF-8 bytes each, JSON-escaped) with room to spare.
 */
export const MAX_BODY_BYTES = 2 * 1024 * 1024;

export const NO_TOKEN = 'missing or wrong token: open the URL that `pagi serve` printed';

/** A call refused before tRPC sees it, answered in the shape tRPC clients read (`error.data.code`, `pagiCode`). */
export interface ApiRefusal {
  status: number;
  code: TRPC_ERROR_CODE_KEY;
  pagiCode: ErrorCode;
  message: string;
}

const refusal = (status: number, code: TRPC_ERROR_CODE_KEY, pagiCode: ErrorCode, message: string): ApiRefusal => ({ status, code, pagiCode, message });

/**
 * What must hold before tRPC sees a call, checked on the request line and headers alone:
 * tRPC would take a malformed call for its own bug (500), and a POST body is read only for a
 * caller with the token. GETs go on without it: an SSE subscription carries the token in its
 * URL, and tRPC checks that in createContext.
 */
export function refuseApiCall(req: IncomingMessage, hasBearerToken: boolean): ApiRefusal | null {
  if (req.method === 'GET' || req.method === 'HEAD') {
    const input = new URL(`http://localhost${req.url ?? '/'}`).searchParams.get('input');
    if (input && !parses(input)) return refusal(400, 'PARSE_ERROR', 'INVALID_INPUT', 'the input parameter is not JSON');
    return null;
  }
  // other methods would reach the Fetch API's Request, which throws on TRACE
  if (req.method !== 'POST') return refusal(405, 'METHOD_NOT_SUPPORTED', 'UNSUPPORTED', 'a call is a GET or a POST');
  if (!hasBearerToken) return refusal(401, 'UNAUTHORIZED', 'UNAUTHENTICATED', NO_TOKEN);
  if (!/^application\/json\b/i.test(req.headers['content-type'] ?? '')) return refusal(415, 'UNSUPPORTED_MEDIA_TYPE', 'UNSUPPORTED', 'a call is sent as application/json');
  return null;
}

function parses(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/**
 * Reads a call's body, at most MAX_BODY_BYTES of it, and checks that it is JSON. Stops reading
 * the moment the limit is passed. Null when the client went away first.
 */
export function readJsonBody(req: IncomingMessage): Promise<{ body: string } | ApiRefusal | null> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const stop = (): void => {
      req.off('data', onData);
      req.off('end', onEnd);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) {
        chunks.push(chunk);
        return;
      }
      stop();
      chunks.length = 0;
      resolve(refusal(413, 'PAYLOAD_TOO_LARGE', 'RESOURCE_EXHAUSTED', `a call's body is at most ${MAX_BODY_BYTES / 1024 / 1024} MiB`));
    };
    const onEnd = (): void => {
      stop();
      const body = Buffer.concat(chunks).toString('utf8');
      resolve(body && !parses(body) ? refusal(400, 'PARSE_ERROR', 'INVALID_INPUT', 'the request body is not JSON') : { body });
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.once('close', () => resolve(null)); // a no-op once settled
  });
}

/** Answers a refusal and closes the connection: whatever body the client still sends is never read. */
export function answerRefusal(res: ServerResponse, r: ApiRefusal): void {
  const body = JSON.stringify({ error: { message: r.message, code: TRPC_ERROR_CODES_BY_KEY[r.code], data: { code: r.code, httpStatus: r.status, pagiCode: r.pagiCode } } });
  if (r.status === 405) res.setHeader('allow', 'GET, HEAD, POST');
  res.writeHead(r.status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), connection: 'close' });
  res.end(body);
}
