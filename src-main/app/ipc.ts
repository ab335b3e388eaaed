/** IPC: every invoke channel goes through the validated dispatch table; messages from unknown senders are dropped. */
import { ipcMain, type BrowserWindow, type IpcMainInvokeEvent } from 'electron';
import { dispatch, INVOKE_CHANNELS, InvalidArguments } from './service/handlers.js';
import type { AppService } from './service/app-service.js';

/** Only our own window, showing our own renderer, may call main. */
function trusted(event: IpcMainInvokeEvent, win: () => BrowserWindow | null): boolean {
  const w = win();
  if (!w || event.sender !== w.webContents) return false;
  const url = event.senderFrame?.url ?? '';
  const dev = process.env.ELECTRON_RENDERER_URL;
  return url.startsWith('file://') || (dev !== undefined && url.startsWith(dev));
}

export function setupIpc(service: AppService, win: () => BrowserWindow | null): void {
  for (const channel of INVOKE_CHANNELS) {
    ipcMain.handle(channel, async (event, ...args: unknown[]) => {
      if (!trusted(event, win)) throw new Error('untrusted sender');
      try {
        return await dispatch(service, channel, args);
      } catch (err) {
        if (err instanceof InvalidArguments) console.warn(`aeimg: dropped ${channel}: ${err.message}`);
        throw err;
      }
    });
  }
}
