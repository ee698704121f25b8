import { dialog, ipcMain, type BrowserWindow, type IpcMainInvokeEvent } from 'electron';
import { FILE_DIALOG_CHANNELS, FILE_EXTENSIONS, FILE_KIND_LABELS, hasExtensionOf, pickFileRequestSchema, pickSaveFileRequestSchema, type FileKind } from '../core/contracts/fileKinds.js';

/** What a save dialog answered: the path, and whether the user agreed to replace a file there. */
export interface SaveChoice { path: string; overwrite: boolean }

const filters = (kind: FileKind): Electron.FileFilter[] => [{ name: FILE_KIND_LABELS[kind].replace(/^an? /, ''), extensions: FILE_EXTENSIONS[kind].map((e) => e.slice(1)) }];

/**
 * The system's open and save dialogs for the renderer, through the preload bridge (`pickFile`,
 * `pickSaveFile`): asked only by our window's main frame, with a kind checked here, never a path
 * or a filter the page chose. The renderer gets back a path the user picked, or null.
 */
export function serveFileDialogs(window: BrowserWindow): void {
  const fromOurWindow = (event: IpcMainInvokeEvent): boolean => event.sender.id === window.webContents.id && event.senderFrame === window.webContents.mainFrame;
  ipcMain.handle(FILE_DIALOG_CHANNELS.pick, async (event, raw: unknown): Promise<string | null> => {
    if (!fromOurWindow(event)) throw new Error('a file dialog from an unexpected sender was refused');
    const { kind } = pickFileRequestSchema.parse(raw);
    const r = await dialog.showOpenDialog(window, { title: `Choose ${FILE_KIND_LABELS[kind]}`, properties: ['openFile'], filters: filters(kind) });
    return r.canceled ? null : (r.filePaths[0] ?? null);
  });
  ipcMain.handle(FILE_DIALOG_CHANNELS.save, async (event, raw: unknown): Promise<SaveChoice | null> => {
    if (!fromOurWindow(event)) throw new Error('a file dialog from an unexpected sender was refused');
    const { kind, suggestedName } = pickSaveFileRequestSchema.parse(raw);
    // the dialog asks before replacing a file: what it returns may be written over
    const r = await dialog.showSaveDialog(window, { title: `Save ${FILE_KIND_LABELS[kind]}`, defaultPath: suggestedName, filters: filters(kind), properties: ['showOverwriteConfirmation', 'createDirectory'] });
    if (r.canceled || !r.filePath) return null;
    if (hasExtensionOf(kind, r.filePath)) return { path: r.filePath, overwrite: true };
    // a name typed without the extension gets it: the dialog asked about a different file, so nothing there is replaced
    return { path: `${r.filePath}${FILE_EXTENSIONS[kind][0]}`, overwrite: false };
  });
}
