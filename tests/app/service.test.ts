/**
 * The app's service over the real engine and codec workers: errors in the app's words (never a command-line flag,
 * where the CLI names one for the same case), and a cancel that stops the file in progress.
 */
import { execFile, execFileSync } from 'node:child_process';
import { copyFile, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { JobProgress } from '../../src-shared/api.js';
import { AppService, type Shell } from '../../src-main/app/service/app-service.js';
import { encodePng } from '../../src-main/engine/image/io.js';
import { encryptImageFile } from '../../src-main/engine/jobs/encrypt.js';
import { encryptStudy } from '../../src-main/engine/jobs/study.js';
import { CodecPool } from '../../src-main/engine/jobs/pool.js';
import { generateSharedKey, writeKeyFile } from '../../src-main/engine/keys/keyfile.js';
import { Passphrase } from '../../src-main/engine/keys/recipients.js';
import type { KeyStore } from '../../src-main/engine/keys/keystore.js';
import { defaultModel, MR_SLICE, onTmpfs, phantom, pngClaiming, ROOT, tempDir } from '../helpers.js';

const key = generateSharedKey('Radiology A');
const info = { id: key.keyId, name: 'Radiology A', fingerprint: key.fingerprint, created: '2026-01-01T00:00:00.000Z' };
/** A keychain holding one key, without the OS keychain. */
const store = {
  list: async () => [info], contacts: async () => [], find: async () => info, sharedKey: async () => key,
  identitiesFor: async () => [key],
} as unknown as KeyStore;

const services: AppService[] = [];
afterEach(async () => { await Promise.all(services.splice(0).map((s) => s.close())); });

async function service(keys: KeyStore = store, chooseSavePath: Shell['chooseSavePath'] = async () => null): Promise<{ app: AppService; events: JobProgress[] }> {
  const events: JobProgress[] = [];
  const shell: Shell = {
    chooseInputs: async () => [], chooseFolder: async () => null, chooseSavePath, reveal: async () => undefined,
    emit: (channel, payload) => { if (channel === 'files:progress') events.push(payload as JobProgress); },
  };
  const app = new AppService(shell, CodecPool.create(1), await tempDir(), keys);
  services.push(app);
  return { app, events };
}

const finished = (e: JobProgress) => e.status === 'done' || e.status === 'failed' || e.status === 'cancelled';

/** Starts an encryption job and waits until every file has its final status. */
async function encryptAll(paths: string[], recode?: boolean): Promise<JobProgress[]> {
  const { app, events } = await service();
  const started = await app.encrypt({ paths, recipient: { kind: 'key', name: 'Radiology A' }, quality: 'auto', deidentify: 'basic', recode });
  if (!started.ok) throw new Error(started.message);
  await vi.waitFor(() => expect(events.filter(finished).length).toBe(paths.length), { timeout: 60_000, interval: 50 });
  return events.filter(finished).sort((a, b) => a.index - b.index);
}

describe('compressed DICOM frames in the app', () => {
  it('a lossy JPEG 2000 CT goes as its own data, said so; "for receivers before 0.9" codes it as 0.8 did', async () => {
    const dir = await tempDir();
    for (const sub of ['keep', 'recode']) {
      await mkdir(join(dir, sub));
      await copyFile(join(ROOT, 'tests', 'fixtures', 'dicom', 'ct_head_512_j2k_lossy.dcm'), join(dir, sub, 'ct.dcm'));
    }
    const [kept] = await encryptAll([join(dir, 'keep', 'ct.dcm')]);
    const [recoded] = await encryptAll([join(dir, 'recode', 'ct.dcm')], true);
    expect(kept?.result?.fidelityText).toBe('bit-exact (the file\'s own JPEG 2000 data)');
    expect(recoded?.result?.fidelityText).toBe('bit-exact');
    expect(recoded!.result!.outputBytes).toBeGreaterThan(10 * kept!.result!.outputBytes); // 93.5 KB against 2.6 KB
  });
});

describe('a DICOM file named after its patient, in the app', () => {
  it('goes under a name without the patient\'s, said in its row', async () => {
    const dir = await tempDir();
    // The fixture's Patient's Name is CompressedSamples^CT1, its ID 1CT1.
    await copyFile(join(ROOT, 'tests', 'fixtures', 'dicom', 'ct_small_explicit_le.dcm'), join(dir, 'CompressedSamples 1CT1.dcm'));
    const [done] = await encryptAll([join(dir, 'CompressedSamples 1CT1.dcm')]);
    expect(done?.result?.output).toBe(join(dir, 'anon.aeimg'));
    expect(done?.result?.warnings.join('\n')).toContain('which de-identification keeps out of what is sent: the image goes as anon.dcm, in anon.aeimg.');
  });
});

describe('images on a read-only disk (a CD), in the app', () => {
  it('without an output folder: one message saying to choose one, no job started', async (ctx) => {
    const dir = await tempDir();
    await onTmpfs(ctx, join(dir, 'cd'), '1m', async (cd) => {
      await writeFile(join(cd, 'a.png'), await encodePng(phantom(16, 16)));
      execFileSync('mount', ['-o', 'remount,ro', cd], { stdio: 'ignore' });
      const { app, events } = await service();
      const r = await app.encrypt({ paths: [join(cd, 'a.png')], recipient: { kind: 'key', name: 'Radiology A' }, quality: 'auto', deidentify: 'basic' });
      expect(r.ok ? '' : r.message).toContain('cannot be written (a CD or a write-protected share?). Choose an output folder with "Output folder…".');
      expect(events).toEqual([]);
    });
  });
});

describe('errors in the app\'s words', () => {
  it('an existing output and a too-large image: what happened and what to do in the app, no CLI flag; the CLI names its flags', async () => {
    const dir = await tempDir();
    await copyFile(MR_SLICE, join(dir, 'scan.png'));
    await writeFile(join(dir, 'scan.aeimg'), 'already here');
    await writeFile(join(dir, 'big.png'), pngClaiming(9000, 9000)); // 81 MP, over the default limit
    const [exists, big] = await encryptAll([join(dir, 'scan.png'), join(dir, 'big.png')]);
    expect(exists).toMatchObject({ status: 'failed', error: expect.stringMatching(/^scan\.png: scan\.aeimg already exists in .*\. Choose another output folder/) });
    expect(big).toMatchObject({ status: 'failed', error: expect.stringMatching(/^big\.png: is 9000x9000 pixels .* over the limit .*\. Split or downscale the image/) });
    for (const e of [exists, big]) expect(e?.error).not.toMatch(/--\w|`aeimg /);

    const keyFile = join(dir, 'k.key');
    await writeKeyFile(keyFile, key);
    const cli = await promisify(execFile)(process.execPath, [join(ROOT, 'bin/aeimg.js'), 'encrypt', join(dir, 'scan.png'), join(dir, 'big.png'), '--key-file', keyFile])
      .catch((e: { stderr: string }) => e);
    expect(cli.stderr).toMatch(/error: scan\.png: scan\.aeimg already exists in .*pass --force to replace it/);
    expect(cli.stderr).toMatch(/error: big\.png: is 9000x9000 pixels .*raise the limit with --max-pixels/);
  });

  it('a result (not an event) is worded for the app too: a file for a key not in the keychain', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'scan.png'), await encodePng(phantom(64, 64)));
    await encryptImageFile(join(dir, 'scan.png'), { model: await defaultModel(), recipients: [generateSharedKey('Elsewhere')], measure: false });
    const { app } = await service({ ...store, identitiesFor: async () => [] } as unknown as KeyStore);
    const r = await app.open(join(dir, 'scan.aeimg'));
    expect(r).toMatchObject({ ok: false, code: 'WRONG_KEY', message: expect.stringMatching(/^scan\.aeimg: was encrypted for key fingerprint .*, which is not in this keychain\. Import that key first \(Keys → Import\)/) });
    expect(r.ok ? '' : r.message).not.toMatch(/--\w|`aeimg /);
    // One encrypted with a passphrase: no key to import; the app asks for the passphrase (0.51; 0.50 said it took none,
    // and before that "for a passphrase, which is not in this keychain. Import that key first").
    await copyFile(join(dir, 'scan.png'), join(dir, 'pass.png'));
    await encryptImageFile(join(dir, 'pass.png'), { model: await defaultModel(), recipients: [new Passphrase('correct horse battery staple')], measure: false });
    const p = await app.open(join(dir, 'pass.aeimg'));
    expect(p).toEqual({ ok: false, code: 'WRONG_KEY', remedy: 'give-passphrase', message: 'pass.aeimg: was encrypted with a passphrase, not for a key. Enter the ' +
      'passphrase the sender told you (by phone or in person, not in the e-mail that brought the file).' });
    const cli = await promisify(execFile)(process.execPath, [join(ROOT, 'bin/aeimg.js'), 'decrypt', join(dir, 'pass.aeimg'), '-o', join(dir, 'out')],
      { env: { ...process.env, AEIMG_PASSPHRASE: '', AEIMG_CONFIG_DIR: join(dir, 'config'), AEIMG_KEYCHAIN_SERVICE: `aeimg-test-${process.pid}` } }).catch((e: { stderr: string }) => e);
    expect(cli.stderr).toContain('error: pass.aeimg: was encrypted with a passphrase, not for a key. Give its passphrase with --passphrase-file FILE (or in AEIMG_PASSPHRASE); ask the sender for it.\n');
  });
});

describe('a file encrypted with a passphrase, opened in the app (0.51)', () => {
  it('opens with its passphrase alone (a study whole, from any part), says a wrong one is wrong, and never asks the keychain', async () => {
    const dir = await tempDir();
    const model = await defaultModel();
    const pass = new Passphrase('correct horse battery staple');
    const slices = [];
    for (let i = 0; i < 3; i++) {
      slices.push(join(dir, `s${i}.png`));
      await writeFile(slices[i]!, await encodePng(phantom(48, 48 + 8 * i)));
    }
    await encryptImageFile(slices[0]!, { model, recipients: [pass], measure: false });
    await mkdir(join(dir, 'study'));
    const enc = await encryptStudy(slices, { model, recipients: [pass], name: 'st', outDir: join(dir, 'study'), maxPartBytes: 1_200, coding: { quality: 'max', bits: 8 }, measure: false });
    expect(enc.parts.length).toBeGreaterThan(1);
    const identitiesFor = vi.fn(async () => [key]);
    const { app } = await service({ ...store, identitiesFor } as unknown as KeyStore);

    const wrong = await app.open(join(dir, 's0.aeimg'), 'correct horse battery stapler');
    expect(wrong).toEqual({ ok: false, code: 'WRONG_KEY', message: 's0.aeimg: the passphrase is wrong (or the file was altered). Check the passphrase with the sender.' });
    const opened = await app.open(join(dir, 's0.aeimg'), 'correct horse battery staple');
    expect(opened).toMatchObject({ ok: true, value: { name: 's0.aeimg', key: 'the passphrase', images: [{ width: 48, height: 48 }] } });
    const last = enc.parts[enc.parts.length - 1]!.path;
    const study = await app.open(last, 'correct horse battery staple');
    expect(study).toMatchObject({ ok: true, value: { name: `st (${enc.parts.length} parts)`, key: 'the passphrase' } });
    expect(study.ok && study.value.images.length).toBe(3);
    const image = study.ok ? await app.image(study.value.openId, 2, false) : undefined;
    expect(image).toMatchObject({ ok: true, value: { width: 48, height: 64 } });
    expect(identitiesFor).not.toHaveBeenCalled();
    // A key-encrypted file is not opened by a passphrase given for it: it names the key it needs.
    await copyFile(slices[1]!, join(dir, 'k.png'));
    await encryptImageFile(join(dir, 'k.png'), { model, recipients: [key], measure: false });
    expect(await app.open(join(dir, 'k.aeimg'), 'correct horse battery staple')).toMatchObject({ ok: false, code: 'WRONG_KEY',
      message: expect.stringMatching(/^k\.aeimg: was encrypted for key fingerprint .*, not for the passphrase\./) });
    expect(await app.open(join(dir, 'k.aeimg'))).toMatchObject({ ok: true, value: { key: expect.stringMatching(/^Radiology A \(/) } });
  });

  it('a study opens from its own parts where a folder holds another of the same name (a browser\'s "st.part1of2 (1).aeimg"), or a part for another key (0.51)', async () => {
    const dir = await tempDir();
    const model = await defaultModel();
    const slices: string[] = [];
    for (let i = 0; i < 2; i++) {
      slices.push(join(dir, `s${i}.png`));
      await writeFile(slices[i]!, await encodePng(phantom(48, 48 + 8 * i)));
    }
    const make = async (out: string, recipients: (Passphrase | typeof key)[]) => {
      await mkdir(out);
      return (await encryptStudy(slices, { model, recipients, name: 'st', outDir: out, maxPartBytes: 1_200, coding: { quality: 'max', bits: 8 }, measure: false })).parts;
    };
    const first = await make(join(dir, 'a'), [new Passphrase('correct horse battery staple')]);
    const second = await make(join(dir, 'b'), [new Passphrase('another horse battery staple')]);
    expect(first.length).toBe(2);
    const downloads = join(dir, 'downloads');
    await mkdir(downloads);
    for (const p of first) await copyFile(p.path, join(downloads, basename(p.path)));
    for (const p of second) await copyFile(p.path, join(downloads, basename(p.path).replace(/\.aeimg$/, ' (1).aeimg')));
    const { app } = await service({ ...store, identitiesFor: async () => [] } as unknown as KeyStore);
    // Before: "st.part1of2 (1).aeimg: the passphrase is wrong", for either study with its right passphrase.
    expect(await app.open(join(downloads, 'st.part1of2.aeimg'), 'correct horse battery staple')).toMatchObject({ ok: true, value: { name: 'st (2 parts)' } });
    expect(await app.open(join(downloads, 'st.part2of2 (1).aeimg'), 'another horse battery staple')).toMatchObject({ ok: true, value: { name: 'st (2 parts)' } });
    // A study of one part, renamed ("scan.aeimg"), opens from itself.
    await mkdir(join(dir, 'one'));
    const [single] = (await encryptStudy(slices, { model, recipients: [new Passphrase('correct horse battery staple')], name: 'st', outDir: join(dir, 'one'), coding: { quality: 'max', bits: 8 }, measure: false })).parts;
    await mkdir(join(dir, 'renamed'));
    await copyFile(single!.path, join(dir, 'renamed', 'scan.aeimg'));
    expect(await app.open(join(dir, 'renamed', 'scan.aeimg'), 'correct horse battery staple')).toMatchObject({ ok: true, value: { name: 'st (1 part)' } });
    // A part missing: said, with the file beside it that is not this study's.
    const keyed = await make(join(dir, 'k'), [key]);
    const mixed = join(dir, 'mixed');
    await mkdir(mixed);
    await copyFile(first[0]!.path, join(mixed, 'st.part1of2.aeimg'));
    await copyFile(keyed[1]!.path, join(mixed, 'st.part2of2.aeimg'));
    expect(await app.open(join(mixed, 'st.part1of2.aeimg'), 'correct horse battery staple')).toMatchObject({ ok: false, message:
      "st.part1of2.aeimg: the study 'st' is incomplete: st.part2of2.aeimg is missing. Add it and try again. Beside it, st.part2of2.aeimg is of another study " +
      'or for another key (or damaged: then ask the sender for a new copy).' });
  });
});

describe('a file sent with a passphrase from the app (0.51)', () => {
  it('goes only with a passphrase strong enough, and opens with it alone; the settings never take one', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'scan.png'), await encodePng(phantom(40, 40)));
    const identitiesFor = vi.fn(async () => []); // a keychain holds nothing for a passphrase's stanza
    const { app, events } = await service({ ...store, identitiesFor } as unknown as KeyStore);
    const request = (passphrase: string) => ({ paths: [join(dir, 'scan.png')], recipient: { kind: 'passphrase' as const, passphrase }, quality: 'auto' as const, deidentify: 'basic' as const });
    expect(await app.encrypt(request('short one'))).toEqual({ ok: false, code: 'USAGE', message: 'the passphrase is too weak: it is shorter than 12 ' +
      'characters. Use 12 or more characters: several words, or letters mixed with digits and symbols.' });
    expect(await readdir(dir)).toEqual(['scan.png']);
    const started = await app.encrypt(request('correct horse battery staple'));
    expect(started.ok).toBe(true);
    await vi.waitFor(() => expect(events.filter(finished)).toHaveLength(1), { timeout: 60_000, interval: 50 });
    expect(events.filter(finished)[0]).toMatchObject({ status: 'done' });
    expect(await app.open(join(dir, 'scan.aeimg'))).toMatchObject({ ok: false, remedy: 'give-passphrase' });
    expect(await app.open(join(dir, 'scan.aeimg'), 'correct horse battery staple')).toMatchObject({ ok: true, value: { key: 'the passphrase' } });
    expect(identitiesFor).toHaveBeenCalledTimes(1); // the open without a passphrase only
  });
});

