/**
 * The viewer's denoised view: from the codec pool's 'denoise' op (the default model) for images without a latent, its
 * 'decode' op with `denoise` for a carried latent; kept in a cache bounded in bytes, so scrolling a long study in
 * denoised view does not grow without bound.
 */
import { copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AppViewer } from '../../src-main/app/service/viewer.js';
import type { ImageRecord } from '../../src-main/engine/codec/record.js';
import type { Image } from '../../src-main/engine/image/image.js';
import { localDecode } from '../../src-main/engine/jobs/decrypt.js';
import { encryptImageFile } from '../../src-main/engine/jobs/encrypt.js';
import type { CodecPool } from '../../src-main/engine/jobs/pool.js';
import { ImageLru } from '../../src-main/engine/jobs/slices.js';
import { generateSharedKey } from '../../src-main/engine/keys/keyfile.js';
import type { KeyStore } from '../../src-main/engine/keys/keystore.js';
import { DEFAULT_MODEL } from '../../src-main/engine/model/autoencoder.js';
import { defaultModel, FIXTURES, models, MR_SLICE, tempDir } from '../helpers.js';

const key = generateSharedKey('Viewer');
const store = { identitiesFor: async () => [key] } as unknown as KeyStore;
const dialogs = { chooseSavePath: async () => null, chooseFolder: async () => null };

describe('the viewer\'s denoised view', () => {
  it('keeps at most its byte budget of denoised images, least recently used out first', async () => {
    const dir = await tempDir();
    const input = join(FIXTURES, 'dicom', 'enhanced_mr_3frame_functional_groups.dcm');
    const { output } = await encryptImageFile(input, { model: await defaultModel(), recipients: [key], coding: { quality: 'auto' }, outDir: dir });
    const denoised: string[] = [];
    const decodes: boolean[] = [];
    const decode = localDecode(models());
    const pool = {
      size: 1,
      decode: async (id: string | null, record: ImageRecord, blobs: Buffer[], png: boolean, denoise = false) => {
        decodes.push(denoise);
        return decode(id, record, blobs, png);
      },
      denoise: async (model: string, image: Image): Promise<Image> => {
        denoised.push(model);
        return { ...image, pixels: image.pixels.map((v) => v ^ 1) };
      },
    } as unknown as CodecPool;
    const frame = 0; // every frame has the same size
    const viewer = new AppViewer(pool, store, dialogs, 1); // a budget under one image: only the last one stays
    const opened = await viewer.open(output);
    if (!opened.ok) throw new Error(opened.message);
    const { openId, images } = opened.value;
    expect(images.length).toBe(3);
    const show = async (i: number, on: boolean) => {
      const r = await viewer.image(openId, i, on);
      if (!r.ok) throw new Error(r.message);
      return r.value.pixels;
    };
    const asSent = await show(frame, false);
    expect(Array.from(await show(frame, true))).toEqual(Array.from(asSent, (v) => v ^ 1));
    await show(1, true);
    await show(2, true);
    expect(denoised).toEqual([DEFAULT_MODEL, DEFAULT_MODEL, DEFAULT_MODEL]); // lossless DICOM: no latent, so the default model
    await show(2, true); // still cached
    expect(denoised.length).toBe(3);
    await show(0, true); // evicted: denoised again
    expect(denoised.length).toBe(4);
    expect(decodes.every((d) => !d)).toBe(true); // no latent: never the pool's denoised decode
  });

  it('a carried latent goes through the pool\'s denoised decode (its model\'s denoiser), not the encoder again', async () => {
    const dir = await tempDir();
    await copyFile(MR_SLICE, join(dir, 'mr.png'));
    await encryptImageFile(join(dir, 'mr.png'), { model: await defaultModel(), recipients: [key], coding: { quality: 'max' } });
    const calls: string[] = [];
    const decode = localDecode(models());
    const denoisedDecode = localDecode(models(), undefined, true);
    const pool = {
      size: 1,
      decode: async (id: string | null, record: ImageRecord, blobs: Buffer[], png: boolean, denoise = false) => {
        calls.push(denoise ? 'decode denoised' : 'decode');
        return (denoise ? denoisedDecode : decode)(id, record, blobs, png);
      },
      denoise: async () => { throw new Error('not for an image with a latent'); },
    } as unknown as CodecPool;
    const viewer = new AppViewer(pool, store, dialogs);
    const opened = await viewer.open(join(dir, 'mr.aeimg'));
    if (!opened.ok) throw new Error(opened.message);
    const r = await viewer.image(opened.value.openId, 0, true);
    if (!r.ok) throw new Error(r.message);
    expect(calls).toEqual(['decode', 'decode denoised']);
    await viewer.image(opened.value.openId, 0, true);
    expect(calls.length).toBe(2);
  });

  it('a 400-image scroll stays within the budget', () => {
    const lru = new ImageLru(8 << 20);
    const image = (): Image => ({ width: 1024, height: 512, channels: 1, bitDepth: 16, pixels: new Uint16Array(1024 * 512) }); // 1 MB
    for (let i = 0; i < 400; i++) lru.set(i, image());
    expect([lru.size, lru.bytes]).toEqual([8, 8 << 20]);
    expect(lru.get(391)).toBeUndefined();
    expect(lru.get(392)).toBeDefined();
    lru.get(392); // used: the next one in goes out instead
    lru.set(400, image());
    expect(lru.get(393)).toBeUndefined();
    expect(lru.get(392)).toBeDefined();
    const huge = new ImageLru(10);
    huge.set(0, image());
    expect(huge.size).toBe(1); // one image is always kept, however large
  });
});
