import { BrowserWindow, shell, type WebPreferences } from 'electron';
import { join } from 'node:path';

/** The one set of web preferences every window uses. */
export const SECURE_WEB_PREFERENCES: WebPreferences = {
  sandbox: true,
  contextIsolation: true,
  nodeIntegration: false,
  webSecurity: true,
  preload: join(__dirname, '../preload/index.cjs'),
};

const EXTERNAL_SCHEMES = new Set(['https:', 'mailto:']);

export function createMainWindow(): BrowserWindow {
  const win = new BrowserWindow({ width: 1200, height: 800, show: false, title: 'aeimg', webPreferences: SECURE_WEB_PREFERENCES });
  win.once('ready-to-show', () => win.show());
  // No navigation away from the app, no new windows; external links only for allowed schemes.
  win.webContents.on('will-navigate', (event) => event.preventDefault());
  win.webContents.setWindowOpenHandler(({ url }) => {
    if (EXTERNAL_SCHEMES.has(new URL(url).protocol)) void shell.openExternal(url);
    return { action: 'deny' };
  });
  if (process.env.ELECTRON_RENDERER_URL) void win.loadURL(process.env.ELECTRON_RENDERER_URL);
  else void win.loadFile(join(__dirname, '../renderer/index.html'));
  return win;
}