describe('"Save view as PNG" in the app', () => {
  it('writes the view the renderer drew where main\'s dialog says, offered as NAME.view.png; what is not a PNG is refused, nothing written', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'scan.png'), await encodePng(phantom(64, 64)));
    await encryptImageFile(join(dir, 'scan.png'), { model: await defaultModel(), recipients: [key], measure: false });
    const offered: string[] = [];
    const chosen = join(dir, 'chosen.png');
    const { app } = await service(store, async (name) => { offered.push(name); return chosen; });
    const opened = await app.open(join(dir, 'scan.aeimg'));
    if (!opened.ok) throw new Error(opened.message);
    const view = new Uint8Array(await encodePng(phantom(40, 30)));
    expect(await app.saveView(opened.value.openId, 0, view)).toEqual({ ok: true, value: { path: chosen } });
    expect(offered).toEqual(['scan.view.png']);
    expect(new Uint8Array(await readFile(chosen))).toEqual(view);

    const svg = new TextEncoder().encode('<svg xmlns="http://www.w3.org/2000/svg"/>');
    expect(await app.saveView(opened.value.openId, 0, svg)).toMatchObject({ ok: false, message: expect.stringMatching(/^the view of scan was not drawn as a PNG image; nothing was saved/) });
    expect(await app.saveView(opened.value.openId, 3, view)).toMatchObject({ ok: false, message: expect.stringMatching(/there is no image 4 in scan\.aeimg/) });
    expect(offered.length).toBe(1); // neither asked where
    expect((await readdir(dir)).sort()).toEqual(['chosen.png', 'scan.aeimg', 'scan.png']);
  });

  it('"Save as PNG" offers a reduced-quality image as NAME.reduced-quality.png, which goes with the file where it is forwarded', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'low.png'), await readFile(MR_SLICE));
    await writeFile(join(dir, 'exact.png'), await readFile(MR_SLICE));
    const model = await defaultModel();
    const low = await encryptImageFile(join(dir, 'low.png'), { model, recipients: [key], coding: { quality: 'low' } });
    expect(low.reduced).toBe(true);
    await encryptImageFile(join(dir, 'exact.png'), { model, recipients: [key], coding: { quality: 'lossless' } });
    const offered: string[] = [];
    const { app } = await service(store, async (name) => { offered.push(name); return null; });
    for (const name of ['low.aeimg', 'exact.aeimg']) {
      const opened = await app.open(join(dir, name));
      if (!opened.ok) throw new Error(opened.message);
      await app.save(opened.value.openId, 0, 'png');
      await app.save(opened.value.openId, 0, 'dcm');
    }
    expect(offered).toEqual(['low.reduced-quality.png', 'low.dcm', 'exact.png', 'exact.dcm']); // DICOM says it in its header
  });
});

