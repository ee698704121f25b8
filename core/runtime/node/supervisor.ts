import { EventEmitter } from 'node:events';
import type { ClientOf, Contract } from '../../contracts/contract.js';
import { PagiError } from '../../contracts/errors.js';
import { createClient } from '../common/contractServer.js';
import type { Launcher, ServiceProcess } from '../common/launcher.js';
import { RpcPeer, type PeerCallOptions } from '../common/rpcPeer.js';
import type { LogSink, ServiceState, ServiceStatus } from '../common/serviceStatus.js';
import { Switchboard } from '../common/switchboard.js';
import { CONTROL_CHANNEL, HOST_ENDPOINT, controlMessageSchema, isEnvelope, type ControlMessage, type DataRequest, type PortableFile } from '../common/wire.js';
import { twinDirOf } from './paths.js';
import { createPendingReplies } from './pendingReplies.js';
import { startOrder } from './startOrder.js';
import { openTwinManifest } from './twinManifest.js';

export interface ServiceSpec {
  id: string;
  dependsOn: readonly string[];
  /** What the service host imports (a built file); the in-process launcher ignores it. */
  modulePath: string;
  config?: unknown;
}

export interface SupervisorPolicy {
  backoffInitialMs: number;
  backoffMaxMs: number;
  /** More crashes than this within `intensityWindowMs` marks the service `failed`. */
  maxRestarts: number;
  intensityWindowMs: number;
  healthIntervalMs: number;
  startTimeoutMs: number;
  stopTimeoutMs: number;
}

export const DEFAULT_POLICY: SupervisorPolicy = {
  backoffInitialMs: 50,
  backoffMaxMs: 10_000,
  maxRestarts: 3,
  intensityWindowMs: 5 * 60_000,
  healthIntervalMs: 5_000,
  startTimeoutMs: 30_000,
  stopTimeoutMs: 5_000,
};

export interface SupervisorOptions {
  launcher: Launcher;
  specs: ServiceSpec[];
  dataDir: string;
  twinId: string;
  logSink: LogSink;
  logLevel?: string;
  policy?: Partial<SupervisorPolicy>;
}

interface Managed {
  spec: ServiceSpec;
  state: ServiceState;
  proc: ServiceProcess | null;
  pid: number | null;
  restarts: number;
  crashes: number[];
  lastError: string | null;
  permanentError: boolean;
  startedAt: number | null;
  rssBytes: number | null;
  cpuMicros: number | null;
  healthy: boolean | null;
  /** The config the running process parsed (defaults filled in); null until it is ready. */
  effectiveConfig: unknown;
  missedPings: number;
  manualRestart: boolean;
  timers: Set<ReturnType<typeof setTimeout>>;
  waiters: Array<() => void>;
}

/**
 * Starts services in dependency order, watches their health, restarts crashed ones with exponential
 * backoff, marks a service `failed` past the intensity limit, and stops everything in reverse order.
 */
export class Supervisor extends EventEmitter {
  private readonly policy: SupervisorPolicy;
  private readonly switchboard = new Switchboard();
  private readonly services = new Map<string, Managed>();
  private readonly hostPeers = new Map<string, RpcPeer>();
  private readonly pongWaiters = new Map<number, () => void>();
  private pingSeq = 1;
  private readonly dataReplies = createPendingReplies<PortableFile[]>();
  private stopping = false;
  /** The running twin's manifest (twinManifest.ts): this supervisor is its one writer while the twin runs. */
  private manifest: ReturnType<typeof openTwinManifest> | null = null;

  constructor(private opts: SupervisorOptions) {
    super();
    this.policy = { ...DEFAULT_POLICY, ...opts.policy };
    for (const spec of opts.specs) {
      this.services.set(spec.id, {
        spec, state: 'stopped', proc: null, pid: null, restarts: 0, crashes: [], lastError: null, permanentError: false,
        startedAt: null, rssBytes: null, cpuMicros: null, healthy: null, effectiveConfig: null, missedPings: 0, manualRestart: false, timers: new Set(), waiters: [],
      });
      this.switchboard.hold(spec.id);
    }
    this.switchboard.attach(HOST_ENDPOINT, (env) => {
      if (env.c === CONTROL_CHANNEL) {
        const m = controlMessageSchema.safeParse(env.m);
        if (m.success && m.data.k === 'peerReset') this.hostPeers.get(m.data.peer)?.reset(m.data.reason);
        return;
      }
      this.hostPeer(env.c).receive(env.m);
    });
  }

