import { utilityProcess } from 'electron';
import { createInterface } from 'node:readline';
import type { Launcher, LaunchHandlers, ServiceProcess } from '../core/runtime/common/launcher.js';
import type { Envelope } from '../core/runtime/common/wire.js';

/**
 * Production launcher: each service in an Electron utility process (a Node.js child that Electron
 * manages and reports crashes for), speaking the same wire protocol over its parent port.
 */
export function createUtilityProcessLauncher(hostEntry: string): Launcher {
  return {
    kind: 'utility-process',
    launch(serviceId: string, handlers: LaunchHandlers): ServiceProcess {
      const child = utilityProcess.fork(hostEntry, [`--pagi-service=${serviceId}`], { serviceName: `PAGI ${serviceId}`, stdio: 'pipe' });
      let exited = false;
      child.on('message', (raw: unknown) => handlers.onMessage(raw));
      child.on('exit', (code: number) => {
        exited = true;
        handlers.onExit({ code, signal: null });
      });
      for (const [name, stream] of [['stdout', child.stdout], ['stderr', child.stderr]] as const) {
        if (stream) createInterface({ input: stream }).on('line', (line) => handlers.onOutput(name, line));
      }
      return {
        get pid() {
          return child.pid ?? null;
        },
        send(env: Envelope) {
          if (!exited) child.postMessage(env);
        },
        kill() {
          if (!exited) child.kill();
        },
      };
    },
  };
}
