import { contextBridge, ipcRenderer, webUtils } from 'electron';
import { exposeElectronTRPC } from 'trpc-electron/main';
import type { DesktopFileBridge, FILE_DIALOG_CHANNELS } from '../core/contracts/fileKinds';

// The channel names, typed against the main process's (a sandboxed preload bundles no app module).
const CHANNELS: typeof FILE_DIALOG_CHANNELS = { pick: 'pagi:files:pick', save: 'pagi:files:save' };

/** Native open/save dialogs and the path of a dropped file: what the main process checks, and nothing else. */
const files: DesktopFileBridge = {
  pickFile: ({ kind }) => ipcRenderer.invoke(CHANNELS.pick, { kind }) as Promise<string | null>,
  pickSaveFile: ({ kind, suggestedName }) => ipcRenderer.invoke(CHANNELS.save, { kind, suggestedName }) as Promise<{ path: string; overwrite: boolean } | null>,
  pathForFile: (file) => webUtils.getPathForFile(file as File),
};

// What the renderer gets from the preload: the tRPC bridge and the file bridge.
process.once('loaded', () => {
  exposeElectronTRPC();
  contextBridge.exposeInMainWorld('pagiFiles', files);
});
