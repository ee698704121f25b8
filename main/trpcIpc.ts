import type { BrowserWindow } from 'electron';
import { createIPCHandler } from 'trpc-electron/main';
import type { ApiContext } from '../core/api/coreAccess.js';
import { appRouter } from '../core/api/router.js';

/**
 * One of the two files that know how tRPC crosses Electron IPC (the other is the renderer's link):
 * trpc-electron, a tRPC v11-compatible fork of electron-trpc. Only frames from our own windows'
 * main frames are served.
 */
export function serveTrpcOverIpc(window: BrowserWindow, context: ApiContext): void {
  createIPCHandler({
    router: appRouter,
    windows: [window],
    createContext: async ({ event }) => {
      if (event.sender.id !== window.webContents.id || event.senderFrame !== window.webContents.mainFrame) {
        throw new Error('IPC from an unexpected sender was refused');
      }
      return context;
    },
  });
}
