import { copyFile, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeImage, decodeImageRecord } from '../../../src-main/engine/codec/image-codec.js';
import { readImageFile } from '../../../src-main/engine/image/io.js';
import { compareImages } from '../../../src-main/engine/metrics/fidelity.js';
import { evaluate } from '../../../src-main/engine/train/evaluate.js';
import { addNoise, median3x3 } from '../../../src-main/engine/train/noise.js';
import { writeReport } from '../../../src-main/engine/train/report.js';
import { CT_SLICE, defaultModel, MR_SLICE, tempDir } from '../../helpers.js';

describe('aeimg eval', () => {
  it('reports the figures an independent calculation gives, per image, per source and on average', async () => {
    const data = await tempDir();
    await mkdir(join(data, 'mr'));
    await mkdir(join(data, 'ct'));
    await copyFile(MR_SLICE, join(data, 'mr', 'a.png'));
    await copyFile(CT_SLICE, join(data, 'ct', 'b.png'));
    const model = await defaultModel();
    const report = await evaluate(model, data, 'wasm', { bits: 8, noises: ['gaussian', 'saltpepper'], seed: 3 });
    expect(report.images).toBe(2);
    expect(Object.keys(report.perSource).sort()).toEqual(['ct', 'mr']);

    // Independently: the same images through the codec, compared by the metrics module (itself checked against PyTorch).
    const files = [join(data, 'ct', 'b.png'), join(data, 'mr', 'a.png')]; // eval sorts paths
    for (const [i, f] of files.entries()) {
      const img = await readImageFile(f);
      const enc = await encodeImage(model, img, 'x', { bits: 8 });
      const clean = compareImages(img, await decodeImageRecord(model, enc.record, enc.blobs));
      expect(report.perImage[i]!.clean.ssim).toBeCloseTo(clean.ssim, 10);
      expect(report.perImage[i]!.clean.psnr).toBeCloseTo(clean.psnr, 8);
      // Noise k of image i uses seed S·1000003 + 17i + k, one plane.
      const noisy = addNoise(Float32Array.from(img.pixels, (v) => v / 255), 'gaussian', 3 * 1_000_003 + 17 * i);
      const noisyImg = { ...img, pixels: Uint8Array.from(noisy, (v) => Math.round(v * 255)) };
      expect(report.perImage[i]!.noise.gaussian!.noisy.ssim).toBeCloseTo(compareImages(img, noisyImg).ssim, 10);
      const med = median3x3(noisyImg.pixels, img.height, img.width);
      const medImg = { ...img, pixels: Uint8Array.from(med) };
      expect(report.perImage[i]!.noise.gaussian!.median.psnr).toBeCloseTo(compareImages(img, medImg).psnr, 8);
    }
    const avg = (k: 'ssim' | 'psnr') => (report.perImage[0]!.clean[k] + report.perImage[1]!.clean[k]) / 2;
    expect(report.mean.clean.ssim).toBeCloseTo(avg('ssim'), 12);
    expect(report.perSource.mr!.clean.psnr).toBeCloseTo(report.perImage[1]!.clean.psnr, 12);
    expect(report.mean.timings.aesRaw).toBeGreaterThan(0);

    const out = await tempDir();
    await writeReport(report, out);
    const md = await readFile(join(out, 'report.md'), 'utf8');
    expect(md).toContain(report.mean.clean.ssim.toFixed(4));
    expect(md).toMatch(/\| gaussian \|/);
    expect(JSON.parse(await readFile(join(out, 'report.json'), 'utf8')).images).toBe(2);
  });
});
