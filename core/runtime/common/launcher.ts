import type { Envelope } from './wire.js';

export interface ExitInfo {
  code: number | null;
  signal: string | null;
}

export interface LaunchHandlers {
  onMessage(raw: unknown): void;
  onExit(info: ExitInfo): void;
  /** A line the process printed outside the protocol (native libraries, crashes). */
  onOutput(stream: 'stdout' | 'stderr', line: string): void;
}

export interface ServiceProcess {
  readonly pid: number | null;
  send(env: Envelope): void;
  /** Ends the process at once (SIGKILL or its equivalent). */
  kill(): void;
}

/** One wire protocol, a transport per environment: in-process, child process, Electron utility process. */
export interface Launcher {
  readonly kind: 'in-process' | 'child-process' | 'utility-process';
  launch(serviceId: string, handlers: LaunchHandlers): ServiceProcess;
}
