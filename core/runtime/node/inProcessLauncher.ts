import type { ServiceDefinition } from '../common/defineService.js';
import type { Launcher, LaunchHandlers, ServiceProcess } from '../common/launcher.js';
import type { Envelope } from '../common/wire.js';
import { runServiceHost } from './serviceHostCore.js';

/**
 * Unit tests: the service runs in this process, joined by paired queues that structuredClone every
 * frame, so a payload that could not cross a process boundary fails here as it would in production.
 */
export function createInProcessLauncher(load: (serviceId: string) => Promise<ServiceDefinition>): Launcher {
  return {
    kind: 'in-process',
    launch(serviceId: string, handlers: LaunchHandlers): ServiceProcess {
      let alive = true;
      let toService: ((raw: unknown) => void) | null = null;
      const deliverLater = (fn: () => void): void => {
        setImmediate(() => {
          if (alive) fn();
        });
      };
      const end = (code: number | null, signal: string | null): void => {
        if (!alive) return;
        alive = false;
        setImmediate(() => handlers.onExit({ code, signal }));
      };
      const handle = runServiceHost({
        pid: process.pid,
        link: {
          send: (env) => {
            if (!alive) return;
            const copy = structuredClone(env);
            // sent while alive: delivered even if the service ends before the next tick (a real pipe keeps it too)
            setImmediate(() => handlers.onMessage(copy));
          },
          onMessage: (cb) => {
            toService = cb;
          },
        },
        exit: (code) => {
          handle.terminate();
          end(code, null);
        },
        loadDefinition: (_modulePath, id) => load(id),
      });
      return {
        pid: null,
        send(env: Envelope) {
          if (!alive) return;
          const copy = structuredClone(env);
          deliverLater(() => toService?.(copy));
        },
        kill() {
          if (!alive) return;
          handle.terminate();
          end(null, 'SIGKILL');
        },
      };
    },
  };
}
