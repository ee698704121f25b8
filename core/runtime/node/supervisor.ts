import type { ClientOf, Contract } from '../../contracts/contract.js';
import { PagiError } from '../../contracts/errors.js';
import { createClient } from '../common/contractServer.js';
import { hostContract } from '../common/hostProcedures.js';
import type { Launcher, ServiceProcess } from '../common/launcher.js';
import { RpcPeer, type PeerCallOptions } from '../common/rpcPeer.js';
import type { LogSink, ServiceStateListener, ServiceStatus } from '../common/serviceStatus.js';
import { Switchboard } from '../common/switchboard.js';
import { CONTROL_CHANNEL, HOST_ENDPOINT, controlMessageSchema, describeFrame, isEnvelope, type DataRequest, type Envelope, type PortableFile } from '../common/wire.js';
import { recordHealth, watchHealth } from './healthWatch.js';
import { after, clearTimers, createManaged, createStateChanges, statusOf, wake, type ManagedService, type ServiceSpec } from './managedService.js';
import { twinDirOf } from './paths.js';
import { startOrder } from './startOrder.js';
import { openTwinManifest } from './twinManifest.js';

export type { ServiceSpec } from './managedService.js';

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

/**
 * Starts services in dependency order, watches their health, restarts crashed ones with exponential
 * backoff, marks a service `failed` past the intensity limit, and stops everything in reverse order.
 */
export class Supervisor {
  private readonly policy: SupervisorPolicy;
  private readonly switchboard = new Switchboard((env, from, why, answered) =>
    this.debug(() => `switchboard: ${describeFrame(env)} from ${from} ${answered ? 'refused' : 'dropped'}: ${why}`));
  private readonly services = new Map<string, ManagedService>();
  private readonly hostPeers = new Map<string, RpcPeer>();
  private readonly stateChanges = createStateChanges((err) =>
    this.opts.logSink({ service: 'supervisor', level: 'warn', msg: `a state-change listener failed: ${PagiError.from(err).message}`, time: Date.now() }));
  private stopping = false;
  /** The running twin's manifest (twinManifest.ts): this supervisor is its one writer while the twin runs. */
  private manifest: ReturnType<typeof openTwinManifest> | null = null;

  constructor(private opts: SupervisorOptions) {
    this.policy = { ...DEFAULT_POLICY, ...opts.policy };
    for (const spec of opts.specs) {
      this.services.set(spec.id, createManaged(spec));
      this.switchboard.hold(spec.id);
    }
    this.switchboard.attach(HOST_ENDPOINT, (env) => {
      if (env.c !== CONTROL_CHANNEL) return this.hostPeer(env.c).receive(env.m);
      const m = controlMessageSchema.safeParse(env.m);
      if (m.success && m.data.k === 'peerReset') this.hostPeers.get(m.data.peer)?.reset(m.data.reason);
      else this.debug(() => `supervisor: ${describeFrame(env)} ignored: only peerReset is for it`);
    });
  }

