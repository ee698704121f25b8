import { fork } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Launcher, LaunchHandlers, ServiceProcess } from '../common/launcher.js';
import type { Envelope } from '../common/wire.js';

export interface ChildProcessLauncherOptions {
  /** The built service host entry (`out/core/runtime/node/serviceHost.js`). */
  hostEntry: string;
  env?: NodeJS.ProcessEnv;
  execArgv?: string[];
}

/** Headless host and tests: one Node child per service; the parent relays logical channels. */
export function createChildProcessLauncher(opts: ChildProcessLauncherOptions): Launcher {
  return {
    kind: 'child-process',
    launch(serviceId: string, handlers: LaunchHandlers): ServiceProcess {
      const child = fork(opts.hostEntry, [`--pagi-service=${serviceId}`], {
        serialization: 'advanced',
        stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
        env: { ...process.env, ...opts.env },
        execArgv: opts.execArgv ?? ['--enable-source-maps'],
      });
      let exited = false;
      child.on('message', (raw) => handlers.onMessage(raw));
      child.on('exit', (code, signal) => {
        exited = true;
        handlers.onExit({ code, signal });
      });
      child.on('error', (err) => handlers.onOutput('stderr', `process error: ${err.message}`));
      for (const stream of ['stdout', 'stderr'] as const) {
        const s = child[stream];
        if (s) createInterface({ input: s }).on('line', (line) => handlers.onOutput(stream, line));
      }
      return {
        get pid() {
          return child.pid ?? null;
        },
        send(env: Envelope) {
          if (!exited && child.connected) child.send(env);
        },
        kill() {
          if (!exited) child.kill('SIGKILL');
        },
      };
    },
  };
}
