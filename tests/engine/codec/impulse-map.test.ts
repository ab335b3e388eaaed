/**
 * Impulses beside the latent (codec/impulse-map.ts): a network-only file of an image whose only noise is
 * salt-and-pepper carries where the impulses were, so the receiver's image has them back exactly and its denoised
 * view has none; files of other images are as before.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeImageRecord, encodeImage } from '../../../src-main/engine/codec/image-codec.js';
import { BRIGHT, DARK, decodeImpulseMaps, encodeImpulseMaps, insertImpulses } from '../../../src-main/engine/codec/impulse-map.js';
import { validateImageRecord, type ImageRecord } from '../../../src-main/engine/codec/record.js';
import { EntryCodec } from '../../../src-main/engine/container/entries.js';
import { readDicomFile } from '../../../src-main/engine/dicom/import.js';
import { AeimgError, ErrorCode } from '../../../src-main/engine/errors.js';
import type { Image } from '../../../src-main/engine/image/image.js';
import { decodeImage, encodePng, readImageFile } from '../../../src-main/engine/image/io.js';
import { decryptAeimgFile } from '../../../src-main/engine/jobs/decrypt.js';
import { encryptImageFile } from '../../../src-main/engine/jobs/encrypt.js';
import { generateSharedKey } from '../../../src-main/engine/keys/keyfile.js';
import { compareImages } from '../../../src-main/engine/metrics/fidelity.js';
import type { Autoencoder } from '../../../src-main/engine/model/autoencoder.js';
import { medianCopy } from '../../../src-main/engine/train/evaluate.js';
import { noisyImage, seededUniform } from '../../../src-main/engine/train/noise.js';
import { QUALITY_LEVELS } from '../../../src-shared/quality.js';
import { defaultModel, FIXTURES, models, MR_SLICE, tempDir } from '../../helpers.js';

const MAX = { bits: QUALITY_LEVELS.max.bits, measure: true } as const;
let model: Autoencoder;
let slice: Image;
beforeAll(async () => {
  model = await defaultModel();
  slice = await readImageFile(MR_SLICE);
});

/** Sparse random maps of 0 / DARK / BRIGHT, with touching pairs as 5% noise makes them. */
function randomMaps(count: number, width: number, height: number, seed: number): Uint8Array[] {
  const u = seededUniform(seed);
  return Array.from({ length: count }, () => Uint8Array.from({ length: width * height }, () => {
    const r = u();
    return r < 0.025 ? DARK : r > 0.975 ? BRIGHT : 0;
  }));
}

describe('the impulse map', () => {
  it('comes back exactly, for several planes of an odd width, and costs little more than its entropy', () => {
    const maps = randomMaps(3, 77, 41, 1);
    const blob = encodeImpulseMaps(maps, 77);
    expect(decodeImpulseMaps(blob, 3, 77, 41)).toEqual(maps);
    // 5% impulses, half of each kind: H(0.05) + 0.05 bits a sample ≈ 0.34; the adaptive coder's learning adds a little.
    expect((8 * blob.length) / (3 * 77 * 41)).toBeLessThan(0.42);
    const empty = encodeImpulseMaps([new Uint8Array(256 * 256)], 256);
    expect(empty.length).toBeLessThan(64);
  });

  it('a damaged map is refused as damaged data, not read as another map', () => {
    const blob = encodeImpulseMaps(randomMaps(1, 64, 64, 2), 64);
    const err = (() => { try { decodeImpulseMaps(blob.subarray(0, blob.length >> 1), 1, 64, 64); } catch (e) { return e; } })();
    expect(err).toBeInstanceOf(AeimgError);
    expect((err as AeimgError).code).toBe(ErrorCode.Malformed);
  });

  it('puts the impulses back at their plane\'s values and leaves alpha alone', () => {
    const pixels = Uint8Array.from({ length: 4 * 4 * 2 }, (_, i) => (i % 2 ? 200 : 100));
    const map = new Uint8Array(16);
    map[3] = DARK;
    map[9] = BRIGHT;
    const out = insertImpulses({ width: 4, height: 4, channels: 2, bitDepth: 8, pixels }, [map], [[7, 250]]);
    expect(out.pixels[6]).toBe(7);
    expect(out.pixels[18]).toBe(250);
    expect(out.pixels[0]).toBe(100);
    for (let i = 1; i < 32; i += 2) expect(out.pixels[i]).toBe(200);
  });
});

