import { exposeElectronTRPC } from 'trpc-electron/main';

// The only thing the renderer gets from the preload: the tRPC bridge.
process.once('loaded', () => {
  exposeElectronTRPC();
});
