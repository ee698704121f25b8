import type { Launcher, ServiceProcess } from '../../common/launcher.js';

/**
 * Test fixture: a launcher whose processes a test can end or freeze from outside, as `kill -9` and
 * `kill -STOP` would. A frozen process takes no frame and sends none until it is killed; the process
 * launched after it runs normally.
 */
export function createControlledLauncher(inner: Launcher): { launcher: Launcher; kill(id: string): void; freeze(id: string): void } {
  const current = new Map<string, { proc: ServiceProcess; frozen: boolean }>();
  const of = (id: string): { proc: ServiceProcess; frozen: boolean } => {
    const c = current.get(id);
    if (!c) throw new Error(`no process was launched for ${id}`);
    return c;
  };
  const launcher: Launcher = {
    kind: inner.kind,
    launch(serviceId, handlers) {
      const entry = { proc: null as unknown as ServiceProcess, frozen: false };
      entry.proc = inner.launch(serviceId, {
        ...handlers,
        onMessage: (raw) => {
          if (!entry.frozen) handlers.onMessage(raw);
        },
      });
      current.set(serviceId, entry);
      return {
        get pid() {
          return entry.proc.pid;
        },
        send: (env) => {
          if (!entry.frozen) entry.proc.send(env);
        },
        kill: () => entry.proc.kill(),
      };
    },
  };
  return {
    launcher,
    kill: (id) => of(id).proc.kill(),
    freeze: (id) => void (of(id).frozen = true),
  };
}
