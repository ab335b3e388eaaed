/**
 * Electron main: a thin shell around the engine. One window, one instance; .aeimg files arrive from argv
 * (Windows/Linux), `open-file` (macOS), a second launch, or drops on the window.
 */
import { app, BrowserWindow, session } from 'electron';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { CodecPool } from '../engine/jobs/pool.js';
import { isAeimgPath } from '../../src-shared/files.js';
import { electronShell } from './electron-shell.js';
import { setupIpc } from './ipc.js';
import { AppService } from './service/app-service.js';
import { rendererEntry } from './ipc-guard.js';
import { createMainWindow, restrictPermissions } from './window.js';

let mainWindow: BrowserWindow | null = null;
const pendingOpens: string[] = [];

const aeimgArgs = (argv: string[]) => argv.filter(isAeimgPath);

function requestOpen(path: string): void {
  if (mainWindow && !mainWindow.webContents.isLoading()) mainWindow.webContents.send('files:open-request', path);
  else pendingOpens.push(path);
}

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  // Packaged: models live unpacked beside the asar (build/electron-builder.yml asarUnpack / extraResources).
  if (app.isPackaged) process.env.AEIMG_MODELS_DIR ??= join(process.resourcesPath, 'models');
  process.env.AEIMG_CONFIG_DIR ??= app.getPath('userData');
  app.on('open-file', (event, path) => {
    event.preventDefault();
    requestOpen(path);
  });
  app.on('second-instance', (_event, argv) => {
    if (mainWindow) {
      if (mainWindow.isMinimized()) mainWindow.restore();
      mainWindow.focus();
    }
    aeimgArgs(argv).forEach(requestOpen);
  });
  pendingOpens.push(...aeimgArgs(process.argv.slice(1)));
  void app.whenReady().then(() => {
    // Inference runs on worker threads (one per core), never on this thread.
    const pool = CodecPool.create(Math.max(1, availableParallelism()), join(__dirname, 'codec-worker.js'));
    const service = new AppService(electronShell(() => mainWindow), pool, process.env.AEIMG_CONFIG_DIR!);
    // The dev server URL counts only in a development build (electron-vite dev); a packaged app loads its own file.
    const entry = rendererEntry({ packaged: app.isPackaged, appDir: __dirname, devUrl: process.env.ELECTRON_RENDERER_URL });
    restrictPermissions(session.defaultSession);
    setupIpc(service, () => mainWindow, entry);
    const open = () => {
      mainWindow = createMainWindow(entry);
      mainWindow.webContents.on('did-finish-load', () => pendingOpens.splice(0).forEach(requestOpen));
      mainWindow.on('closed', () => { mainWindow = null; });
    };
    open();
    app.on('activate', () => {
      if (BrowserWindow.getAllWindows().length === 0) open();
    });
    app.on('will-quit', () => void service.close());
  });
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
}
