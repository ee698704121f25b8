import { app, dialog } from 'electron';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bootCore, serviceHostEntry, type BootedCore } from '../core/host/hostBoot.js';
import { serveFileDialogs } from './fileDialogs.js';
import { serveTrpcOverIpc } from './trpcIpc.js';
import { createUtilityProcessLauncher } from './utilityProcessLauncher.js';
import { createMainWindow } from './window.js';

/** Desktop host: lifecycle, one instance, the supervisor with utility processes, the router over IPC. No business logic. */
const outDir = join(dirname(fileURLToPath(import.meta.url)), '..');

const bundleIn = (argv: readonly string[]): string | null => argv.slice(1).find((a) => a.toLowerCase().endsWith('.pagi')) ?? null;

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  let booted: BootedCore | null = null;
  let mainWindow: Electron.BrowserWindow | null = null;
  // a .pagi file the OS asked us to open (double-click): the renderer takes it and shows the import dialog
  let openedBundle: string | null = bundleIn(process.argv);

  app.on('second-instance', (_event, argv) => {
    openedBundle = bundleIn(argv) ?? openedBundle;
    if (openedBundle) booted?.context.watch.tell({ kind: 'bundle-opened' }); // the renderer asks for it now, not on a timer
    if (mainWindow?.isMinimized()) mainWindow.restore();
    mainWindow?.focus();
  });
  app.on('open-file', (event, path) => {
    if (!path.toLowerCase().endsWith('.pagi')) return;
    event.preventDefault();
    openedBundle = path;
    booted?.context.watch.tell({ kind: 'bundle-opened' });
    mainWindow?.focus();
  });

  app.on('web-contents-created', (_event, contents) => {
    contents.on('will-attach-webview', (event) => event.preventDefault());
  });

  app.whenReady().then(async () => {
    booted = await bootCore({
      dataDir: process.env.PAGI_DATA_DIR ?? app.getPath('userData'),
      outDir,
      launcher: createUtilityProcessLauncher(serviceHostEntry(outDir)),
    });
    booted.announce({ kind: 'desktop' });
    mainWindow = createMainWindow(outDir);
    const takeOpenedBundle = (): string | null => {
      const path = openedBundle;
      openedBundle = null;
      return path;
    };
    const { context } = booted;
    context.bundles.takeOpened = takeOpenedBundle; // assigned, not spread: the twin id is a live getter
    serveTrpcOverIpc(mainWindow, context);
    serveFileDialogs(mainWindow);
  }).catch((err: unknown) => {
    dialog.showErrorBox('PAGI Twin could not start', err instanceof Error ? err.message : String(err));
    app.exit(1);
  });

  let quitting = false;
  app.on('before-quit', (event) => {
    if (quitting || !booted) return;
    event.preventDefault();
    quitting = true;
    void booted.stop().finally(() => app.exit(0));
  });

  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
}