  get launcherKind(): string {
    return this.opts.launcher.kind;
  }

  get twinId(): string {
    return this.opts.twinId;
  }

  /**
   * Runs every service for another twin of the same data folder: all stop (in order), then all start
   * for it. Crash histories belong to the old twin's run and are forgotten.
   */
  async switchTwin(twinId: string): Promise<void> {
    await this.stop();
    this.opts = { ...this.opts, twinId };
    this.manifest = null;
    this.stopping = false;
    for (const s of this.services.values()) {
      s.crashes = [];
      s.restarts = 0;
      s.lastError = null;
      s.permanentError = false;
      s.effectiveConfig = null;
    }
    await this.start();
  }

  /** Another supervisor like this one (same launcher, log sink and policy) for another twin or folder: e.g. to set up a new twin. */
  sibling(over: { dataDir: string; twinId: string; specs: ServiceSpec[] }): Supervisor {
    return new Supervisor({ ...this.opts, ...over });
  }

  /** Starts every service, level by level; resolves when each is running or failed. */
  async start(): Promise<void> {
    for (const level of startOrder(this.opts.specs)) {
      await Promise.all(level.map((id) => this.startOne(id)));
    }
  }

  client<C extends Contract>(contract: C): ClientOf<C> {
    return createClient(contract, (method, input, opts: PeerCallOptions) => this.hostPeer(contract.id).call(method, input, opts));
  }

  /** Raw call, for benchmarks and generic tooling. */
  call(serviceId: string, method: string, input: unknown, opts: PeerCallOptions = {}): Promise<unknown> {
    return this.hostPeer(serviceId).call(method, input, opts);
  }

  async status(opts: { refresh?: boolean } = {}): Promise<ServiceStatus[]> {
    if (opts.refresh) await this.pingAll(1_000);
    return [...this.services.values()].map((s) => ({
      id: s.spec.id, state: s.state, pid: s.pid, restarts: s.restarts, rssBytes: s.rssBytes, cpuMicros: s.cpuMicros,
      lastError: s.lastError, startedAt: s.startedAt, dependsOn: [...s.spec.dependsOn], healthy: s.healthy,
    }));
  }

  /** A user asked to restart a service (e.g. one marked failed): its crash history is forgotten. */
  async restart(id: string): Promise<void> {
    const s = this.managed(id);
    s.crashes = [];
    s.permanentError = false;
    if (s.proc) {
      s.manualRestart = true;
      s.state = 'restarting';
      this.emitState(s);
      s.proc.kill(); // the exit handler relaunches it
      await new Promise<void>((r) => s.waiters.push(r));
      return;
    }
    await this.startOne(id);
  }

  /** The service's config: as given to it, and as it parsed it (null while it is not running). */
  config(id: string): { given: unknown; effective: unknown } {
    const s = this.managed(id);
    return { given: s.spec.config ?? {}, effective: s.state === 'running' ? s.effectiveConfig : null };
  }

  /**
   * Restarts a service with a new config. If it does not come up with it (its schema refuses it, or
   * start fails), the old config is put back and the service restarted with that, and the error says
   * why: a bad setting never leaves a service down.
   */
  async reconfigure(id: string, config: unknown): Promise<void> {
    const s = this.managed(id);
    const before = s.spec.config;
    s.spec = { ...s.spec, config };
    s.lastError = null;
    await this.restart(id);
    if (s.state === 'running') return;
    const why = s.lastError ?? `${id} did not start`;
    s.spec = { ...s.spec, config: before };
    s.lastError = null;
    await this.restart(id);
    throw new PagiError('INVALID_INPUT', `${id} cannot run with these settings (${why}); the previous settings are back in use`);
  }

  /**
   * Asks a running service to copy its portable databases out, or to rebuild one from a bundle's
   * copy (see portableData.ts). Large databases take time: the deadline is generous.
   */
  dataRequest(id: string, req: DataRequest, timeoutMs = 30 * 60_000): Promise<PortableFile[]> {
    const s = this.managed(id);
    const proc = s.proc;
    if (!proc || s.state !== 'running') return Promise.reject(new PagiError('UNAVAILABLE', `${id} is ${s.state}: it must run to export or import a twin (see the System page)`));
    return this.dataReplies.request(id, timeoutMs, (n) => proc.send({ c: CONTROL_CHANNEL, m: { k: 'data', n, req } }), () => `${id} did not finish its part of the bundle within ${Math.round(timeoutMs / 1000)} s`);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    const levels = startOrder(this.opts.specs).reverse();
    for (const level of levels) await Promise.all(level.map((id) => this.stopOne(id)));
  }

