import { existsSync, mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { ApiContext } from '../api/coreAccess.js';
import { PagiError } from '../contracts/errors.js';
import type { Launcher } from '../runtime/common/launcher.js';
import type { LogSink } from '../runtime/common/serviceStatus.js';
import { Supervisor, type SupervisorPolicy } from '../runtime/node/supervisor.js';
import { activeTwinId } from './activeTwin.js';
import { sweepExportWork } from './bundle/bundleExport.js';
import { sweepImportStaging } from './bundle/bundleImport.js';
import { secureDataDir } from './dataDirPermissions.js';
import { loadHostConfig, type HostConfig } from './hostConfig.js';
import { describeHost, readHostFile, removeHostFile, writeHostFile, type HostFile } from './hostFile.js';
import { serviceSpecs } from './installation.js';
import { createLogSink } from './logSink.js';
import { recordServiceLifecycle } from './serviceLifecycleLog.js';
import { createApiContext } from './apiContext.js';
import { createStagedFiles, sweepStagedFiles, type HostStagedFiles } from './stagedFiles.js';
import { sweepDeletedTwins } from './twinRegistry.js';

export interface BootOptions {
  dataDir: string;
  /** How services run: child processes (headless, tests) or Electron utility processes (desktop). */
  launcher: Launcher;
  /** The built output folder holding the service modules. */
  outDir: string;
  /** A model to load at start (`--model`): used for this run, never written to config.json. */
  modelPath?: string;
  /** Per-service config on top of config.json (tests). */
  serviceConfig?: Record<string, Record<string, unknown>>;
  /** Another built module for a service id (tests swap in fixtures). */
  moduleOverrides?: Record<string, string>;
  policy?: Partial<SupervisorPolicy>;
  /** Warnings also on stderr (`pagi serve --verbose`). */
  logToStderr?: boolean;
}

export interface BootedCore {
  dataDir: string;
  config: HostConfig;
  supervisor: Supervisor;
  /** What the host hands the router. */
  context: ApiContext;
  logSink: LogSink;
  /** Uploads and downloads staged for a browser (the headless host's file routes). */
  files: HostStagedFiles;
  readyMs: number;
  /** Records this host in host.json (the headless host with its address, the desktop app without). */
  announce(host: Omit<HeadlessAnnouncement, 'pid' | 'twinId' | 'startedAt'> | { kind: 'desktop' }): void;
  /** Stops every service, forgets host.json and flushes the log. */
  stop(): Promise<void>;
}
/** The desktop host needs this from the installation and nothing else of `core/host`. */
export { serviceHostEntry } from './installation.js';

type HeadlessAnnouncement = Extract<HostFile, { kind: 'headless' }>;

/**
 * The start-up both hosts run, in one place: the data folder made private, a host already running
 * for it refused, config.json read (a mistake names its field and nothing starts), the active twin,
 * what a killed import or export left swept away, the log sink, and the supervisor started with
 * every service. The host then serves `context` (over IPC or HTTP) and announces itself.
 */
export async function bootCore(opts: BootOptions): Promise<BootedCore> {
  const t0 = performance.now();
  const dataDir = resolve(opts.dataDir);
  process.umask(0o077); // what this process writes (memories, config.json with API keys) is for this user only
  mkdirSync(dataDir, { recursive: true });
  secureDataDir(dataDir); // folders 0700, files 0600: what an earlier version made with looser modes
  const running = readHostFile(dataDir);
  if (running) throw new PagiError('CONFLICT', `PAGI Twin already runs for ${dataDir}: ${describeHost(running)}; stop it first or use it`);
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
  sweepDeletedTwins(dataDir); // a deletion a crash cut short
  sweepExportWork(dataDir); // copies of databases a killed export left
  sweepStagedFiles(dataDir); // uploads and exports a stopped host staged for a browser
  const logs = createLogSink(dataDir, { level: config.logLevel, stderrLevel: opts.logToStderr ? 'warn' : null });
  const supervisor = new Supervisor({
    launcher: opts.launcher,
    specs: serviceSpecs(serviceConfig, opts.outDir).map((spec) => ({ ...spec, modulePath: opts.moduleOverrides?.[spec.id] ?? spec.modulePath })),
    dataDir,
    twinId,
    logSink: logs.sink,
    logLevel: config.logLevel,
    ...(opts.policy ? { policy: opts.policy } : {}),
  });
  // before the start: a service that cannot start is in the log too
  const stopRecording = recordServiceLifecycle(supervisor, logs.sink);
  await supervisor.start();
  const startedAt = new Date().toISOString();
  const files = createStagedFiles(dataDir);
  const context = createApiContext(supervisor, dataDir, files);
  let stopping: Promise<void> | null = null;
  return {
    dataDir,
    config,
    supervisor,
    context,
    logSink: logs.sink,
    files,
    readyMs: performance.now() - t0,
    announce(host) {
      const base = { pid: process.pid, twinId: supervisor.twinId, startedAt };
      writeHostFile(dataDir, host.kind === 'desktop' ? { ...base, kind: 'desktop' } : { ...base, ...host, kind: 'headless' });
    },
    stop() {
      stopping ??= (async () => {
        stopRecording();
        context.watch.close();
        await supervisor.stop();
        files.stop();
        removeHostFile(dataDir, process.pid);
        logs.flush();
      })();
      return stopping;
    },
  };
}
