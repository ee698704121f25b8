// web.fetch: one public web page as readable text (kind "web": asks first by default). Every hop of
// a redirect is checked again, each connection's address is checked as it is made, and time and
// size are bounded; pages become text through Mozilla's Readability and html-to-text, not patterns.
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import type { Readable, Transform } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import { Readability } from '@mozilla/readability';
import { convert } from 'html-to-text';
import { parseHTML } from 'linkedom';
import { z } from 'zod';
import { PagiError } from '../../../contracts/errors.js';
import type { ToolContext, ToolDefinition } from '../toolDefinition.js';
import { guardedLookup, isPublicAddress, privateAddressRefusal, systemResolve, type ResolveHost } from './publicAddress.js';
import { capText, parametersOf } from './toolText.js';

const MAX_REDIRECTS = 5;
const USER_AGENT = 'PAGI-Twin/0.1 (web.fetch; a personal assistant reading a page for its user)';
/** Media types read as they are; HTML goes through Readability. */
const HTML_TYPES = new Set(['text/html', 'application/xhtml+xml']);
const isTextType = (type: string): boolean =>
  type.startsWith('text/') || HTML_TYPES.has(type) || ['application/json', 'application/xml', 'application/javascript', 'application/x-ndjson'].includes(type) || /^application\/[\w.+-]+\+(json|xml)$/.test(type);

const fetchArgs = z.object({ url: z.string().min(1).max(8_000).describe('An http:// or https:// address') });

function checkedUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new PagiError('INVALID_INPUT', `"${raw.slice(0, 200)}" is not a web address; give a full http:// or https:// URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new PagiError('INVALID_INPUT', `only http and https addresses can be fetched (got ${url.protocol})`);
  if (url.username || url.password) throw new PagiError('INVALID_INPUT', 'addresses with a user name or password in them are not fetched; remove the credentials');
  return url;
}

/** Sends one GET and answers its response; the connection's address is checked by the lookup (or here, for IP literals). */
function getOnce(url: URL, ctx: ToolContext, resolve: ResolveHost, signal: AbortSignal): Promise<IncomingMessage> {
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const allowed = ctx.allowedHosts.some((h) => h.toLowerCase() === host);
  // Node does not call `lookup` for an IP literal: check it here
  if (isIP(host) && !allowed && !isPublicAddress(host)) return Promise.reject(privateAddressRefusal(host, host));
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((done, fail) => {
    const req = request(url, {
      method: 'GET',
      // a fresh connection per request: a pooled socket would skip the address check
      agent: false,
      lookup: guardedLookup(host, allowed, resolve),
      signal,
      headers: { 'user-agent': USER_AGENT, accept: 'text/html,application/xhtml+xml,text/plain;q=0.9,application/json;q=0.9,*/*;q=0.1', 'accept-encoding': 'gzip, deflate, br' },
    });
    req.once('response', done);
    req.once('error', fail);
    req.end();
  });
}

/** The response body, decompressed, up to `maxBytes` (counted after decompression, so a small bomb stays small). */
async function bodyOf(response: IncomingMessage, maxBytes: number): Promise<{ data: Buffer; cutBytes: boolean }> {
  const encoding = (response.headers['content-encoding'] ?? 'identity').toLowerCase();
  const decoders: Record<string, () => Transform> = { gzip: createGunzip, 'x-gzip': createGunzip, deflate: createInflate, br: createBrotliDecompress };
  let stream: Readable = response;
  if (encoding !== 'identity') {
    const make = decoders[encoding];
    if (!make) throw new PagiError('UNSUPPORTED', `the server sent the page ${encoding}-encoded, which web.fetch cannot decode`);
    stream = response.pipe(make());
  }
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of stream) {
      const buf = chunk as Buffer;
      chunks.push(buf.subarray(0, Math.max(0, maxBytes - total)));
      total += buf.length;
      if (total > maxBytes) return { data: Buffer.concat(chunks), cutBytes: true };
    }
  } finally {
    response.destroy();
    stream.destroy();
  }
  return { data: Buffer.concat(chunks), cutBytes: false };
}

function decodeText(data: Buffer, charset: string | undefined): string {
  try {
    return new TextDecoder(charset ?? 'utf-8').decode(data);
  } catch {
    return new TextDecoder('utf-8').decode(data); // an unknown charset label: UTF-8 is the web's default
  }
}

/** The readable part of an HTML page as plain text: Readability finds the article, html-to-text lays it out. */
export function readableText(html: string): { title: string | null; text: string } {
  const { document } = parseHTML(html);
  const title = document.title?.trim() || null;
  const article = new Readability(document as unknown as Document).parse();
  const text = convert(article?.content ?? html, {
    wordwrap: false,
    selectors: [
      { selector: 'a', options: { ignoreHref: true } },
      { selector: 'img', format: 'skip' },
      { selector: 'nav', format: 'skip' },
      { selector: 'script', format: 'skip' },
      { selector: 'style', format: 'skip' },
    ],
  });
  return { title: article?.title?.trim() || title, text: text.trim() };
}

export interface WebFetchResult {
  url: string;
  status: number;
  contentType: string;
  title: string | null;
  text: string;
  /** Set when the body was larger than the size cap and only its start was read. */
  note?: string;
}

/** The tool, with the DNS resolver it uses (tests give one that answers made-up names). */
export function createWebFetchTool(resolve: ResolveHost = systemResolve): ToolDefinition<typeof fetchArgs> {
  return {
    name: 'web.fetch',
    kind: 'web',
    description: 'Fetch a public web page (http or https, GET) and return its readable text: the article without menus and scripts for HTML; plain text and JSON as they are.',
    args: fetchArgs,
    parameters: parametersOf(fetchArgs),
    preview: ({ url }) => ({ summary: `Fetch ${url}` }),
    async run({ url: raw }, ctx: ToolContext): Promise<WebFetchResult> {
      const timeout = AbortSignal.timeout(ctx.limits.webTimeoutMs);
      const signal = AbortSignal.any([ctx.signal, timeout]);
      try {
        let url = checkedUrl(raw);
        for (let hop = 0; ; hop++) {
          const response = await getOnce(url, ctx, resolve, signal);
          const location = response.headers.location;
          if (response.statusCode && response.statusCode >= 300 && response.statusCode < 400 && location) {
            response.resume();
            if (hop >= MAX_REDIRECTS) throw new PagiError('RESOURCE_EXHAUSTED', `${raw} redirected more than ${MAX_REDIRECTS} times; it may loop — try the final address directly`);
            url = checkedUrl(new URL(location, url).href);
            continue;
          }
          const contentType = response.headers['content-type'] ?? '';
          const mediaType = (contentType.split(';')[0] ?? '').trim().toLowerCase();
          if (!isTextType(mediaType)) {
            response.destroy();
            throw new PagiError('UNSUPPORTED', `${url.href} is ${mediaType || 'of no stated type'}, not a text page; web.fetch reads HTML, plain text, JSON and XML only`);
          }
          const { data, cutBytes } = await bodyOf(response, ctx.limits.webMaxBytes);
          const body = decodeText(data, /charset="?([\w-]+)/i.exec(contentType)?.[1]);
          const { title, text } = HTML_TYPES.has(mediaType) ? readableText(body) : { title: null, text: body };
          return {
            url: url.href,
            status: response.statusCode ?? 0,
            contentType: mediaType,
            title,
            text: capText(text, ctx.limits.maxOutputChars),
            ...(cutBytes ? { note: `the page is larger than ${ctx.limits.webMaxBytes} bytes; only its start was read` } : {}),
          };
        }
      } catch (err) {
        if (err instanceof PagiError) throw err;
        if (timeout.aborted) throw new PagiError('DEADLINE_EXCEEDED', `${raw} did not answer within ${ctx.limits.webTimeoutMs} ms; try again later or another source`);
        if (ctx.signal.aborted) throw new PagiError('CANCELLED', `fetching ${raw} was cancelled`);
        const code = (err as NodeJS.ErrnoException).code;
        throw new PagiError('UNAVAILABLE', `${raw} could not be fetched: ${code === 'ENOTFOUND' ? 'no such host' : (err as Error).message}`);
      }
    },
  };
}

export const webFetchTool = createWebFetchTool();
