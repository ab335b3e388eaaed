import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readImageFile } from '../../../src-main/engine/image/io.js';
import { compareImages, ssimPlane } from '../../../src-main/engine/metrics/fidelity.js';
import { FIXTURES, phantom, SLICES } from '../../helpers.js';

const ref = JSON.parse(readFileSync(join(FIXTURES, 'ssim-reference.json'), 'utf8')).cases as
  { file: string; ssim: number; mse: number; psnr: number }[];

describe('fidelity metrics', () => {
  it.each(ref.map((r) => [r.file, r] as const))('match an independent PyTorch computation on %s', async (file, r) => {
    const a = await readImageFile(join(SLICES, file));
    const b = { ...a, pixels: a.pixels.map((v, i) => Math.min(255, Math.max(0, v + ((i * 7) % 11) - 5))) };
    const f = compareImages(a, b);
    expect(f.ssim).toBeCloseTo(r.ssim, 8);
    expect(f.mse).toBeCloseTo(r.mse, 10);
    expect(f.psnr).toBeCloseTo(r.psnr, 6);
  });

  it('gives SSIM 1 and infinite PSNR for identical images, and less for any change', () => {
    const a = phantom(40, 30);
    expect(compareImages(a, a)).toEqual({ ssim: 1, psnr: Infinity, mse: 0 });
    const b = { ...a, pixels: a.pixels.map((v, i) => (i === 500 ? 255 - v : v)) };
    const f = compareImages(a, b);
    expect(f.ssim).toBeLessThan(1);
    expect(f.psnr).toBeLessThan(100);
  });

  it('still gives a figure for images smaller than the window', () => {
    const s = ssimPlane([0.1, 0.2, 0.3, 0.4], [0.1, 0.2, 0.3, 0.45], 2, 2);
    expect(s).toBeGreaterThan(0.9);
    expect(s).toBeLessThan(1);
  });
});
