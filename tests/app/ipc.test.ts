/**
 * The main process's IPC surface without Electron: the validated handler table and the sender check. A renderer
 * (compromised, or a page it navigated to) must not choose where main writes, and calls from other frames are dropped.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { guardedHandler, isOwnRenderer, rendererEntry } from '../../src-main/app/ipc-guard.js';
import { dispatch, InvalidArguments } from '../../src-main/app/service/handlers.js';
import type { AppService } from '../../src-main/app/service/app-service.js';
import { MAX_PASSPHRASE_LENGTH } from '../../src-shared/api.js';

function fakeService() {
  const calls: [string, unknown[]][] = [];
  const service = new Proxy({}, {
    get: (_t, name: string) => (...args: unknown[]) => { calls.push([name, args]); return Promise.resolve({ ok: true, value: null }); },
  }) as unknown as AppService;
  return { service, calls };
}

describe('the handler table', () => {
  it('refuses a save path or export path from the renderer: main asks with its own dialog', async () => {
    const { service, calls } = fakeService();
    const openId = randomUUID();
    await expect(dispatch(service, 'files:save', [openId, 0, 'png', '/home/someone/.bashrc'])).rejects.toBeInstanceOf(InvalidArguments);
    await expect(dispatch(service, 'keys:export', ['Radiology A', 'correct horse battery staple', '/tmp/k.aeimg-key'])).rejects.toBeInstanceOf(InvalidArguments);
    expect(calls).toEqual([]);
    await dispatch(service, 'files:save', [openId, 0, 'png']);
    await dispatch(service, 'keys:export', ['Radiology A', 'correct horse battery staple']);
    expect(calls).toEqual([['save', [openId, 0, 'png']], ['exportKey', ['Radiology A', 'correct horse battery staple']]]);
  });

  it('takes a view to save as bytes and nothing else (no path, no string, at most 64 MB); main asks where', async () => {
    const { service, calls } = fakeService();
    const openId = randomUUID();
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47]);
    for (const bad of [[openId, 0, 'iVBORw0KGgo='], [openId, 0, png, '/home/someone/.bashrc'], [openId, 0, new Uint8Array(64 * 1024 * 1024 + 1)], [openId, -1, png]]) {
      await expect(dispatch(service, 'files:save-view', bad)).rejects.toBeInstanceOf(InvalidArguments);
    }
    expect(calls).toEqual([]);
    await dispatch(service, 'files:save-view', [openId, 2, png]);
    expect(calls).toEqual([['saveView', [openId, 2, png]]]);
  });

  it('passes "for receivers before aeimg 0.9" (recode) through encrypt, preview and settings; nothing else rides along', async () => {
    const { service, calls } = fakeService();
    const req = { paths: ['/tmp/x.dcm'], recipient: { kind: 'key' as const, name: 'A' }, quality: 'auto' as const, deidentify: 'basic' as const };
    await dispatch(service, 'files:encrypt', [{ ...req, recode: true }]);
    await dispatch(service, 'files:preview', [{ path: '/tmp/x.dcm', quality: 'auto', deidentify: 'basic', recode: true, frame: 0 }]);
    await dispatch(service, 'settings:set', [{ recode: true }]);
    expect(calls.map(([, args]) => (args[0] as { recode?: boolean }).recode)).toEqual([true, true, true]);
    await expect(dispatch(service, 'files:encrypt', [{ ...req, recode: 'yes' }])).rejects.toBeInstanceOf(InvalidArguments);
  });

  it('passes a CT declaration (0.36) through encrypt, a study and preview as a whole number of HU in a 16-bit range, never into settings', async () => {
    const { service, calls } = fakeService();
    const req = { paths: ['/tmp/ct.png'], recipient: { kind: 'key' as const, name: 'A' }, quality: 'auto' as const, deidentify: 'basic' as const };
    await dispatch(service, 'files:encrypt', [{ ...req, ctIntercept: -1024 }]);
    await dispatch(service, 'files:encrypt-study', [{ ...req, ctIntercept: 0, name: 'head', maxBytes: 18_000_000 }]);
    await dispatch(service, 'files:preview', [{ path: '/tmp/ct.png', quality: 'auto', deidentify: 'basic', ctIntercept: -1024, frame: 0 }]);
    expect(calls.map(([, args]) => (args[0] as { ctIntercept?: number }).ctIntercept)).toEqual([-1024, 0, -1024]);
    for (const bad of [-1024.5, '-1024', 70000, -70000]) {
      await expect(dispatch(service, 'files:encrypt', [{ ...req, ctIntercept: bad }])).rejects.toBeInstanceOf(InvalidArguments);
    }
    await expect(dispatch(service, 'settings:set', [{ ctIntercept: -1024 }])).rejects.toBeInstanceOf(InvalidArguments);
    expect(calls.length).toBe(3);
  });

  it('asks for the queue\'s CT checks with an intercept, or without (0.39: which go as a CT by their own calibration), never a bad one', async () => {
    const { service, calls } = fakeService();
    await dispatch(service, 'files:ct-checks', [['/tmp/ct.tif'], -1024]);
    await dispatch(service, 'files:ct-checks', [['/tmp/ct.tif'], undefined]);
    await dispatch(service, 'files:ct-checks', [['/tmp/ct.tif']]);
    expect(calls.map(([name, args]) => [name, args[1]])).toEqual([['ctChecks', -1024], ['ctChecks', undefined], ['ctChecks', undefined]]);
    for (const bad of [-1024.5, '-1024', 70000, null]) {
      await expect(dispatch(service, 'files:ct-checks', [['/tmp/ct.tif'], bad])).rejects.toBeInstanceOf(InvalidArguments);
    }
  });

  it('opens a file with or without a passphrase (0.51), never an empty one or one that is not text', async () => {
    const { service, calls } = fakeService();
    await dispatch(service, 'files:open', ['/tmp/a.aeimg']);
    await dispatch(service, 'files:open', ['/tmp/a.aeimg', 'correct horse battery staple']);
    expect(calls).toEqual([['open', ['/tmp/a.aeimg', undefined]], ['open', ['/tmp/a.aeimg', 'correct horse battery staple']]]);
    for (const bad of ['', 42, 'x'.repeat(MAX_PASSPHRASE_LENGTH + 1)]) {
      await expect(dispatch(service, 'files:open', ['/tmp/a.aeimg', bad])).rejects.toBeInstanceOf(InvalidArguments);
    }
  });

  it('encrypts for a passphrase (0.51), never with a name beside it, and never keeps one in the settings', async () => {
    const { service, calls } = fakeService();
    const req = { paths: ['/tmp/a.png'], quality: 'auto' as const, deidentify: 'basic' as const };
    await dispatch(service, 'files:encrypt', [{ ...req, recipient: { kind: 'passphrase', passphrase: 'correct horse battery staple' } }]);
    expect(calls).toEqual([['encrypt', [{ ...req, recipient: { kind: 'passphrase', passphrase: 'correct horse battery staple' } }]]]);
    for (const recipient of [{ kind: 'passphrase', passphrase: '' }, { kind: 'passphrase', name: 'A', passphrase: 'correct horse battery staple' }, { kind: 'key', passphrase: 'x' }]) {
      await expect(dispatch(service, 'files:encrypt', [{ ...req, recipient }])).rejects.toBeInstanceOf(InvalidArguments);
    }
    await expect(dispatch(service, 'settings:set', [{ recipient: { kind: 'passphrase', passphrase: 'correct horse battery staple' } }])).rejects.toBeInstanceOf(InvalidArguments);
    // What a refusal says (main logs it) never quotes what was sent: an unknown key's name could be a passphrase.
    const refused = await dispatch(service, 'settings:set', [{ 'correct horse battery staple': 1 }]).catch((e: Error) => e);
    expect(refused).toBeInstanceOf(InvalidArguments);
    expect((refused as Error).message).toBe('invalid arguments for settings:set: unrecognized_keys at argument 0');
    await dispatch(service, 'settings:set', [{ recipient: { kind: 'key', name: 'A' } }]);
  });

  it('passes the files said not to be CT (0.38) through encrypt and a study as a list of paths; a preview takes none', async () => {
    const { service, calls } = fakeService();
    const req = { paths: ['/tmp/ct.png', '/tmp/mr.png'], recipient: { kind: 'key' as const, name: 'A' }, quality: 'auto' as const, deidentify: 'basic' as const, ctIntercept: -1024 };
    await dispatch(service, 'files:encrypt', [{ ...req, notCt: ['/tmp/mr.png'] }]);
    await dispatch(service, 'files:encrypt-study', [{ ...req, notCt: ['/tmp/mr.png'], name: 'visit', maxBytes: 18_000_000 }]);
    expect(calls.map(([, args]) => (args[0] as { notCt?: string[] }).notCt)).toEqual([['/tmp/mr.png'], ['/tmp/mr.png']]);
    for (const bad of ['/tmp/mr.png', [''], [3]]) {
      await expect(dispatch(service, 'files:encrypt', [{ ...req, notCt: bad }])).rejects.toBeInstanceOf(InvalidArguments);
    }
    // A file not in the request, or a request not declared CT, would make "not a CT" do nothing: refused, for a study too.
    const { ctIntercept: _, ...undeclared } = req;
    for (const bad of [{ ...req, notCt: ['/tmp/other.png'] }, { ...undeclared, notCt: ['/tmp/mr.png'] }]) {
      await expect(dispatch(service, 'files:encrypt', [bad])).rejects.toBeInstanceOf(InvalidArguments);
      await expect(dispatch(service, 'files:encrypt-study', [{ ...bad, name: 'visit', maxBytes: 18_000_000 }])).rejects.toBeInstanceOf(InvalidArguments);
    }
    // A preview is asked with the declaration its file goes with, or without one.
    await expect(dispatch(service, 'files:preview', [{ path: '/tmp/mr.png', quality: 'auto', deidentify: 'basic', notCt: ['/tmp/mr.png'], frame: 0 }])).rejects.toBeInstanceOf(InvalidArguments);
    expect(calls.length).toBe(2);
  });

  it('passes a file\'s own window (0.43) through encrypt, a study and its preview; refuses one for a file not sent, or not a window', async () => {
    const { service, calls } = fakeService();
    const req = { paths: ['/tmp/ct.dcm', '/tmp/mr.dcm'], recipient: { kind: 'key' as const, name: 'A' }, quality: 'within-2' as const, deidentify: 'basic' as const };
    const senderWindows = { '/tmp/ct.dcm': { center: 30, width: 60 }, '/tmp/mr.dcm': { center: 300.5, width: 600, fn: 'SIGMOID' as const } };
    await dispatch(service, 'files:encrypt', [{ ...req, senderWindows }]);
    await dispatch(service, 'files:encrypt-study', [{ ...req, senderWindows, name: 'visit', maxBytes: 18_000_000 }]);
    const preview = { path: '/tmp/ct.dcm', quality: 'within-2' as const, deidentify: 'basic' as const, frame: 0 };
    await dispatch(service, 'files:preview', [{ ...preview, senderWindows: { '/tmp/ct.dcm': { center: 30, width: 60 } } }]);
    await dispatch(service, 'files:preview-window', [preview, { center: -600, width: 1500 }]);
    expect(calls.map(([name, args]) => [name, (args[0] as { senderWindows?: unknown }).senderWindows, args[1]]))
      .toEqual([['encrypt', senderWindows, undefined], ['encryptStudy', senderWindows, undefined], ['preview', { '/tmp/ct.dcm': { center: 30, width: 60 } }, undefined],
        ['previewWindow', undefined, { center: -600, width: 1500 }]]);
    for (const bad of [{ '/tmp/other.dcm': { center: 30, width: 60 } }, { '/tmp/ct.dcm': { center: 30, width: 0 } }, { '/tmp/ct.dcm': { center: 30 } },
      { '/tmp/ct.dcm': { center: 30, width: 60, fn: 'LINEAR' } }, { '/tmp/ct.dcm': { center: 30, width: 60, lut: [] } }]) {
      await expect(dispatch(service, 'files:encrypt', [{ ...req, senderWindows: bad }])).rejects.toBeInstanceOf(InvalidArguments);
      await expect(dispatch(service, 'files:encrypt-study', [{ ...req, senderWindows: bad, name: 'visit', maxBytes: 18_000_000 }])).rejects.toBeInstanceOf(InvalidArguments);
    }
    for (const bad of [{ center: Infinity, width: 60 }, { center: 30, width: -1 }, { center: '30', width: 60 }]) {
      await expect(dispatch(service, 'files:preview-window', [preview, bad])).rejects.toBeInstanceOf(InvalidArguments);
    }
    expect(calls.length).toBe(4);
  });

  it('takes a folder\'s subfolders for encrypt only as plain relative names, one per path: none leads out of the output folder', async () => {
    const { service, calls } = fakeService();
    const req = { paths: ['/cd/DICOM/SE0/IM1', '/cd/IM2'], recipient: { kind: 'key' as const, name: 'A' }, quality: 'auto' as const, deidentify: 'basic' as const };
    await dispatch(service, 'files:encrypt', [{ ...req, subfolders: ['DICOM/SE0', ''] }]);
    expect(calls.length).toBe(1);
    for (const bad of [['../SE0', ''], ['/etc', ''], ['DICOM/../../x', ''], ['C:\\x', ''], ['DICOM//SE0', ''], ['DICOM/SE0']]) {
      await expect(dispatch(service, 'files:encrypt', [{ ...req, subfolders: bad }])).rejects.toBeInstanceOf(InvalidArguments);
    }
    expect(calls.length).toBe(1);
  });

  it('drops unknown channels and malformed arguments before the service sees them', async () => {
    const { service, calls } = fakeService();
    await expect(dispatch(service, 'files:write-anywhere', ['/etc/passwd'])).rejects.toBeInstanceOf(InvalidArguments);
    await expect(dispatch(service, 'files:image', ['not-a-uuid', 0, false])).rejects.toBeInstanceOf(InvalidArguments);
    expect(calls).toEqual([]);
  });
});

describe('the sender check', () => {
  const entry = rendererEntry({ packaged: true, appDir: '/opt/aeimg/resources/app.asar/out/main', devUrl: 'http://localhost:5173/' });
  const own = { sender: 'main-window', senderFrame: { url: entry.url } };

  it('trusts only the app\'s own entry page in its own window', () => {
    expect(entry.url).toBe('file:///opt/aeimg/resources/app.asar/out/renderer/index.html');
    expect(isOwnRenderer(own.senderFrame.url, entry)).toBe(true);
    expect(isOwnRenderer(`${entry.url}#/keys`, entry)).toBe(true);
    expect(isOwnRenderer('file:///tmp/evil.html', entry)).toBe(false);
    expect(isOwnRenderer('file:///opt/aeimg/resources/app.asar/out/renderer/index.html.evil', entry)).toBe(false);
    expect(isOwnRenderer('http://localhost:5173/', entry)).toBe(false); // the dev server counts only in development
  });

  it('honours ELECTRON_RENDERER_URL only in a development build', () => {
    expect(rendererEntry({ packaged: true, appDir: '/a/out/main', devUrl: 'http://localhost:5173/' }).kind).toBe('file');
    const dev = rendererEntry({ packaged: false, appDir: '/a/out/main', devUrl: 'http://localhost:5173/' });
    expect(dev).toMatchObject({ kind: 'url', url: 'http://localhost:5173/' });
    expect(isOwnRenderer('http://localhost:5173/#/open', dev)).toBe(true);
    expect(isOwnRenderer('http://localhost:5173.evil.com/', dev)).toBe(false);
  });

  it('drops calls from other windows or frames without reaching the service', async () => {
    const { service, calls } = fakeService();
    const handler = guardedHandler(service, 'keys:list', (event) => event.sender === 'main-window' && isOwnRenderer(event.senderFrame?.url ?? '', entry));
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    await expect(handler({ sender: 'other-window', senderFrame: { url: entry.url } })).rejects.toThrow(/untrusted sender/);
    await expect(handler({ sender: 'main-window', senderFrame: { url: 'file:///tmp/evil.html' } })).rejects.toThrow(/untrusted sender/);
    await expect(handler({ sender: 'main-window', senderFrame: null })).rejects.toThrow(/untrusted sender/);
    expect(calls).toEqual([]);
    await handler(own);
    expect(calls).toEqual([['listKeys', []]]);
    warn.mockRestore();
  });
});

describe('output folders', () => {
  it('are only those chosen in main\'s folder dialog (or the saved one): a renderer cannot name one', async () => {
    const { mkdtemp, rm } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { AppService } = await import('../../src-main/app/service/app-service.js');
    const picked = await mkdtemp(join(tmpdir(), 'aeimg-picked-'));
    const config = await mkdtemp(join(tmpdir(), 'aeimg-config-'));
    const shell = {
      chooseInputs: async () => [], chooseFolder: async () => picked, chooseSavePath: async () => null,
      reveal: async () => undefined, emit: () => undefined,
    };
    const pool = { size: 1, close: async () => undefined } as unknown as ConstructorParameters<typeof AppService>[1];
    onTestFinished(() => Promise.all([picked, config].map((d) => rm(d, { recursive: true, force: true }))).then(() => undefined));
    const service = new AppService(shell, pool, config);
    const req = { paths: ['/tmp/x.png'], recipient: { kind: 'key' as const, name: 'A' }, quality: 'auto' as const, deidentify: 'basic' as const };
    const refused = await service.encrypt({ ...req, outDir: '/etc' });
    expect(refused).toMatchObject({ ok: false, message: expect.stringMatching(/output folder \/etc was not chosen in this app/) });
    await expect(service.setSettings({ outDir: '/etc' })).rejects.toThrow(/was not chosen in this app/);
    expect(await service.chooseFolder()).toBe(picked);
    expect((await service.setSettings({ outDir: picked })).outDir).toBe(picked);
    // A later session: the saved folder is still allowed, another one is not.
    const later = new AppService(shell, pool, config);
    expect((await later.setSettings({ outDir: picked })).outDir).toBe(picked);
    await expect(later.setSettings({ outDir: join(picked, '..') })).rejects.toThrow(/was not chosen/);
  });
});