  private managed(id: string): Managed {
    const s = this.services.get(id);
    if (!s) throw new PagiError('NOT_FOUND', `there is no service "${id}"`);
    return s;
  }

  private hostPeer(id: string): RpcPeer {
    let p = this.hostPeers.get(id);
    if (!p) {
      p = new RpcPeer(id, (m) => this.switchboard.route(HOST_ENDPOINT, { c: id, m }));
      this.hostPeers.set(id, p);
    }
    return p;
  }

  private startOne(id: string): Promise<void> {
    const s = this.managed(id);
    return new Promise<void>((resolve) => {
      s.waiters.push(resolve);
      this.launch(s, 'starting');
    });
  }

  private launch(s: Managed, state: 'starting' | 'restarting'): void {
    if (this.stopping) return;
    const id = s.spec.id;
    s.state = state;
    s.missedPings = 0;
    this.emitState(s);
    // read once per run of the twin, before any of its services can touch a file
    this.manifest ??= openTwinManifest(twinDirOf(this.opts.dataDir, this.opts.twinId), (msg) => this.opts.logSink({ service: 'supervisor', level: 'warn', msg, time: Date.now() }));
    const proc = this.opts.launcher.launch(id, {
      onMessage: (raw) => {
        if (!isEnvelope(raw)) return;
        if (raw.c === CONTROL_CHANNEL) this.onControl(s, proc, raw.m);
        else this.switchboard.route(id, raw);
      },
      onExit: (info) => this.onExit(s, proc, `exited with ${info.signal ? `signal ${info.signal}` : `code ${info.code}`}`),
      onOutput: (stream, line) => this.opts.logSink({ service: id, level: stream === 'stderr' ? 'warn' : 'info', msg: line, time: Date.now() }),
    });
    s.proc = proc;
    s.pid = proc.pid;
    this.switchboard.attach(id, (env) => proc.send(env));
    proc.send({
      c: CONTROL_CHANNEL,
      m: {
        k: 'init', serviceId: id, modulePath: s.spec.modulePath, config: s.spec.config ?? {}, dataDir: this.opts.dataDir, twinId: this.opts.twinId,
        logLevel: this.opts.logLevel ?? 'info', guarded: this.manifest.guarded(),
      },
    });
    this.after(s, this.policy.startTimeoutMs, () => {
      if (s.proc === proc && s.state !== 'running') {
        s.lastError = `did not become ready within ${this.policy.startTimeoutMs} ms`;
        proc.kill();
      }
    });
  }

  private onControl(s: Managed, proc: ServiceProcess, raw: unknown): void {
    if (s.proc !== proc) return;
    const parsed = controlMessageSchema.safeParse(raw);
    if (!parsed.success) return;
    const m: ControlMessage = parsed.data;
    switch (m.k) {
      case 'ready':
        s.state = 'running';
        s.pid = proc.pid ?? m.pid;
        s.startedAt = Date.now();
        s.healthy = true;
        s.effectiveConfig = m.config ?? null;
        this.manifest?.record(s.spec.id, m.databases ?? []);
        this.emitState(s);
        this.scheduleHealth(s, proc);
        for (const w of s.waiters.splice(0)) w();
        return;
      case 'fatal':
        s.lastError = `${m.error.code}: ${m.error.message}`;
        s.permanentError = m.permanent;
        this.opts.logSink({ service: s.spec.id, level: 'error', msg: `failed to start: ${m.error.message}`, time: Date.now() });
        return;
      case 'pong':
        s.rssBytes = m.rssBytes;
        s.cpuMicros = m.cpuMicros;
        s.healthy = m.health.ok;
        s.missedPings = 0;
        if (!m.health.ok && m.health.detail) s.lastError = m.health.detail;
        this.pongWaiters.get(m.n)?.();
        return;
      case 'log':
        this.opts.logSink({ service: s.spec.id, level: m.level, msg: m.msg, data: m.data, time: m.time });
        return;
      case 'dataDone': {
        this.dataReplies.settle(s.spec.id, m.n, m.ok ? m.files : PagiError.fromWire(m.e));
        return;
      }
      default:
        return;
    }
  }

