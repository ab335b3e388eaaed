/**
 * `aeimg decrypt --denoise`: the denoised view, as NAME.denoised.png only, never mistaken for the image as sent; the
 * models come from a temporary models folder (AEIMG_MODELS_DIR) whose models carry a denoiser.
 */
import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { denoiseImage } from '../../src-main/engine/codec/image-codec.js';
import { readImageFile } from '../../src-main/engine/image/io.js';
import { Autoencoder, DEFAULT_MODEL } from '../../src-main/engine/model/autoencoder.js';
import { MR_SLICE, ROOT, tempDir } from '../helpers.js';
import { modelWithDecoderAsDenoiser } from '../engine/model/denoiser-fixtures.js';

const run = promisify(execFile);
let modelsDir: string;

async function aeimg(args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [join(ROOT, 'bin/aeimg.js'), ...args],
      { cwd, maxBuffer: 1 << 24, env: { ...process.env, AEIMG_MODELS_DIR: modelsDir } });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

beforeAll(async () => {
  // Not a tempDir(): those go after each test, and this folder serves them all.
  modelsDir = await mkdtemp(join(tmpdir(), 'aeimg-models-'));
  // A denoiser that is a copy of the decoder: it must decode a file's latent to exactly the faithful pixels.
  await modelWithDecoderAsDenoiser(modelsDir, 'mrct-grey-clean');
  // The default model, with a denoiser that differs from its decoder, for images without a latent.
  await modelWithDecoderAsDenoiser(modelsDir, DEFAULT_MODEL, 'mrct-grey-clean');
});
afterAll(() => rm(modelsDir, { recursive: true, force: true }));

describe('aeimg decrypt --denoise', () => {
  it('a file with a latent: the denoiser reads the same latent; only NAME.denoised.png is written, said to be the view', async () => {
    const dir = await tempDir();
    await copyFile(MR_SLICE, join(dir, 'mr.png'));
    expect((await aeimg(['keygen', '-o', 'k.key'], dir)).code).toBe(0);
    const enc = await aeimg(['encrypt', 'mr.png', '--key-file', 'k.key', '--quality', 'max', '--model', 'mrct-grey-clean'], dir);
    expect(enc.code).toBe(0);
    const sent = await aeimg(['decrypt', 'mr.aeimg', '--key-file', 'k.key', '-o', 'sent'], dir);
    expect(sent.code).toBe(0);
    const denoised = await aeimg(['decrypt', 'mr.aeimg', '--key-file', 'k.key', '-o', 'den', '--denoise'], dir);
    expect(denoised.stderr).not.toMatch(/error/i);
    expect(denoised.code).toBe(0);
    expect(await readdir(join(dir, 'den'))).toEqual(['mr.denoised.png']);
    expect(denoised.stdout).toMatch(/mr\.aeimg → \S+mr\.denoised\.png {2}DENOISED VIEW, not the image as sent, 256x256x1 8-bit, original 'mr\.png', as sent: /);
    // At max, the image as sent is reduced quality (no per-pixel guarantee, 0.47), and its PNG says so in its name.
    expect(await readdir(join(dir, 'sent'))).toEqual(['mr.reduced-quality.png']);
    const a = await readImageFile(join(dir, 'sent', 'mr.reduced-quality.png'));
    const b = await readImageFile(join(dir, 'den', 'mr.denoised.png'));
    expect(Buffer.from(b.pixels).equals(Buffer.from(a.pixels))).toBe(true);
    // The denoiser is not part of the model's id: the file names the shipped model and opens with the copy.
    const shipped = JSON.parse(await readFile(join(ROOT, 'resources/models/mrct-grey-clean/manifest.json'), 'utf8')).id;
    expect((await Autoencoder.load(join(modelsDir, 'mrct-grey-clean'))).id).toBe(shipped);
  });

  it('a file without a latent (the default quality): the rebuilt image through the default model\'s encoder and denoiser', async () => {
    const dir = await tempDir();
    await copyFile(MR_SLICE, join(dir, 'mr.png'));
    expect((await aeimg(['keygen', '-o', 'k.key'], dir)).code).toBe(0);
    expect((await aeimg(['encrypt', 'mr.png', '--key-file', 'k.key', '-o', 'enc'], dir)).code).toBe(0);
    expect((await aeimg(['decrypt', 'enc/mr.aeimg', '--key-file', 'k.key', '-o', 'sent'], dir)).code).toBe(0);
    const r = await aeimg(['decrypt', 'enc/mr.aeimg', '--key-file', 'k.key', '--denoise'], dir);
    expect(r.code).toBe(0);
    expect(await readdir(join(dir, 'enc'))).toEqual(['mr.aeimg', 'mr.denoised.png']);
    const sent = await readImageFile(join(dir, 'sent', 'mr.png'));
    const view = await readImageFile(join(dir, 'enc', 'mr.denoised.png'));
    const model = await Autoencoder.load(join(modelsDir, DEFAULT_MODEL));
    expect(model.hasDenoiser).toBe(true);
    expect(Buffer.from(view.pixels).equals(Buffer.from((await denoiseImage(model, sent, { received: 1 })).pixels))).toBe(true);
    expect(Buffer.from(view.pixels).equals(Buffer.from(sent.pixels))).toBe(false);
    model.dispose();
  });

  it('refuses --format dcm with --denoise, writing nothing', async () => {
    const dir = await tempDir();
    await copyFile(MR_SLICE, join(dir, 'mr.png'));
    expect((await aeimg(['keygen', '-o', 'k.key'], dir)).code).toBe(0);
    expect((await aeimg(['encrypt', 'mr.png', '--key-file', 'k.key'], dir)).code).toBe(0);
    const r = await aeimg(['decrypt', 'mr.aeimg', '--key-file', 'k.key', '--denoise', '--format', 'dcm'], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--denoise writes the denoised view as PNG only \(NAME\.denoised\.png\), never as DICOM/);
    expect((await readdir(dir)).sort()).toEqual(['k.key', 'mr.aeimg', 'mr.png']);
  });
});
