import { copyFile, mkdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeImage, decodeImageRecord } from '../../../src-main/engine/codec/image-codec.js';
import { readImageFile } from '../../../src-main/engine/image/io.js';
import { compareImages, plainDisplay } from '../../../src-main/engine/metrics/fidelity.js';
import { evaluate } from '../../../src-main/engine/train/evaluate.js';
import { addNoise, median3x3 } from '../../../src-main/engine/train/noise.js';
import { writeReport } from '../../../src-main/engine/train/report.js';
import { readDicomFile } from '../../../src-main/engine/dicom/import.js';
import { dicomDisplay } from '../../../src-main/engine/dicom/display.js';
import { encoderView } from '../../../src-main/engine/codec/image-codec.js';
import { loadPlanes } from '../../../src-main/engine/train/dataset.js';
import { listExamples, readExamples } from '../../../src-main/engine/train/examples.js';
import { CT_SLICE, defaultModel, FIXTURES, MR_SLICE, tempDir } from '../../helpers.js';

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

  it('reads a PACS export\'s DICOM files (extensionless, beside a DICOMDIR and a structure set) in their units: a CT in HU, in the CT windows (0.50)', async () => {
    const data = await tempDir();
    await mkdir(join(data, 'ct'));
    const ct = join(FIXTURES, 'dicom', 'ct_head_512_j2k_lossless.dcm');
    await copyFile(ct, join(data, 'ct', 'IM000001'));
    await copyFile(join(FIXTURES, 'dicom', 'negative_rtstruct_no_pixels.dcm'), join(data, 'ct', 'IM000002')); // no pixels: not an image
    await copyFile(join(FIXTURES, 'dicom', 'mr_small_explicit_le.dcm'), join(data, 'DICOMDIR')); // an index's name: left out
    const model = await defaultModel();
    const report = await evaluate(model, data, 'wasm', { bits: 8, noises: [], seed: 1 });
    expect(report.perImage.map((p) => p.file)).toEqual([join('ct', 'IM000001')]); // before: "no images"
    const { image, dicom } = (await readDicomFile(ct, { maxPixels: 1 << 26, deidentify: null }))[0]!;
    const display = dicomDisplay(dicom);
    expect(display.units).toBe('HU');
    const reader = report.perImage[0]!.reader;
    expect(reader.units).toBe('HU');
    expect(reader.window).toMatch(/^(brain|subdural|stroke|soft tissue|lung|bone|file window \d+) -?\d+\/\d+$/);
    // Independently: its worst window's SSIM from the codec's own measurement with the file's display, and the error in
    // HU (its rescale slope 1): the largest difference of the decoded samples.
    const enc = await encodeImage(model, image, 'x', { bits: 8, measure: true, display });
    const decoded = await decodeImageRecord(model, enc.record, enc.blobs);
    let maxAbs = 0;
    for (let i = 0; i < image.pixels.length; i++) maxAbs = Math.max(maxAbs, Math.abs(image.pixels[i]! - decoded.pixels[i]!));
    expect(reader.maxAbs).toBe(maxAbs);
    expect(reader.ssim).toBe(enc.record.fidelity!.windows![0]!.ssim);
    expect(reader.ssim).toBeLessThan(report.perImage[0]!.clean.ssim); // the whole-range figure reads higher
    const out = await tempDir();
    await writeReport(report, out);
    expect(await readFile(join(out, 'report.md'), 'utf8')).toContain(`| ct | 1 | ${reader.ssim.toFixed(4)} | ${reader.name} ×1 | `);

    // Training sees it as the encoder does: companded through the CT windows in HU, not its percentiles.
    const planes = await loadPlanes(data, 32);
    expect(planes).toHaveLength(1);
    const same = (a: Float32Array, b: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
    expect(same(planes[0]!.data, encoderView(image, display).inputs[0]!)).toBe(true);
    expect(same(planes[0]!.data, encoderView(image).inputs[0]!)).toBe(false);
  });

  it('measures and trains on a CT\'s 16-bit PNG exports in HU through the CT presets when told their intercept (0.51), as encrypt --ct-intercept sends them', async () => {
    const data = await tempDir();
    const png = join(FIXTURES, 'slices', 'ct-cranium-axial-022-hu.png'); // stored values, HU + 1024
    await copyFile(png, join(data, 'ct.png'));
    const model = await defaultModel();
    const image = await readImageFile(png);
    const display = plainDisplay(image, { ctIntercept: -1024 });
    const declared = await evaluate(model, data, 'wasm', { bits: 8, noises: [], seed: 1, ctIntercept: -1024 });
    const plain = await evaluate(model, data, 'wasm', { bits: 8, noises: [], seed: 1 });
    // Independently: the codec's own measurement of that image sent as a CT (the display encrypt gives it).
    const enc = await encodeImage(model, image, 'x', { bits: 8, measure: true, display });
    const reader = declared.perImage[0]!.reader;
    expect([reader.units, reader.ssim, reader.name]).toEqual(['HU', enc.record.fidelity!.windows![0]!.ssim, enc.record.fidelity!.windows![0]!.name]);
    expect(reader.name).toMatch(/^(brain|subdural|stroke|soft tissue|lung|bone)$/);
    // Before (and without it): no units, its percentile window.
    expect(plain.perImage[0]!.reader.units).toBe('');
    expect(plain.perImage[0]!.reader.name).not.toMatch(/^(brain|subdural|stroke|soft tissue|lung|bone)$/);
    const out = await tempDir();
    await writeReport(declared, out);
    expect(await readFile(join(out, 'report.md'), 'utf8')).toContain("Image files declared a CT's: HU = value − 1024 (--ct-intercept).");
    expect(JSON.parse(await readFile(join(out, 'report.json'), 'utf8')).ctIntercept).toBe(-1024);

    // Training learns what the encoder is given when it is sent as a CT.
    const planes = await loadPlanes(data, 32, { ctIntercept: -1024 });
    const same = (a: Float32Array, b: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
    expect(same(planes[0]!.data, encoderView(image, display).inputs[0]!)).toBe(true);
    expect(same((await loadPlanes(data, 32))[0]!.data, encoderView(image, display).inputs[0]!)).toBe(false);

    // An 8-bit image cannot hold HU: the declaration is of the whole folder, so the run stops, naming the file.
    await copyFile(MR_SLICE, join(data, 'mr.png'));
    await expect(evaluate(model, data, 'wasm', { bits: 8, noises: [], seed: 1, ctIntercept: -1024 })).rejects.toThrow(
      "mr.png: is an 8-bit image, the grey levels of a window, not a CT's values in HU, and --ct-intercept declares every image file under the folder a CT's export: give a folder of those alone");
  });

  it('measures an ImageJ TIFF of a CT as encryption sends it (0.52): in HU through the CT presets, undeclared, as the DICOM file ImageJ opened', async () => {
    const tiff = await tempDir(), dcm = await tempDir();
    await copyFile(join(FIXTURES, 'imagej', 'ct_small_signed.tif'), join(tiff, 'ct.tif')); // written by ImageJ from this DICOM file
    await copyFile(join(FIXTURES, 'dicom', 'ct_small_explicit_le.dcm'), join(dcm, 'ct.dcm'));
    const model = await defaultModel();
    const opts = { bits: 8, noises: [], seed: 1 };
    const [fromTiff, fromDicom] = [await evaluate(model, tiff, 'wasm', opts), await evaluate(model, dcm, 'wasm', opts)];
    const reader = fromTiff.perImage[0]!.reader;
    // Before, its samples (the DICOM file's values + 32768) were measured without units, in their percentile window.
    expect(reader.units).toBe('HU');
    expect(reader.name).toMatch(/^(brain|subdural|stroke|soft tissue|lung|bone)$/);
    const { name, ssim, units } = fromDicom.perImage[0]!.reader;
    expect([reader.name, reader.ssim, reader.units]).toEqual([name, ssim, units]);
  });

  it('measures and trains on every slice of an ImageJ stack as encryption sends them (0.53; before, its first slice alone), each named by its page', async () => {
    const data = await tempDir();
    await copyFile(join(FIXTURES, 'imagej', 'ct_small_signed_stack.tif'), join(data, 'stack.tif')); // the slice, then it upside down
    const examples = await readExamples(join(data, 'stack.tif'), data);
    expect(examples.map((e) => e.name)).toEqual(['stack.tif#1', 'stack.tif#2']);
    const [first, second] = examples.map((e) => e.image);
    const row = first!.width * first!.channels;
    const flipped = Array.from({ length: first!.height }, (_, y) => Array.from(first!.pixels.subarray((first!.height - 1 - y) * row, (first!.height - y) * row))).flat();
    expect(Array.from(second!.pixels)).toEqual(flipped);
    const report = await evaluate(await defaultModel(), data, 'wasm', { bits: 8, noises: [], seed: 1 });
    expect(report.perImage.map((r) => [r.file, r.reader.units])).toEqual([['stack.tif#1', 'HU'], ['stack.tif#2', 'HU']]);
    expect(await loadPlanes(data, 32)).toHaveLength(2); // and `aeimg train` learns from both slices
  });

  it('finds a folder\'s images as encryption does (0.51): natural name order, each folder before its subfolders, hidden files left out; a file or nothing given is said to be no folder', async () => {
    const data = await tempDir();
    await mkdir(join(data, 'a'));
    for (const name of ['img10.png', 'img9.png', '.img1.png', join('a', 'img1.png')]) await copyFile(MR_SLICE, join(data, name));
    // Before: plain path order, hidden files too (.img1.png, a/img1.png, img10.png, img9.png).
    expect((await listExamples(data)).map((p) => relative(data, p))).toEqual(['img9.png', 'img10.png', join('a', 'img1.png')]);
    await expect(listExamples(join(data, 'img9.png'))).rejects.toThrow(`${join(data, 'img9.png')} is not a folder: give the folder of images to read.`);
    await expect(listExamples(join(data, 'none'))).rejects.toThrow('is not a folder (there is nothing by that name)');
  });

  it('a folder without sub-folders is reported per source by its file names\' prefix, as the shared data names its slices (0.51; before, pooled only)', async () => {
    const data = await tempDir();
    for (const name of ['colin27_axial_020.png', 'colin27_axial_021.png']) await copyFile(MR_SLICE, join(data, name));
    for (const name of ['craniumct_axial_010.png', 'craniumct_axial_011.png']) await copyFile(CT_SLICE, join(data, name));
    const model = await defaultModel();
    const report = await evaluate(model, data, 'wasm', { bits: 8, noises: [], seed: 1 });
    expect([report.sourcesBy, Object.keys(report.perSource)]).toEqual(['name prefix', ['colin27', 'craniumct']]);
    expect(report.perSource.colin27!.clean.ssim).toBe(report.perImage[0]!.clean.ssim); // the same slice twice
    const out = await tempDir();
    await writeReport(report, out);
    expect(await readFile(join(out, 'report.md'), 'utf8')).toContain('Sources: the file names\' prefixes before their first "_" (a folder without sub-folders).');
    // A prefix of one image is no source: the folder is reported pooled, as before.
    await copyFile(MR_SLICE, join(data, 'other_1.png'));
    const pooled = await evaluate(model, data, 'wasm', { bits: 8, noises: [], seed: 1 });
    expect([pooled.sourcesBy, pooled.perSource]).toEqual([undefined, {}]);
  });
});
