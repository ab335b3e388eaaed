import { BrowserWindow, shell, type Session, type WebPreferences } from 'electron';
import { join } from 'node:path';
import type { RendererEntry } from './ipc-guard.js';

/** The one set of web preferences every window uses. */
export const SECURE_WEB_PREFERENCES: WebPreferences = {
  sandbox: true,
  contextIsolation: true,
  nodeIntegration: false,
  webSecurity: true,
  preload: join(__dirname, '../preload/index.cjs'),
};

const EXTERNAL_SCHEMES = new Set(['https:', 'mailto:']);

/** The one web permission the app uses: writing the viewer's "Copy view" image to the clipboard (never reading it). */
const ALLOWED_PERMISSIONS = new Set(['clipboard-sanitized-write']);

/** No other web permission (camera, notifications, clipboard reading, geolocation…) is ever granted. */
export function restrictPermissions(session: Session): void {
  session.setPermissionRequestHandler((_contents, permission, callback) => callback(ALLOWED_PERMISSIONS.has(permission)));
  session.setPermissionCheckHandler((_contents, permission) => ALLOWED_PERMISSIONS.has(permission));
}

export function createMainWindow(entry: RendererEntry): BrowserWindow {
  const win = new BrowserWindow({ width: 1200, height: 800, show: false, title: 'aeimg', webPreferences: SECURE_WEB_PREFERENCES });
  win.once('ready-to-show', () => win.show());
  // No navigation away from the app, no new windows; external links only for allowed schemes.
  win.webContents.on('will-navigate', (event) => event.preventDefault());
  win.webContents.setWindowOpenHandler(({ url }) => {
    if (EXTERNAL_SCHEMES.has(new URL(url).protocol)) void shell.openExternal(url);
    return { action: 'deny' };
  });
  if (entry.kind === 'url') void win.loadURL(entry.target);
  else void win.loadFile(entry.target);
  return win;
}