describe('cancelling a job', () => {
  it('stops the file in progress: status cancelled, and no output or temp file appears', async () => {
    const dir = await tempDir();
    const big = join(dir, 'big.png');
    await writeFile(big, await encodePng(phantom(1536, 1536, 1, 16))); // seconds of encoding on one worker
    await writeFile(join(dir, 'next.png'), await encodePng(phantom(64, 64)));
    const { app, events } = await service();
    const started = await app.encrypt({ paths: [big, join(dir, 'next.png')], recipient: { kind: 'key', name: 'Radiology A' }, quality: 'auto', deidentify: 'basic' });
    if (!started.ok) throw new Error(started.message);
    const { jobId } = started.value;
    await vi.waitFor(() => expect(events.some((e) => e.index === 0 && e.status === 'working')).toBe(true), { timeout: 30_000, interval: 20 });
    await app.cancel(jobId);
    await vi.waitFor(() => expect(events.filter(finished).length).toBe(2), { timeout: 60_000, interval: 20 });
    expect(events.filter(finished).map((e) => [e.index, e.status]).sort()).toEqual([[0, 'cancelled'], [1, 'cancelled']]);
    expect(events.some((e) => e.status === 'done')).toBe(false);
    expect((await readdir(dir)).sort()).toEqual(['big.png', 'next.png']);
  });
});
