import { pathToFileURL } from 'node:url';
import { PagiError } from '../../contracts/errors.js';
import type { ServiceDefinition } from '../common/defineService.js';
import type { Envelope } from '../common/wire.js';
import { runServiceHost, type HostLink } from './serviceHostCore.js';

/**
 * The entry of every service process: a Node child (`child_process.fork`, IPC) or an Electron
 * utility process (`process.parentPort`). Which service it runs comes with `init`.
 */
interface ParentPortLike {
  postMessage(msg: unknown): void;
  on(event: 'message', cb: (e: { data: unknown }) => void): void;
}

function linkToParent(): HostLink {
  const parentPort = (process as unknown as { parentPort?: ParentPortLike }).parentPort;
  if (parentPort) {
    return {
      send: (env: Envelope) => parentPort.postMessage(env),
      onMessage: (cb) => parentPort.on('message', (e) => cb(e.data)),
    };
  }
  if (process.send) {
    process.on('disconnect', () => process.exit(0)); // the host is gone: never linger as an orphan
    return {
      send: (env: Envelope) => {
        if (process.connected) process.send?.(env);
      },
      onMessage: (cb) => process.on('message', cb),
    };
  }
  throw new Error('serviceHost must be started by a PAGI supervisor (no IPC channel found)');
}

// a twin's databases and backups are for this user's eyes only (folders 0700, files 0600)
process.umask(0o077);

const link = linkToParent();

process.on('uncaughtException', (err) => {
  link.send({ c: '$ctl', m: { k: 'log', level: 'fatal', msg: `uncaught exception: ${err.message}`, data: { stack: err.stack }, time: Date.now() } });
  process.exit(70);
});
process.on('unhandledRejection', (err) => {
  const e = PagiError.from(err);
  link.send({ c: '$ctl', m: { k: 'log', level: 'error', msg: `unhandled rejection: ${e.message}`, time: Date.now() } });
});

runServiceHost({
  link,
  pid: process.pid,
  exit: (code) => setTimeout(() => process.exit(code), 20),
  loadDefinition: async (modulePath) => {
    const mod = (await import(pathToFileURL(modulePath).href)) as { default?: ServiceDefinition };
    if (!mod.default) throw new Error(`${modulePath} has no default export (a defineService(...) result)`);
    return mod.default;
  },
});
