import { app, dialog } from 'electron';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { activeTwinId } from '../core/host/activeTwin.js';
import { sweepExportWork } from '../core/host/bundle/bundleExport.js';
import { sweepImportStaging } from '../core/host/bundle/bundleImport.js';
import { loadHostConfig } from '../core/host/hostConfig.js';
import { createLogSink } from '../core/host/logSink.js';
import { serviceHostEntry, serviceSpecs } from '../core/host/serviceCatalog.js';
import { supervisorAccess } from '../core/host/supervisorAccess.js';
import { Supervisor } from '../core/runtime/node/supervisor.js';
import { serveTrpcOverIpc } from './trpcIpc.js';
import { createUtilityProcessLauncher } from './utilityProcessLauncher.js';
import { createMainWindow } from './window.js';

/** Desktop host: lifecycle, one instance, the supervisor with utility processes, the router over IPC. No business logic. */
const outDir = join(dirname(fileURLToPath(import.meta.url)), '..');
process.umask(0o077); // the data folder (memories, config.json with API keys) is for this user only

const bundleIn = (argv: readonly string[]): string | null => argv.slice(1).find((a) => a.toLowerCase().endsWith('.pagi')) ?? null;

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  let supervisor: Supervisor | null = null;
  let mainWindow: Electron.BrowserWindow | null = null;
  // a .pagi file the OS asked us to open (double-click): the renderer takes it and shows the import dialog
  let openedBundle: string | null = bundleIn(process.argv);

  app.on('second-instance', (_event, argv) => {
    openedBundle = bundleIn(argv) ?? openedBundle;
    if (mainWindow?.isMinimized()) mainWindow.restore();
    mainWindow?.focus();
  });
  app.on('open-file', (event, path) => {
    if (!path.toLowerCase().endsWith('.pagi')) return;
    event.preventDefault();
    openedBundle = path;
    mainWindow?.focus();
  });

  app.on('web-contents-created', (_event, contents) => {
    contents.on('will-attach-webview', (event) => event.preventDefault());
  });

  app.whenReady().then(async () => {
    const dataDir = process.env.PAGI_DATA_DIR ?? app.getPath('userData');
    const config = loadHostConfig(dataDir);
    const twinId = activeTwinId(dataDir);
    sweepImportStaging(dataDir);
    sweepExportWork(dataDir);
    const logs = createLogSink(dataDir, { level: config.logLevel });
    supervisor = new Supervisor({
      launcher: createUtilityProcessLauncher(serviceHostEntry(outDir)),
      specs: serviceSpecs(config.services, outDir),
      dataDir,
      twinId,
      logSink: logs.sink,
      logLevel: config.logLevel,
    });
    await supervisor.start();
    mainWindow = createMainWindow(outDir);
    const takeOpenedBundle = (): string | null => {
      const path = openedBundle;
      openedBundle = null;
      return path;
    };
    const core = supervisorAccess(supervisor, dataDir);
    core.takeOpenedBundle = takeOpenedBundle; // assigned, not spread: the twin id is a live getter
    serveTrpcOverIpc(mainWindow, { core });
  }).catch((err: unknown) => {
    dialog.showErrorBox('PAGI Twin could not start', err instanceof Error ? err.message : String(err));
    app.exit(1);
  });

  let quitting = false;
  app.on('before-quit', (event) => {
    if (quitting || !supervisor) return;
    event.preventDefault();
    quitting = true;
    void supervisor.stop().finally(() => app.exit(0));
  });

  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
}
