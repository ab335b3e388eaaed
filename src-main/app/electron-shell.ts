/** The Shell the AppService needs, implemented with Electron's dialogs, shell and the window's webContents. */
import { dialog, shell, type BrowserWindow } from 'electron';
import type { EventChannels } from '../../src-shared/api.js';
import type { Shell } from './service/app-service.js';

const FILTERS: Record<string, Electron.FileFilter[]> = {
  png: [{ name: 'PNG image', extensions: ['png'] }],
  dcm: [{ name: 'DICOM file', extensions: ['dcm'] }],
  pdf: [{ name: 'PDF document', extensions: ['pdf'] }],
  txt: [{ name: 'Text', extensions: ['txt'] }],
  xml: [{ name: 'XML document', extensions: ['xml'] }],
  'aeimg-key': [{ name: 'aeimg key export', extensions: ['aeimg-key'] }],
};

export function electronShell(win: () => BrowserWindow | null): Shell {
  return {
    async chooseInputs() {
      const w = win();
      const r = await (w ? dialog.showOpenDialog(w, { properties: ['openFile', 'multiSelections'] }) : dialog.showOpenDialog({ properties: ['openFile', 'multiSelections'] }));
      return r.canceled ? [] : r.filePaths;
    },
    async chooseFolder() {
      const r = await dialog.showOpenDialog({ properties: ['openDirectory', 'createDirectory'] });
      return r.canceled ? null : r.filePaths[0] ?? null;
    },
    async chooseSavePath(defaultName, format) {
      const r = await dialog.showSaveDialog({ defaultPath: defaultName, filters: FILTERS[format] });
      return r.canceled ? null : r.filePath ?? null;
    },
    async reveal(path) {
      shell.showItemInFolder(path);
    },
    emit<C extends keyof EventChannels>(channel: C, payload: EventChannels[C]) {
      win()?.webContents.send(channel, payload);
    },
  };
}
