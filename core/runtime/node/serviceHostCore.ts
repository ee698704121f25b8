import type { Contract } from '../../contracts/contract.js';
import { PagiError } from '../../contracts/errors.js';
import { createBusClient } from '../common/busClient.js';
import { busContract } from '../common/busContract.js';
import { createClient, createContractHandler } from '../common/contractServer.js';
import type { LogLevel, Logger, ServiceDefinition, ServiceHealth, StartedService } from '../common/defineService.js';
import { createHostProcedureHandler, isHostProcedure } from '../common/hostProcedures.js';
import { RpcPeer, type RequestHandler } from '../common/rpcPeer.js';
import { CONTROL_CHANNEL, controlMessageSchema, describeFrame, isEnvelope, type ControlMessage, type DataRequest, type Envelope, type PortableFile } from '../common/wire.js';
import { startDailyBackups, type DailyBackupOptions, type DailyBackups } from './databaseBackups.js';
import { createDatabaseGuard, nameDamagedDatabase } from './databaseGuard.js';
import { ensureDir, twinDirOf } from './paths.js';
import { createDatabaseRegistry, exportDatabases, importDatabase, type DatabaseRegistry } from './portableData.js';

export interface HostLink {
  send(env: Envelope): void;
  onMessage(cb: (raw: unknown) => void): void;
}

export interface ServiceHostOptions {
  link: HostLink;
  loadDefinition(modulePath: string, serviceId: string): Promise<ServiceDefinition>;
  exit(code: number): void;
  pid: number;
  /** Automatic backups of the service's databases: tests set the clock and the days kept, or turn them off. */
  backups?: Pick<DailyBackupOptions, 'now' | 'keepDays' | 'checkEveryMs'> | false;
}

export interface ServiceHostHandle {
  /** Stop serving at once (used by the in-process launcher to emulate a killed process). */
  terminate(): void;
}

