/** Plateaus (image/plateaus.ts): which samples a file carries beside its latent as plateaus, on values and clusters. */
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readDicomFile } from '../../../src-main/engine/dicom/import.js';
import { sampleRange, type Image } from '../../../src-main/engine/image/image.js';
import { findPlateaus } from '../../../src-main/engine/image/plateaus.js';
import { noisyImage } from '../../../src-main/engine/train/noise.js';
import { FIXTURES, phantom } from '../../helpers.js';

let ct: Image;
/** The CT head's padding: the samples at −2000 HU outside the scanner's field of view. */
let padding: number;
beforeAll(async () => {
  const [frame] = await readDicomFile(join(FIXTURES, 'dicom', 'ct_head_512_j2k_lossless.dcm'), { maxPixels: 1e7, deidentify: null });
  ({ image: ct } = frame!);
  [padding] = sampleRange(ct.pixels);
});

describe('plateaus', () => {
  it('are the samples at an extreme that a gap of 1/8 of the range keeps apart from the rest, in clusters of 64 or more', () => {
    // A ramp (no gap anywhere) inside a frame at 0, far below it; one sample at 0 alone inside the ramp is an impulse,
    // and a 3x3 block at 0 is as small as salt-and-pepper noise makes them: neither is a plateau.
    const img = phantom(40, 30, 1, 16);
    img.pixels.forEach((_, i) => { img.pixels[i] = 30000 + (i % 40) * 10; });
    for (let y = 0; y < 30; y++) for (let x = 0; x < 40; x++) if (y < 3 || x < 3 || (y >= 10 && y < 13 && x >= 10 && x < 13)) img.pixels[y * 40 + x] = 0;
    img.pixels[20 * 40 + 20] = 0;
    const p = findPlateaus(img)!;
    expect(p.masks[0]!.reduce((n, v) => n + (v ? 1 : 0), 0)).toBe(3 * 40 + 27 * 3);
    expect(p.masks[0]![20 * 40 + 20]).toBe(0);
    expect(p.masks[0]![11 * 40 + 11]).toBe(0);
    expect(p.filled.pixels[0]).toBe(30030); // the nearest value of the rest
    expect(p.filled.pixels[20 * 40 + 20]).toBe(0);
    // No gap (the frame at the ramp's own first value), or only two values: none.
    for (let i = 0; i < img.pixels.length; i++) if (img.pixels[i] === 0) img.pixels[i] = 30030;
    expect(findPlateaus(img)).toBeUndefined();
    expect(findPlateaus({ ...img, pixels: img.pixels.map((v) => (v > 30200 ? 65535 : 0)) })).toBeUndefined();
  });

  it('over 8 bits, a flat value that holds a fifth of a plane and shows in a window is a plateau too, kept as it is', () => {
    const img = phantom(64, 64, 1, 16); // 12-bit values; the body's inside is not flat
    const flat = 1200;
    for (let i = 0; i < 64 * 20; i++) img.pixels[i] = flat; // the top 20 rows: 31%
    const p = findPlateaus(img, 0, () => true)!;
    expect(p.flats).toEqual([1]);
    expect(p.values[0]![0]).toBe(flat);
    expect(p.masks[0]!.reduce((n, v) => n + (v ? 1 : 0), 0)).toBe(64 * 20);
    expect(Array.from(p.filled.pixels)).toEqual(Array.from(img.pixels)); // no edge to take away: not filled
    expect(findPlateaus(img, 0, (s) => s !== flat)).toBeUndefined(); // below or above every window
    expect(findPlateaus(img)).toBeUndefined(); // without windows to ask
    const eight = { ...img, bitDepth: 8 as const, pixels: Uint8Array.from(img.pixels, (v) => v >> 4) };
    expect(findPlateaus(eight, 0, () => true)).toBeUndefined();
  });

  it('noise clipped at an extreme makes no flat plateau', () => {
    // A CT's air raised to −1000 HU, the image's minimum, under Gaussian noise of σ 0.1 of the range: a fifth of the
    // slice clips to the minimum.
    const noisy = noisyImage({ ...ct, pixels: ct.pixels.map((v) => Math.max(v, padding + 1000)) }, 'gaussian', 3);
    const [lo] = sampleRange(noisy.pixels);
    expect(Array.from(noisy.pixels).filter((v) => v === lo).length).toBeGreaterThan(0.2 * noisy.pixels.length);
    expect(findPlateaus(noisy, 0, () => true)).toBeUndefined();
  });
});