  private onExit(s: Managed, proc: ServiceProcess, how: string): void {
    if (s.proc !== proc) return;
    s.proc = null;
    s.pid = null;
    s.healthy = null;
    for (const t of s.timers) clearTimeout(t);
    s.timers.clear();
    const id = s.spec.id;
    this.dataReplies.failAll(id, new PagiError('UNAVAILABLE', `${id} ${how} while working on a twin bundle`));
    if (this.stopping || s.state === 'stopping') {
      s.state = 'stopped';
      this.switchboard.down(id, `${id} is stopped`);
      this.switchboard.announceReset(id, 'stopped');
      this.emitState(s);
      for (const w of s.waiters.splice(0)) w();
      return;
    }
    const manual = s.manualRestart;
    s.manualRestart = false;
    this.switchboard.hold(id);
    this.switchboard.announceReset(id, how);
    if (!manual) {
      const now = Date.now();
      s.crashes = s.crashes.filter((t) => now - t < this.policy.intensityWindowMs);
      s.crashes.push(now);
      s.lastError ??= how;
    }
    this.opts.logSink({ service: id, level: 'warn', msg: `process ${how}`, time: Date.now() });
    if (s.permanentError || s.crashes.length > this.policy.maxRestarts) {
      s.state = 'failed';
      const why = s.permanentError ? s.lastError ?? how : `crashed ${s.crashes.length} times in ${Math.round(this.policy.intensityWindowMs / 60_000)} min (last: ${s.lastError ?? how})`;
      s.lastError = why;
      this.switchboard.down(id, `${id} has failed: ${why}. Restart it from the System page or with \`pagi restart ${id}\`.`);
      this.emitState(s);
      for (const w of s.waiters.splice(0)) w();
      return;
    }
    s.restarts++;
    const delay = Math.min(this.policy.backoffInitialMs * 2 ** Math.max(0, s.crashes.length - 1), this.policy.backoffMaxMs);
    s.state = 'restarting';
    this.emitState(s);
    this.after(s, delay, () => this.launch(s, 'restarting'));
  }

  /** Pings every interval; a process that left two pings in a row unanswered hangs and is killed. */
  private scheduleHealth(s: Managed, proc: ServiceProcess): void {
    this.after(s, this.policy.healthIntervalMs, () => {
      if (s.proc !== proc) return;
      if (s.missedPings >= 2) {
        s.lastError = `did not answer 2 health pings in a row (${this.policy.healthIntervalMs} ms apart)`;
        proc.kill();
        return;
      }
      s.missedPings++;
      proc.send({ c: CONTROL_CHANNEL, m: { k: 'ping', n: this.pingSeq++ } });
      this.scheduleHealth(s, proc);
    });
  }

  private pingAll(timeoutMs: number): Promise<void> {
    const waits = [...this.services.values()]
      .filter((s) => s.proc && s.state === 'running')
      .map((s) => new Promise<void>((resolve) => {
        const n = this.pingSeq++;
        const t = setTimeout(() => { this.pongWaiters.delete(n); resolve(); }, timeoutMs);
        this.pongWaiters.set(n, () => { clearTimeout(t); this.pongWaiters.delete(n); resolve(); });
        s.proc?.send({ c: CONTROL_CHANNEL, m: { k: 'ping', n } });
      }));
    return Promise.all(waits).then(() => undefined);
  }

  private stopOne(id: string): Promise<void> {
    const s = this.managed(id);
    for (const t of s.timers) clearTimeout(t);
    s.timers.clear();
    const proc = s.proc;
    if (!proc) {
      s.state = s.state === 'failed' ? 'failed' : 'stopped';
      this.switchboard.down(id, `${id} is stopped`);
      return Promise.resolve();
    }
    s.state = 'stopping';
    this.emitState(s);
    return new Promise<void>((resolve) => {
      s.waiters.push(resolve);
      proc.send({ c: CONTROL_CHANNEL, m: { k: 'shutdown' } });
      const t = setTimeout(() => proc.kill(), this.policy.stopTimeoutMs);
      s.waiters.push(() => clearTimeout(t));
    });
  }

  private after(s: Managed, ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      s.timers.delete(t);
      fn();
    }, ms);
    s.timers.add(t);
  }

  private emitState(s: Managed): void {
    this.emit('state', { id: s.spec.id, state: s.state, restarts: s.restarts, lastError: s.lastError });
  }
}
