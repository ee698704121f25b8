import type { DesktopFileBridge } from '../../core/contracts/fileKinds';

/** The desktop app's file bridge (native dialogs, dropped files' paths), from the preload; null in a browser. */
export const desktopFiles: DesktopFileBridge | null = (window as { pagiFiles?: DesktopFileBridge }).pagiFiles ?? null;
