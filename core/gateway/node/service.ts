import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { PagiError, type ErrorCode } from '../../contracts/errors.js';
import { defineService } from '../../runtime/common/defineService.js';
import { identityContract } from '../../identity/common/contract.js';
import { gatewayContract } from '../common/contract.js';
import { bearerToken, createFailureThrottle, createRateLimiter, hostAllowed, originAllowed } from './requestGuard.js';

const configSchema = z.object({
  /** Off by default: nothing listens until the user turns the local API on. */
  enabled: z.boolean().default(false),
  host: z.enum(['127.0.0.1', '::1']).default('127.0.0.1'),
  port: z.number().int().min(0).max(65_535).default(7_457),
  requestsPerMinute: z.number().int().min(1).default(120),
  /** Wrong keys a client may send a minute (after a burst of 10) before it is made to wait. */
  failedKeysPerMinute: z.number().int().min(1).max(600).default(10),
});

const STATUS: Partial<Record<ErrorCode, number>> = { UNAUTHENTICATED: 401, PERMISSION_DENIED: 403, NOT_FOUND: 404, RESOURCE_EXHAUSTED: 429, UNAVAILABLE: 503, INVALID_INPUT: 400 };

const sendJson = (res: ServerResponse, status: number, body: unknown): void => {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
};
const sendError = (res: ServerResponse, e: PagiError): void => {
  const retryAfter = (e.data as { retryAfterSeconds?: number } | undefined)?.retryAfterSeconds;
  if (retryAfter) res.setHeader('retry-after', String(retryAfter));
  sendJson(res, STATUS[e.code] ?? 500, { error: e.toWire() });
};

export default defineService({
  id: 'gateway',
  contract: gatewayContract,
  configSchema,
  async start(ctx) {
    const identity = ctx.client(identityContract);
    let requests = 0;
    let rejected = 0;
    let url: string | null = null;
    const allow = createRateLimiter(ctx.config.requestsPerMinute, Math.max(10, Math.ceil(ctx.config.requestsPerMinute / 4)));
    const wrongKeys = createFailureThrottle(ctx.config.failedKeysPerMinute, 10);

    const server = ctx.config.enabled
      ? createServer((req, res) => {
          requests++;
          void (async () => {
            const port = (server?.address() as AddressInfo | null)?.port ?? 0;
            if (!hostAllowed(req, port)) throw new PagiError('PERMISSION_DENIED', 'the Host header must name this loopback server');
            if (!originAllowed(req)) throw new PagiError('PERMISSION_DENIED', 'requests from web pages of other origins are refused');
            // loopback only, so the client is its address: one local program guessing keys is throttled
            const client = req.socket.remoteAddress ?? 'unknown';
            const wait = wrongKeys.waitSeconds(client);
            if (wait > 0) throw new PagiError('RESOURCE_EXHAUSTED', `too many wrong API keys from this client; try again in ${wait} s`, { retryAfterSeconds: wait });
            const key = bearerToken(req);
            if (!key) throw new PagiError('UNAUTHENTICATED', 'send an API key as "Authorization: Bearer <key>" (create one with `pagi keys create`)');
            const verdict = await identity.verifyApiKey({ key });
            if (!verdict.valid || !verdict.id) {
              wrongKeys.failed(client);
              throw new PagiError('UNAUTHENTICATED', 'this API key is unknown or revoked');
            }
            if (!allow(verdict.id)) throw new PagiError('RESOURCE_EXHAUSTED', `rate limit of ${ctx.config.requestsPerMinute} requests a minute reached; retry shortly`);
            const path = new URL(req.url ?? '/', 'http://localhost').pathname;
            if (req.method === 'GET' && path === '/health') return sendJson(res, 200, { status: 'ok', twinId: ctx.twinId });
            throw new PagiError('NOT_FOUND', `no route ${req.method} ${path}`);
          })().catch((err: unknown) => {
            rejected++;
            sendError(res, PagiError.from(err));
          });
        })
      : null;

    if (server) {
      await new Promise<void>((resolve, reject) => {
        server.once('error', (err) => reject(new PagiError('UNAVAILABLE', `the local API cannot listen on ${ctx.config.host}:${ctx.config.port}: ${err.message}`)));
        server.listen(ctx.config.port, ctx.config.host, () => resolve());
      });
      const addr = server.address() as AddressInfo;
      url = `http://${ctx.config.host === '::1' ? '[::1]' : '127.0.0.1'}:${addr.port}`;
      ctx.log.info(`local API listening on ${url}`);
      ctx.onDispose(() => new Promise<void>((resolve) => server.close(() => resolve())));
    }

    return {
      api: { status: () => ({ enabled: server !== null, url, requests, rejected }) },
    };
  },
});