const LEVELS: LogLevel[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'];
const DISPOSE_TIMEOUT_MS = 5_000;
const HEALTH_TIMEOUT_MS = 1_000;

/** The single service host: receives `init`, validates config, starts the service, serves its contract. */
export function runServiceHost(opts: ServiceHostOptions): ServiceHostHandle {
  const { link } = opts;
  const peers = new Map<string, RpcPeer>();
  let handler: RequestHandler | null = null;
  const heldRequests: Envelope[] = [];
  let started: StartedService<Contract> | null = null;
  let serviceId = '?';
  const stop = new AbortController();
  let databases: DatabaseRegistry = createDatabaseRegistry();
  let backups: DailyBackups | null = null;
  let terminated = false;
  const disposers: Array<() => unknown> = [];

  const send = (env: Envelope): void => {
    if (!terminated) link.send(env);
  };
  const control = (m: ControlMessage): void => send({ c: CONTROL_CHANNEL, m });

  let minLevel = 2;
  const log: Logger = Object.fromEntries(
    (['trace', 'debug', 'info', 'warn', 'error'] as const).map((level) => [
      level,
      (msg: string, data?: unknown) => {
        if (LEVELS.indexOf(level) < minLevel) return;
        control({ k: 'log', level, msg, data: data === undefined ? undefined : safeData(data), time: Date.now() });
      },
    ]),
  ) as unknown as Logger;
  /** Dropped frames are named only when someone debugs: the line is not even built otherwise. */
  const debug = (msg: () => string): void => {
    if (minLevel <= LEVELS.indexOf('debug')) log.debug(msg());
  };

  const peer = (id: string): RpcPeer => {
    let p = peers.get(id);
    if (!p) {
      p = new RpcPeer(
        id,
        (m) => send({ c: id, m }),
        (method, input, ctx) => {
          // about this process, not the service: answered here, to the supervisor only, never by the contract
          if (isHostProcedure(method)) return hostProcedures(method, input, ctx);
          if (!handler) throw new PagiError('UNAVAILABLE', `${serviceId} is still starting`);
          return handler(method, input, ctx);
        },
        (m, why) => debug(() => `${describeFrame({ c: id, m }, { from: true })} dropped: ${why}`),
      );
      peers.set(id, p);
    }
    return p;
  };

  const fatal = (err: unknown, permanent: boolean): void => {
    const e = PagiError.from(err);
    control({ k: 'fatal', error: e.toWire(), permanent });
    terminated = true;
    opts.exit(1);
  };

  const onInit = async (m: Extract<ControlMessage, { k: 'init' }>): Promise<void> => {
    serviceId = m.serviceId;
    minLevel = Math.max(0, LEVELS.indexOf(m.logLevel as LogLevel));
    let def: ServiceDefinition;
    try {
      def = await opts.loadDefinition(m.modulePath, m.serviceId);
    } catch (err) {
      return fatal(new PagiError('INTERNAL', `cannot load service ${m.serviceId}: ${PagiError.from(err).message}`), true);
    }
    const config = def.configSchema.safeParse(m.config ?? {});
    if (!config.success) return fatal(PagiError.invalidInput(config.error, `config of ${m.serviceId}`), true);
    const twinDir = twinDirOf(m.dataDir, m.twinId);
    databases = createDatabaseRegistry(createDatabaseGuard({ dataDir: m.dataDir, twinId: m.twinId, twinDir, serviceId: m.serviceId, guarded: m.guarded ?? [] }));
    try {
      ensureDir(twinDir);
      const client = <C extends Contract>(contract: C) =>
        createClient(contract, (method, input, callOpts) => peer(contract.id).call(method, input, callOpts));
      started = await def.start({
        id: m.serviceId,
        twinId: m.twinId,
        config: config.data,
        log,
        bus: createBusClient(client(busContract), log, stop.signal),
        paths: { dataDir: m.dataDir, twinDir },
        signal: stop.signal,
        client,
        databases,
        onDispose: (fn) => void disposers.push(fn),
      });
    } catch (err) {
      const e = PagiError.from(err);
      // what it had set up before it failed is undone too (in-process hosts live on)
      stop.abort();
      await disposeAll();
      return fatal(e, e.code === 'INVALID_INPUT' || e.code === 'FAILED_PRECONDITION');
    }
    const serve = createContractHandler(def.contract, started.api);
    // SQLite's "malformed"/"not a database" from a query names no file: the service's own files are named here
    handler = async (method, input, ctx) => {
      try {
        return await serve(method, input, ctx);
      } catch (err) {
        throw nameDamagedDatabase(err, databases.guard, databases.all().map((d) => d.file));
      }
    };
    control({ k: 'ready', pid: opts.pid, config: config.data, databases: databases.all().map((d) => d.file) });
    for (const env of heldRequests.splice(0)) peer(env.c).receive(env.m);
    if (opts.backups !== false && databases.all().length > 0) {
      backups = startDailyBackups({
        dataDir: m.dataDir, twinId: m.twinId, databases: () => databases.all(),
        onError: (msg, data) => log.warn(msg, data), ...opts.backups,
      });
    }
  };

  const health = async (): Promise<ServiceHealth> => {
    if (!started?.health) return { ok: true };
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      return await Promise.race([
        Promise.resolve(started.health()),
        new Promise<ServiceHealth>((r) => (timer = setTimeout(() => r({ ok: false, detail: 'health check timed out' }), HEALTH_TIMEOUT_MS))),
      ]);
    } catch (err) {
      return { ok: false, detail: PagiError.from(err).message };
    } finally {
      clearTimeout(timer);
    }
  };

  /** A twin bundle's requests: copies of this service's databases out, or a bundle's copy rebuilt in. */
  const onData = async (req: DataRequest): Promise<PortableFile[]> => {
    if (!started) throw new PagiError('UNAVAILABLE', `${serviceId} is still starting`);
    if (req.op === 'export') return exportDatabases(databases, req.dir, req.include);
    const entry = databases.list().find((d) => d.file === req.file);
    if (!entry) throw new PagiError('INVALID_INPUT', `the bundle gives ${req.file} to ${serviceId}, which keeps no database of that name: it was not written by PAGI Twin; nothing was imported`);
    return [await importDatabase(entry, req.source, req.targetDir, req.remapSecret, req.twin)];
  };

  const hostProcedures = createHostProcedureHandler({
    $health: async () => {
      const h = await health();
      const cpu = process.cpuUsage();
      return { rssBytes: process.memoryUsage.rss(), cpuMicros: cpu.user + cpu.system, health: h };
    },
    $data: (req) => onData(req),
  });

  /** Teardown in one place: the service's own steps in reverse order, then every database it opened. */
  const disposeAll = async (): Promise<void> => {
    for (const fn of disposers.splice(0).reverse()) {
      try {
        await fn();
      } catch (err) {
        log.error('a teardown step failed', { error: PagiError.from(err).message });
      }
    }
    for (const d of databases.all()) if (d.db.open) d.db.close();
  };

  const shutdown = async (): Promise<void> => {
    stop.abort();
    for (const p of peers.values()) p.reset('shutting down');
    try {
      await backups?.stop(); // before dispose closes the databases under a copy
    } catch (err) {
      log.warn('stopping the automatic backup failed', { error: PagiError.from(err).message });
    }
    try {
      await Promise.race([disposeAll(), new Promise((r) => setTimeout(r, DISPOSE_TIMEOUT_MS))]);
    } catch (err) {
      log.error('dispose failed', { error: PagiError.from(err).message });
    }
    terminated = true;
    opts.exit(0);
  };

  link.onMessage((raw) => {
    if (terminated) return;
    if (!isEnvelope(raw)) return debug(() => `a message that is not a frame (${typeof raw}) dropped`);
    if (raw.c !== CONTROL_CHANNEL) {
      const isReq = (raw.m as { k?: unknown } | null)?.k === 'req';
      if (isReq && !handler) heldRequests.push(raw);
      else peer(raw.c).receive(raw.m);
      return;
    }
    const parsed = controlMessageSchema.safeParse(raw.m);
    if (!parsed.success) return debug(() => `${describeFrame(raw)} dropped`);
    const m = parsed.data;
    switch (m.k) {
      case 'init':
        void onInit(m);
        return;
      case 'peerReset':
        peers.get(m.peer)?.reset(m.reason);
        return;
      case 'shutdown':
        void shutdown();
        return;
      default:
        debug(() => `${describeFrame(raw)} ignored: a service host sends it, never takes it`);
    }
  });

  return {
    terminate() {
      if (terminated) return;
      terminated = true;
      stop.abort();
      void backups?.stop();
      for (const p of peers.values()) p.reset('terminated');
      void disposeAll();
    },
  };
}

function safeData(data: unknown): unknown {
  if (data instanceof Error) return { message: data.message, stack: data.stack };
  try {
    return structuredClone(data);
  } catch {
    return String(data);
  }
}
