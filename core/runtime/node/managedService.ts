import type { ServiceProcess } from '../common/launcher.js';
import type { ServiceState, ServiceStateChange, ServiceStateListener, ServiceStatus } from '../common/serviceStatus.js';

export interface ServiceSpec {
  id: string;
  dependsOn: readonly string[];
  /** What the service host imports (a built file); the in-process launcher ignores it. */
  modulePath: string;
  config?: unknown;
}

/** The supervisor's record of one service: its process now, and what it knows of the runs before. */
export interface ManagedService {
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
  /** How its process just ended, told with the next state change only (see ServiceStateChange.ended). */
  ended: { how: string; asked: boolean } | null;
  timers: Set<ReturnType<typeof setTimeout>>;
  waiters: Array<() => void>;
}

export function createManaged(spec: ServiceSpec): ManagedService {
  return {
    spec, state: 'stopped', proc: null, pid: null, restarts: 0, crashes: [], lastError: null, permanentError: false,
    startedAt: null, rssBytes: null, cpuMicros: null, healthy: null, effectiveConfig: null, missedPings: 0, manualRestart: false, ended: null,
    timers: new Set(), waiters: [],
  };
}

export function statusOf(s: ManagedService): ServiceStatus {
  return {
    id: s.spec.id, state: s.state, pid: s.pid, restarts: s.restarts, rssBytes: s.rssBytes, cpuMicros: s.cpuMicros,
    lastError: s.lastError, startedAt: s.startedAt, dependsOn: [...s.spec.dependsOn], healthy: s.healthy,
  };
}

/** A timer that belongs to the service's current run: cleared when the process exits or is stopped. */
export function after(s: ManagedService, ms: number, fn: () => void): void {
  const t = setTimeout(() => {
    s.timers.delete(t);
    fn();
  }, ms);
  s.timers.add(t);
}

export function clearTimers(s: ManagedService): void {
  for (const t of s.timers) clearTimeout(t);
  s.timers.clear();
}

/** Whoever waits for the service to settle (start, restart, stop) goes on. */
export function wake(s: ManagedService): void {
  for (const w of s.waiters.splice(0)) w();
}

/**
 * The listeners of state changes. A relaunch in the state already told is not told again; a listener
 * that throws (or rejects) is reported and the others are still told: the supervisor's own work
 * never depends on who listens.
 */
export function createStateChanges(onListenerError: (err: unknown) => void) {
  const listeners = new Set<ServiceStateListener>();
  const told = new Map<string, string>();
  return {
    subscribe(listener: ServiceStateListener): () => void {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    emit(s: ManagedService): void {
      const key = JSON.stringify([s.state, s.restarts, s.lastError]);
      if (told.get(s.spec.id) === key) return;
      told.set(s.spec.id, key);
      const change: ServiceStateChange = Object.freeze({
        id: s.spec.id, state: s.state, restarts: s.restarts, lastError: s.lastError, at: Date.now(), ...(s.ended ? { ended: { ...s.ended } } : {}),
      });
      for (const listener of [...listeners]) {
        try {
          const result: unknown = listener(change);
          if (result instanceof Promise) result.catch(onListenerError);
        } catch (err) {
          onListenerError(err);
        }
      }
    },
  };
}