  /**
   * Tells `listener` each time a service changes state (or its restart count or last error does),
   * in the order it happens; returns what stops telling it.
   */
  onStateChange(listener: ServiceStateListener): () => void {
    return this.stateChanges.subscribe(listener);
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

  /** `refresh`: each running service is pinged first (for at most a second), for its memory and health now. */
  async status(opts: { refresh?: boolean } = {}): Promise<ServiceStatus[]> {
    if (opts.refresh) await Promise.all([...this.services.values()].map((s) => this.ping(s, 1_000)));
    return [...this.services.values()].map(statusOf);
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
  async dataRequest(id: string, req: DataRequest, timeoutMs = 30 * 60_000): Promise<PortableFile[]> {
    const s = this.managed(id);
    if (!s.proc || s.state !== 'running') throw new PagiError('UNAVAILABLE', `${id} is ${s.state}: it must run to export or import a twin (see the System page)`);
    try {
      return await this.hostProcedures(id).$data(req, { timeoutMs });
    } catch (err) {
      throw bundleFailure(id, PagiError.from(err), timeoutMs);
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    const levels = startOrder(this.opts.specs).reverse();
    for (const level of levels) await Promise.all(level.map((id) => this.stopOne(id)));
  }

  private managed(id: string): ManagedService {
    const s = this.services.get(id);
    if (!s) throw new PagiError('NOT_FOUND', `there is no service "${id}"`);
    return s;
  }

  private hostPeer(id: string): RpcPeer {
    let p = this.hostPeers.get(id);
    if (!p) {
      p = new RpcPeer(id, (m) => this.switchboard.route(HOST_ENDPOINT, { c: id, m }), undefined, (m, why) =>
        this.debug(() => `supervisor: ${describeFrame({ c: id, m }, { from: true })} from ${id} dropped: ${why}`));
      this.hostPeers.set(id, p);
    }
    return p;
  }

  private hostProcedures(id: string): ClientOf<typeof hostContract> {
    return createClient(hostContract, (method, input, opts) => this.hostPeer(id).call(method, input, opts));
  }

  /** One health ping to a running process; what it brings is kept while that process runs. A failed ping is a missed one. */
  private ping(s: ManagedService, timeoutMs: number): Promise<void> {
    const proc = s.proc;
    if (!proc || s.state !== 'running') return Promise.resolve();
    return this.hostProcedures(s.spec.id).$health({}, { timeoutMs }).then(
      (report) => {
        if (s.proc === proc) recordHealth(s, report);
      },
      () => undefined,
    );
  }

  private startOne(id: string): Promise<void> {
    const s = this.managed(id);
    return new Promise<void>((resolve) => {
      s.waiters.push(resolve);
      this.launch(s, 'starting');
    });
  }

  private launch(s: ManagedService, state: 'starting' | 'restarting'): void {
    if (this.stopping) return;
    const id = s.spec.id;
    s.state = state;
    s.missedPings = 0;
    this.emitState(s);
    // read once per run of the twin, before any of its services can touch a file
    this.manifest ??= openTwinManifest(twinDirOf(this.opts.dataDir, this.opts.twinId), (msg) => this.opts.logSink({ service: 'supervisor', level: 'warn', msg, time: Date.now() }));
    const proc = this.opts.launcher.launch(id, {
      onMessage: (raw) => {
        if (!isEnvelope(raw)) this.debug(() => `${id}: a message that is not a frame (${typeof raw}) dropped`);
        else if (raw.c === CONTROL_CHANNEL) this.onControl(s, proc, raw);
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
    after(s, this.policy.startTimeoutMs, () => {
      if (s.proc === proc && s.state !== 'running') {
        s.lastError = `did not become ready within ${this.policy.startTimeoutMs} ms`;
        proc.kill();
      }
    });
  }

  private onControl(s: ManagedService, proc: ServiceProcess, env: Envelope): void {
    const parsed = controlMessageSchema.safeParse(env.m);
    if (s.proc !== proc || !parsed.success) {
      this.debug(() => `${s.spec.id}: ${describeFrame(env)} dropped${s.proc !== proc ? ': its process has ended' : ''}`);
      return;
    }
    const m = parsed.data;
    switch (m.k) {
      case 'ready':
        s.state = 'running';
        s.pid = proc.pid ?? m.pid;
        s.startedAt = Date.now();
        s.healthy = true;
        s.effectiveConfig = m.config ?? null;
        this.manifest?.record(s.spec.id, m.databases ?? []);
        this.emitState(s);
        watchHealth(s, proc, this.policy.healthIntervalMs, () => this.ping(s, this.policy.healthIntervalMs));
        wake(s);
        return;
      case 'fatal':
        s.lastError = `${m.error.code}: ${m.error.message}`;
        s.permanentError = m.permanent;
        this.opts.logSink({ service: s.spec.id, level: 'error', msg: `failed to start: ${m.error.message}`, time: Date.now() });
        return;
      case 'log':
        this.opts.logSink({ service: s.spec.id, level: m.level, msg: m.msg, data: m.data, time: m.time });
        return;
      default:
        this.debug(() => `${s.spec.id}: ${describeFrame(env)} ignored: the supervisor sends it, never takes it`);
    }
  }

  private onExit(s: ManagedService, proc: ServiceProcess, how: string): void {
    if (s.proc !== proc) return;
    s.proc = null;
    s.pid = null;
    s.healthy = null;
    clearTimers(s);
    const id = s.spec.id;
    // before the switchboard's "stopped": what the supervisor waits on (a bundle's data work) fails saying how it ended
    this.hostPeers.get(id)?.reset(how);
    if (this.stopping || s.state === 'stopping') {
      s.state = 'stopped';
      this.switchboard.down(id, `${id} is stopped`);
      this.switchboard.announceReset(id, 'stopped');
      this.emitEnded(s, { how, asked: true });
      wake(s);
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
      this.switchboard.down(id, `${id} has failed: ${why}`, { cli: `\`pagi restart ${id}\` starts it again`, app: 'restart it from the System page' });
      this.emitEnded(s, { how, asked: manual });
      wake(s);
      return;
    }
    s.restarts++;
    const delay = Math.min(this.policy.backoffInitialMs * 2 ** Math.max(0, s.crashes.length - 1), this.policy.backoffMaxMs);
    s.state = 'restarting';
    this.emitEnded(s, { how, asked: manual });
    after(s, delay, () => this.launch(s, 'restarting'));
  }

  private stopOne(id: string): Promise<void> {
    const s = this.managed(id);
    clearTimers(s);
    const proc = s.proc;
    if (!proc) {
      s.state = s.state === 'failed' ? 'failed' : 'stopped';
      this.switchboard.down(id, `${id} is stopped`);
      this.emitState(s); // e.g. one waiting out its backoff
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

  private emitState(s: ManagedService): void {
    this.stateChanges.emit(s);
  }

  /** The state change a process's end caused, saying how it ended; the changes after it do not. */
  private emitEnded(s: ManagedService, ended: { how: string; asked: boolean }): void {
    s.ended = ended;
    try {
      this.stateChanges.emit(s);
    } finally {
      s.ended = null;
    }
  }

  /** Frames dropped or refused are worth a line only when someone debugs: the line is not even built otherwise. */
  private debug(msg: () => string): void {
    if (this.opts.logLevel === 'debug' || this.opts.logLevel === 'trace') this.opts.logSink({ service: 'supervisor', level: 'debug', msg: msg(), time: Date.now() });
  }
}

/** A bundle's data work that failed, in the words its user needs: which service ended how, or ran out of time. */
function bundleFailure(id: string, e: PagiError, timeoutMs: number): PagiError {
  if (e.code === 'DEADLINE_EXCEEDED') return new PagiError('DEADLINE_EXCEEDED', `${id} did not finish its part of the bundle within ${Math.round(timeoutMs / 1000)} s`);
  const reset = e.data as { peerReset?: boolean; reason?: string } | undefined;
  if (e.code === 'UNAVAILABLE' && reset?.peerReset) return new PagiError('UNAVAILABLE', `${id} ${reset.reason ?? 'went away'} while working on a twin bundle`);
  return e;
}
