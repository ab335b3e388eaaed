/**
 * Samples on a grid (aeimg 0.9): an 8-bit image saved as 16-bit (×257), 12-bit data in the high bits (×16), a CT whose
 * values step by 16 are coded as grid indices: as small as the image they came from, bit-exact, and every level's
 * bound still holds per sample.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeImageRecord, encodeImage } from '../../../src-main/engine/codec/image-codec.js';
import { validateImageRecord } from '../../../src-main/engine/codec/record.js';
import { EntryCodec } from '../../../src-main/engine/container/entries.js';
import { readImageFile } from '../../../src-main/engine/image/io.js';
import type { Image } from '../../../src-main/engine/image/image.js';
import type { Autoencoder } from '../../../src-main/engine/model/autoencoder.js';
import { CT_SLICE, defaultModel } from '../../helpers.js';

let model: Autoencoder;
let ct: Image;
beforeAll(async () => { model = await defaultModel(); ct = await readImageFile(CT_SLICE); });

const scaled = (img: Image, mul: number, add = 0): Image => ({ ...img, bitDepth: 16, pixels: Uint16Array.from(img.pixels, (v) => v * mul + add) });
const bytes = (blobs: Buffer[]) => blobs.reduce((n, b) => n + b.length, 0);
const maxDiff = (a: Image, b: Image) => {
  let m = 0;
  for (let i = 0; i < a.pixels.length; i++) m = Math.max(m, Math.abs(a.pixels[i]! - b.pixels[i]!));
  return m;
};

describe('sample steps', () => {
  it('an 8-bit slice saved as 16-bit (×257, ×16 + 1000) costs what the 8-bit slice does, bit-exact', async () => {
    const eight = await encodeImage(model, ct, 'ct.png', { maxError: 0 });
    for (const [mul, add] of [[257, 0], [16, 1000]] as const) {
      const img = scaled(ct, mul, add);
      const enc = await encodeImage(model, img, 'ct16.png', { maxError: 0 });
      expect(enc.record.steps).toEqual([mul]);
      // 0.8: 16.5 KB for ×257 and 11.2 KB for ×16, against 6.2 KB for the 8-bit slice.
      expect(bytes(enc.blobs)).toBeLessThan(bytes(eight.blobs) * 1.05);
      const back = await decodeImageRecord(model, validateImageRecord(JSON.parse(JSON.stringify(enc.record)), 1 << 26), enc.blobs);
      expect(maxDiff(back, img)).toBe(0);
    }
  });

  it('within ±N holds per sample on a stepped image, per plane of a colour image with different steps', async () => {
    const { width, height } = ct;
    const n = width * height;
    const rgb: Image = { width, height, channels: 3, bitDepth: 16, pixels: new Uint16Array(n * 3) };
    for (let i = 0; i < n; i++) {
      const v = ct.pixels[i]!;
      rgb.pixels[3 * i] = 100 + 2 * v; // step 2
      rgb.pixels[3 * i + 1] = (v * 7919) % 4001; // step 1: any value
      rgb.pixels[3 * i + 2] = 8 * v; // step 8
    }
    for (const maxError of [0, 1, 2, 4]) {
      const enc = await encodeImage(model, rgb, 'rgb.png', { maxError });
      expect(enc.record.steps).toEqual([2, 1, 8]);
      const back = await decodeImageRecord(model, enc.record, enc.blobs);
      expect(maxDiff(back, rgb)).toBeLessThanOrEqual(maxError);
      expect(maxDiff(enc.decoded!, back)).toBe(0); // what the sender measured is what the receiver gets
    }
  });

  it('the steps travel in the binary record; steps that do not divide a plane\'s range are refused', async () => {
    const enc = await encodeImage(model, scaled(ct, 16), 'ct16.png', { maxError: 0 });
    const bytes = new EntryCodec().encode(enc.record);
    expect(bytes[0]).toBe(2);
    expect(validateImageRecord(new EntryCodec().decode(bytes), 1 << 26)).toEqual(enc.record);
    expect(() => validateImageRecord({ ...enc.record, steps: [7] } as unknown as Record<string, unknown>, 1 << 26)).toThrow(/sample steps/);
  });

  it('--recode (steps: false) codes the samples as 0.8 did, for readers before 0.9', async () => {
    const enc = await encodeImage(model, scaled(ct, 16), 'ct16.png', { maxError: 0, steps: false });
    expect(enc.record.steps).toBeUndefined();
    expect(maxDiff(await decodeImageRecord(model, enc.record, enc.blobs), scaled(ct, 16))).toBe(0);
  });

  it('images whose samples have no common step are coded as before', async () => {
    const enc = await encodeImage(model, ct, 'ct.png', { maxError: 1 });
    expect(enc.record.steps).toBeUndefined();
  });
});