describe('a `max` file of an image with salt-and-pepper noise', () => {
  it('reproduces the impulses exactly, says so to the sender, and its denoised view beats a 3x3 median', async () => {
    const noisy = noisyImage(slice, 'saltpepper', 1_000_003);
    const e = await encodeImage(model, noisy, 'sp', MAX);
    expect(e.record.impulses?.values).toEqual([[0, 255]]);
    expect(e.blobs).toHaveLength(4);
    const received = await decodeImageRecord(model, e.record, e.blobs);
    const map = decodeImpulseMaps(e.blobs[3]!, 1, slice.width, slice.height)[0]!;
    const marked = map.reduce((n, v) => n + (v ? 1 : 0), 0);
    expect(marked).toBeGreaterThan(0.03 * slice.width * slice.height);
    for (let i = 0; i < map.length; i++) if (map[i]) expect(received.pixels[i]).toBe(noisy.pixels[i]);
    // What the sender is told is what the receiver gets.
    expect(e.record.fidelity!.ssim).toBeCloseTo(compareImages(noisy, received).ssim, 3);
    expect(compareImages(noisy, received).ssim).toBeGreaterThan(0.98);
    const view = await decodeImageRecord(model, e.record, e.blobs, undefined, { denoise: true });
    const ssim = (im: Image) => compareImages(slice, im).ssim;
    expect(ssim(view)).toBeGreaterThan(ssim(medianCopy(noisy)));
    expect(ssim(view)).toBeGreaterThan(ssim(noisy));
  });

  it('a 16-bit DICOM image: the impulses keep their 16-bit values', async () => {
    const { image } = (await readDicomFile(join(FIXTURES, 'dicom', 'mr_small_rle.dcm'), { maxPixels: 1e7, deidentify: null }))[0]!;
    const noisy = noisyImage(image, 'saltpepper', 5);
    const e = await encodeImage(model, noisy, 'mr', MAX);
    const lo = Math.min(...noisy.pixels), hi = Math.max(...noisy.pixels);
    expect(e.record.impulses?.values).toEqual([[lo, hi]]);
    const received = await decodeImageRecord(model, e.record, e.blobs);
    const map = decodeImpulseMaps(e.blobs[3]!, 1, image.width, image.height)[0]!;
    for (let i = 0; i < map.length; i++) if (map[i]) expect(received.pixels[i]).toBe(noisy.pixels[i]);
  });

  it('other files carry no impulse map: a clean slice, one with speckle noise, and the paper\'s denoising model\'s', async () => {
    for (const image of [slice, noisyImage(slice, 'speckle', 3)]) {
      const e = await encodeImage(model, image, 'x', MAX);
      expect(e.record.impulses).toBeUndefined();
      expect(e.blobs).toHaveLength(3);
    }
    // mrct-grey has no faithful decoder beside its view: its decode is the denoising, as in the paper.
    const paper = await models().byName('mrct-grey');
    expect(paper.hasDenoiser).toBe(false);
    expect((await encodeImage(paper, noisyImage(slice, 'saltpepper', 3), 'x', MAX)).record.impulses).toBeUndefined();
  });

  it('goes through encrypt and decrypt on disk: the PNG a physician gets has the impulses', async () => {
    const dir = await tempDir();
    const input = join(dir, 'sp.png');
    const noisy = noisyImage(slice, 'saltpepper', 9);
    await writeFile(input, await encodePng(noisy));
    const key = generateSharedKey('Radiology A');
    const enc = await encryptImageFile(input, { model, recipients: [key], coding: { quality: 'max' } });
    await mkdir(join(dir, 'out'));
    const dec = await decryptAeimgFile(enc.output, { identities: [key], models: models(), outDir: join(dir, 'out') });
    const decoded = await decodeImage(await readFile(dec.images[0]!.output!));
    const e = await encodeImage(model, noisy, 'sp.png', { bits: QUALITY_LEVELS.max.bits });
    expect(Buffer.from(decoded.pixels).equals(Buffer.from((await decodeImageRecord(model, e.record, e.blobs)).pixels))).toBe(true);
  });
});

describe('the record', () => {
  async function spRecord(): Promise<ImageRecord> {
    return (await encodeImage(model, noisyImage(slice, 'saltpepper', 4), 'sp', MAX)).record;
  }

  it('is written in format 2\'s binary form and read back as written', async () => {
    const record = await spRecord();
    const bytes = new EntryCodec().encode(record);
    expect(bytes[0]).toBe(2); // binary image entry, not the JSON fallback
    expect(new EntryCodec().decode(bytes)).toEqual(JSON.parse(JSON.stringify(record)));
  });

  it('refuses impulses that do not fit it: beside a refinement layer, outside the samples, or a map without them', async () => {
    const record = await spRecord();
    const bad = (r: object) => () => validateImageRecord(JSON.parse(JSON.stringify(r)), 1e8);
    expect(bad(record)).not.toThrow();
    expect(bad({ ...record, impulses: { values: [[90, 90]] } })).not.toThrow(); // a constant plane beside noisy ones
    expect(bad({ ...record, refinement: { coding: 'wp1', maxError: 0, sha256: '0'.repeat(32), backend: 'wasm' }, blobs: { ...record.blobs, residual: 9 } }))
      .toThrow(/impulses/);
    expect(bad({ ...record, impulses: { values: [[0, 256]] } })).toThrow(/impulses/);
    expect(bad({ ...record, impulses: { values: [[0, 255], [0, 255]] } })).toThrow(/impulses/);
    const { impulses: _drop, ...without } = record;
    expect(bad(without)).toThrow(/impulse map without impulses/);
  });
});
