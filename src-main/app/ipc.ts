/** IPC: every invoke channel goes through the validated dispatch table; messages from unknown senders are dropped. */
import { ipcMain, type BrowserWindow, type IpcMainInvokeEvent } from 'electron';
import { INVOKE_CHANNELS } from './service/handlers.js';
import type { AppService } from './service/app-service.js';
import { guardedHandler, isOwnRenderer, type RendererEntry } from './ipc-guard.js';

export function setupIpc(service: AppService, win: () => BrowserWindow | null, entry: RendererEntry): void {
  // Only our own window, showing our own entry page (not any file:// page it might have been led to).
  const trusted = (event: IpcMainInvokeEvent) => {
    const w = win();
    return w !== null && event.sender === w.webContents && isOwnRenderer(event.senderFrame?.url ?? '', entry);
  };
  for (const channel of INVOKE_CHANNELS) ipcMain.handle(channel, guardedHandler(service, channel, trusted));
}
