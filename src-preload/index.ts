/** The preload: named, narrow methods per feature (filled in by the desktop-app issue); never raw ipcRenderer. */
import { contextBridge } from 'electron';
import type { AeimgBridge } from '../src-shared/api.js';
import { APP_VERSION } from '../src-main/engine/jobs/version.js';

const bridge: AeimgBridge = {
  app: { version: () => Promise.resolve(APP_VERSION) },
};

contextBridge.exposeInMainWorld('aeimg', bridge);
