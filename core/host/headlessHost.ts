import { randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { TRPCError } from '@trpc/server';
import { createHTTPHandler } from '@trpc/server/adapters/standalone';
import { appRouter } from '../api/router.js';
import type { ApiContext } from '../api/coreAccess.js';
import { PagiError } from '../contracts/errors.js';
import type { Launcher } from '../runtime/common/launcher.js';
import { createChildProcessLauncher } from '../runtime/node/childProcessLauncher.js';
import { Supervisor, type SupervisorPolicy } from '../runtime/node/supervisor.js';
import { activeTwinId } from './activeTwin.js';
import { sweepImportStaging } from './bundle/bundleImport.js';
import { loadHostConfig } from './hostConfig.js';
import { readHostFile, removeHostFile, writeHostFile } from './hostFile.js';
import { createLogSink } from './logSink.js';
import { outDir, serviceHostEntry, serviceSpecs } from './serviceCatalog.js';
import { securityHeaders, serveStatic } from './staticFiles.js';
import { supervisorAccess } from './supervisorAccess.js';

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

/** `pagi serve`: the supervisor with child processes, the built renderer and the tRPC router over HTTP, on loopback with a token. */
export async function startHeadlessHost(opts: HeadlessHostOptions): Promise<HeadlessHost> {
  const t0 = performance.now();
  const dataDir = resolve(opts.dataDir);
  mkdirSync(dataDir, { recursive: true });
  const running = readHostFile(dataDir);
  if (running) throw new PagiError('CONFLICT', `a PAGI host already runs for ${dataDir} at ${running.url.split('#')[0]} (pid ${running.pid}); stop it first or use it`);
  const config = loadHostConfig(dataDir);
  const serviceConfig: Record<string, unknown> = { ...config.services };
  for (const [id, extra] of Object.entries(opts.serviceConfig ?? {})) serviceConfig[id] = { ...(serviceConfig[id] as object | undefined), ...extra };
  if (opts.modelPath) {
    const modelPath = resolve(opts.modelPath);
    if (!existsSync(modelPath)) throw new PagiError('INVALID_INPUT', `--model: no file at ${modelPath}`);
    serviceConfig.inference = { ...(serviceConfig.inference as object | undefined), modelPath };
  }
  const twinId = activeTwinId(dataDir);
  sweepImportStaging(dataDir); // what a killed import left: never a twin
  const logs = createLogSink(dataDir, { level: config.logLevel, stderrLevel: opts.logToStderr ? 'warn' : null });
  const out = outDir();
  const supervisor = new Supervisor({
    launcher: opts.launcher ?? createChildProcessLauncher({ hostEntry: serviceHostEntry(out) }),
    specs: serviceSpecs(serviceConfig, out).map((spec) => ({ ...spec, modulePath: opts.moduleOverrides?.[spec.id] ?? spec.modulePath })),
    dataDir,
    twinId,
    logSink: logs.sink,
    logLevel: config.logLevel,
    ...(opts.policy ? { policy: opts.policy } : {}),
  });
  await supervisor.start();
  const readyMs = performance.now() - t0;

  const core = supervisorAccess(supervisor, dataDir);
  const token = randomBytes(32).toString('base64url');
  const expected = Buffer.from(token);
  const trpc = createHTTPHandler({
    router: appRouter,
    basePath: '/trpc/',
    createContext: ({ req, info }): ApiContext => {
      const header = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
      if (!tokenMatches(expected, header) && !tokenMatches(expected, info.connectionParams?.token)) {
        throw new TRPCError({ code: 'UNAUTHORIZED', message: 'missing or wrong token: open the URL that `pagi serve` printed' });
      }
      return { core };
    },
  });
  const rendererDir = join(out, 'renderer');
  const server = createServer((req: IncomingMessage, res) => {
    // DNS-rebinding defence: only requests addressed to this loopback server
    if (!LOOPBACK.test(req.headers.host ?? '')) {
      res.writeHead(421, { 'content-type': 'text/plain' }).end('misdirected request\n');
      return;
    }
    if (req.url?.startsWith('/trpc/')) {
      securityHeaders(res);
      trpc(req, res);
      return;
    }
    serveStatic(rendererDir, req, res);
  });
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', (err) => reject(new PagiError('UNAVAILABLE', `cannot listen on 127.0.0.1:${opts.port ?? 0}: ${err.message}`)));
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolveListen());
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}/#token=${token}`;
  writeHostFile(dataDir, { pid: process.pid, port, token, url, twinId, startedAt: new Date().toISOString() });

  let stopping: Promise<void> | null = null;
  return {
    url, port, token, twinId, supervisor, readyMs,
    stop() {
      stopping ??= (async () => {
        server.closeAllConnections();
        await new Promise<void>((r) => server.close(() => r()));
        await supervisor.stop();
        removeHostFile(dataDir, process.pid);
        logs.flush();
      })();
      return stopping;
    },
  };
}
