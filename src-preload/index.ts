/** The preload: named, narrow methods per feature over IPC; never raw ipcRenderer. Keys never pass here. */
import { contextBridge, ipcRenderer, webUtils } from 'electron';
import type { AeimgBridge, EventChannel, EventChannels, InvokeChannel, InvokeChannels } from '../src-shared/api.js';

const call = <C extends InvokeChannel>(channel: C, ...args: InvokeChannels[C]) => ipcRenderer.invoke(channel, ...args);

function listen<C extends EventChannel>(channel: C, listener: (payload: EventChannels[C]) => void): () => void {
  const wrapped = (_event: Electron.IpcRendererEvent, payload: EventChannels[C]) => listener(payload);
  ipcRenderer.on(channel, wrapped);
  return () => ipcRenderer.removeListener(channel, wrapped);
}

const bridge: AeimgBridge = {
  app: { info: () => call('app:info') },
  files: {
    pathsOf: async (files) => files.map((f) => webUtils.getPathForFile(f)).filter((p) => p !== ''),
    expand: (paths) => call('files:expand', paths),
    chooseInputs: () => call('files:choose-inputs'),
    chooseFolder: () => call('files:choose-folder'),
    encrypt: (req) => call('files:encrypt', req),
    estimateStudy: (req) => call('files:estimate-study', req),
    ctChecks: (paths, ctIntercept) => call('files:ct-checks', paths, ctIntercept),
    encryptStudy: (req) => call('files:encrypt-study', req),
    cancel: (jobId) => call('files:cancel', jobId),
    confirm: (jobId, index, write) => call('files:confirm', jobId, index, write),
    onProgress: (listener) => listen('files:progress', listener),
    received: (paths) => call('files:received', paths),
    open: (path, passphrase) => call('files:open', path, passphrase),
    image: (openId, index, denoised) => call('files:image', openId, index, denoised),
    attributes: (openId, index) => call('files:attributes', openId, index),
    save: (openId, index, format) => call('files:save', openId, index, format),
    saveView: (openId, index, png) => call('files:save-view', openId, index, png),
    saveReport: (openId, n) => call('files:save-report', openId, n),
    reportPdf: (openId, n) => call('files:report-pdf', openId, n),
    exportAll: (openId, format) => call('files:export-all', openId, format),
    preview: (req) => call('files:preview', req),
    previewWindow: (req, window) => call('files:preview-window', req, window),
    reveal: (path) => call('files:reveal', path),
    onOpenRequest: (listener) => listen('files:open-request', listener),
  },
  keys: {
    list: () => call('keys:list'),
    create: (name) => call('keys:create', name),
    remove: (name) => call('keys:remove', name),
    exportKey: (name, passphrase) => call('keys:export', name, passphrase),
    importKey: (path, passphrase, name) => (name === undefined ? call('keys:import', path, passphrase) : call('keys:import', path, passphrase, name)),
    addContact: (path, name) => (name === undefined ? call('keys:add-contact', path) : call('keys:add-contact', path, name)),
    myCard: () => call('keys:my-card'),
  },
  settings: {
    get: () => call('settings:get'),
    set: (patch) => call('settings:set', patch),
  },
};

contextBridge.exposeInMainWorld('aeimg', bridge);
