import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { createHTTPHandler } from '@trpc/server/adapters/standalone';
import { appRouter } from '../api/router.js';
import type { ApiContext } from '../api/coreAccess.js';
import { toTrpcError } from '../api/trpc.js';
import { PagiError } from '../contracts/errors.js';
import type { Launcher } from '../runtime/common/launcher.js';
import { createChildProcessLauncher } from '../runtime/node/childProcessLauncher.js';
import type { Supervisor, SupervisorPolicy } from '../runtime/node/supervisor.js';
import { bootCore } from './hostBoot.js';
import { answerRefusal, MAX_BODY_BYTES, NO_TOKEN, readJsonBody, refuseApiCall } from './apiRequestGuards.js';
import { answerPlain, createGuardedServer, privateRoots, requestPath, scrubPaths } from './requestGuards.js';
import { createFileRoutes } from './fileRoutes.js';
import { outDir, serviceHostEntry } from './installation.js';
import { securityHeaders, serveStatic } from './staticFiles.js';

export interface HeadlessHostOptions {
  dataDir: string;
  port?: number;
  modelPath?: string;
  /** Tests pass an in-process launcher or a tighter policy; the default is one child process per service. */
  launcher?: Launcher;
  policy?: Partial<SupervisorPolicy>;
  logToStderr?: boolean;
  /** Per-service config on top of config.json. */
  serviceConfig?: Record<string, Record<string, unknown>>;
  /** Run another built module for a service id (tests swap in fixtures, e.g. one that crashes on start). */
  moduleOverrides?: Record<string, string>;
}

export interface HeadlessHost {
  url: string;
  port: number;
  token: string;
  twinId: string;
  supervisor: Supervisor;
  readyMs: number;
  stop(): Promise<void>;
}

const LOOPBACK = /^(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/i;

function tokenMatches(expected: Buffer, given: string | undefined | null): boolean {
  if (!given) return false;
  const g = Buffer.from(given);
  return g.length === expected.length && timingSafeEqual(g, expected);
}

function bearerToken(req: IncomingMessage): string | undefined {
  return /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
}

/** `pagi serve`: the supervisor with child processes, the built renderer and the tRPC router over HTTP, on loopback with a token. */
export async function startHeadlessHost(opts: HeadlessHostOptions): Promise<HeadlessHost> {
  const out = outDir();
  const booted = await bootCore({
    dataDir: opts.dataDir,
    outDir: out,
    launcher: opts.launcher ?? createChildProcessLauncher({ hostEntry: serviceHostEntry(out) }),
    ...(opts.modelPath ? { modelPath: opts.modelPath } : {}),
    ...(opts.serviceConfig ? { serviceConfig: opts.serviceConfig } : {}),
    ...(opts.moduleOverrides ? { moduleOverrides: opts.moduleOverrides } : {}),
    ...(opts.policy ? { policy: opts.policy } : {}),
    logToStderr: opts.logToStderr ?? false,
  });
  const { dataDir, supervisor, context, readyMs } = booted;
  const token = randomBytes(32).toString('base64url');
  const expected = Buffer.from(token);
  const logFault = (what: string, err: unknown): void =>
    booted.logSink({ service: 'host', level: 'error', msg: `${what}: ${err instanceof Error ? err.message : String(err)}`, data: err instanceof Error ? { stack: err.stack } : undefined, time: Date.now() });
  const roots = privateRoots({ '<data-dir>': dataDir, '<app>': dirname(out) });
  const trpc = createHTTPHandler({
    router: appRouter,
    basePath: '/trpc/',
    // serveApi reads every POST body under this limit before tRPC sees it; this is the second line
    maxBodySize: MAX_BODY_BYTES,
    createContext: ({ req, info }): ApiContext => {
      // connection params travel in the URL (logs, history): only EventSource, which cannot set a header, may use them
      const viaParams = info.type === 'subscription' && tokenMatches(expected, info.connectionParams?.token);
      if (!tokenMatches(expected, bearerToken(req)) && !viaParams) throw toTrpcError(new PagiError('UNAUTHENTICATED', NO_TOKEN));
      return context;
    },
    // tRPC calls this before it shapes a call's error body (its last-resort handler, whose messages name no file, calls it after); the log keeps what the body leaves out
    onError: ({ error }) => {
      if (error.code === 'INTERNAL_SERVER_ERROR') logFault('api', error);
      error.message = scrubPaths(error.message, roots);
    },
  });
  /** What reaches tRPC is well-formed and, for a POST, from a caller with the token and at most MAX_BODY_BYTES. */
  const serveApi = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    securityHeaders(res);
    const refused = refuseApiCall(req, tokenMatches(expected, bearerToken(req)));
    if (refused) return answerRefusal(res, refused);
    if (req.method !== 'POST') return trpc(req, res);
    const read = await readJsonBody(req);
    if (read === null) return; // the client went away
    if ('status' in read) return answerRefusal(res, read);
    trpc(Object.assign(req, { body: read.body }), res);
  };
  // uploads and downloads: beside tRPC, with the same token (checked before any body is read)
  const fileRoutes = createFileRoutes(booted.files, (req) => tokenMatches(expected, bearerToken(req)), logFault);
  const rendererDir = join(out, 'renderer');
  const server = createGuardedServer((req, res) => {
    // DNS-rebinding defence: only requests addressed to this loopback server
    if (!LOOPBACK.test(req.headers.host ?? '')) {
      answerPlain(res, 421, 'misdirected request');
      return;
    }
    const path = requestPath(req);
    // routed on the raw target, as tRPC reads it: `/%74rpc/` is a file name, not the API
    if (req.url?.startsWith('/trpc/')) return serveApi(req, res);
    if (req.url?.startsWith('/files/')) return fileRoutes.serve(req, res, path);
    serveStatic(rendererDir, path, req, res);
  }, logFault);
  try {
    await new Promise<void>((resolveListen, reject) => {
      server.once('error', (err) => reject(new PagiError('UNAVAILABLE', `cannot listen on 127.0.0.1:${opts.port ?? 0}: ${err.message}`)));
      server.listen(opts.port ?? 0, '127.0.0.1', () => resolveListen());
    });
  } catch (err) {
    await booted.stop(); // no services left running for a host that never served
    throw err;
  }
  const port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}/#token=${token}`;
  booted.announce({ kind: 'headless', port, token, url });

  let stopping: Promise<void> | null = null;
  return {
    url, port, token, twinId: supervisor.twinId, supervisor, readyMs,
    stop() {
      stopping ??= (async () => {
        server.closeAllConnections();
        await new Promise<void>((r) => server.close(() => r()));
        await booted.stop();
      })();
      return stopping;
    },
  };
}
