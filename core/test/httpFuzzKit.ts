import { request } from 'node:http';
import { connect } from 'node:net';

/** What a fuzz case got back: the status (null when the server closed without one) and the start of the body. */
export interface Outcome {
  name: string;
  status: number | null;
  body: string;
  /** answered: a whole response; closed/reset: the server ended the connection; hung: nothing happened for HANG_MS. */
  end: 'answered' | 'stream' | 'closed' | 'reset' | 'hung' | 'unsendable';
}

export interface RawCase { via: 'raw'; name: string; bytes: Buffer }
export interface ClientCase {
  via: 'client';
  name: string;
  method: string;
  path: string;
  headers: Record<string, string | string[]>;
  /** Written one by one (chunked transfer when there is no content-length). */
  chunks: Buffer[];
}
export type FuzzCase = RawCase | ClientCase;

/** A raw request with no answer yet gets a FIN after this long: an incomplete one then fails at once instead of at the request timeout. */
const FIN_AFTER_MS = 400;
/** Liveness, not speed: a server that neither answers nor closes for this long has lost the request. */
export const HANG_MS = 20_000;
const BODY_KEPT = 64 * 1024;

/** mulberry32: small, seedable, good enough to pick cases. */
export function rng(seed: number) {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number): number => Math.floor(next() * n);
  return {
    next,
    int,
    chance: (p: number): boolean => next() < p,
    pick: <T>(xs: readonly T[]): T => xs[int(xs.length)] as T,
    bytes: (n: number): Buffer => Buffer.from(Array.from({ length: n }, () => int(256))),
  };
}
export type Rng = ReturnType<typeof rng>;

interface Parsed { status: number | null; body: string; complete: boolean; stream: boolean }

/** Reads an HTTP/1.x response far enough to know its status and whether it is whole; skips 1xx. */
export function parseResponse(data: Buffer, head = false): Parsed {
  let rest = data;
  for (;;) {
    const split = rest.indexOf('\r\n\r\n');
    if (split < 0) return { status: null, body: '', complete: false, stream: false };
    const lines = rest.subarray(0, split).toString('latin1').split('\r\n');
    const status = Number(/^HTTP\/\d\.\d (\d{3})/.exec(lines[0] ?? '')?.[1] ?? NaN);
    const body = rest.subarray(split + 4);
    if (status >= 100 && status < 200) {
      rest = body;
      continue;
    }
    const header = (name: string): string | undefined => lines.find((l) => l.toLowerCase().startsWith(`${name}:`))?.slice(name.length + 1).trim();
    const length = header('content-length');
    const stream = /text\/event-stream/i.test(header('content-type') ?? '');
    const complete = head || status === 204 || status === 304 || stream
      || (length !== undefined ? body.length >= Number(length) : /chunked/i.test(header('transfer-encoding') ?? '') && body.subarray(-5).toString() === '0\r\n\r\n');
    return { status: Number.isNaN(status) ? null : status, body: body.subarray(0, BODY_KEPT).toString('utf8'), complete, stream };
  }
}

export function sendRaw(port: number, c: RawCase): Promise<Outcome> {
  const head = /^HEAD /.test(c.bytes.subarray(0, 5).toString('latin1'));
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    let data = Buffer.alloc(0);
    let settled = false;
    const finish = (end: Outcome['end']): void => {
      if (settled) return;
      settled = true;
      clearTimeout(fin);
      clearTimeout(hang);
      socket.destroy();
      const p = parseResponse(data, head);
      resolve({ name: c.name, status: p.status, body: p.body, end });
    };
    const fin = setTimeout(() => socket.end(), FIN_AFTER_MS);
    const hang = setTimeout(() => finish('hung'), HANG_MS);
    socket.on('connect', () => socket.write(c.bytes));
    socket.on('data', (chunk: Buffer) => {
      data = Buffer.concat([data, chunk]);
      const p = parseResponse(data, head);
      if (p.stream) finish('stream');
      else if (p.complete || data.length > BODY_KEPT) finish('answered');
    });
    socket.on('error', () => finish('reset'));
    socket.on('close', () => finish('closed'));
  });
}

export function sendClient(port: number, c: ClientCase): Promise<Outcome> {
  return new Promise((resolve) => {
    let settled = false;
    let status: number | null = null;
    let body = '';
    const finish = (end: Outcome['end']): void => {
      if (settled) return;
      settled = true;
      clearTimeout(hang);
      req?.destroy();
      resolve({ name: c.name, status, body, end });
    };
    const hang = setTimeout(() => finish('hung'), HANG_MS);
    let req: ReturnType<typeof request> | undefined;
    try {
      req = request({ host: '127.0.0.1', port, method: c.method, path: c.path, headers: c.headers, agent: false, setHost: false }, (res) => {
        status = res.statusCode ?? null;
        if (/text\/event-stream/i.test(String(res.headers['content-type']))) return finish('stream');
        res.on('data', (chunk: Buffer) => {
          if (body.length < BODY_KEPT) body += chunk.toString('utf8');
        });
        res.on('end', () => finish('answered'));
        res.on('error', () => finish('reset'));
        res.on('close', () => finish('closed'));
      });
    } catch {
      // the client refused to send it (bad method, path or header): not a case for the server
      return finish('unsendable');
    }
    req.on('error', () => finish(status === null ? 'reset' : 'closed'));
    for (const chunk of c.chunks) req.write(chunk);
    req.end();
  });
}

/** Runs every case, `width` at a time. */
export async function runAll(port: number, cases: readonly FuzzCase[], width: number): Promise<Outcome[]> {
  const out: Outcome[] = new Array<Outcome>(cases.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < cases.length) {
        const i = next++;
        const c = cases[i] as FuzzCase;
        out[i] = c.via === 'raw' ? await sendRaw(port, c) : await sendClient(port, c);
      }
    }),
  );
  return out;
}
