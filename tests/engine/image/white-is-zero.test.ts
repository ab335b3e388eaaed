/**
 * A grey TIFF whose Photometric Interpretation is WhiteIsZero (as DICOM's MONOCHROME1): ImageJ saves so an image it
 * shows through an inverted LUT, a MONOCHROME1 DICOM file's among them (tests/fixtures/imagej, written by ImageJ 1.53t:
 * scripts/fixtures/ImagejTiffs.java). libvips reads it inverted; its reader gets the file's own values (aeimg 0.40),
 * shown as its sender saw it, and its DICOM output is MONOCHROME1 with those values.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeImageFile, encryptImageFile, fileWarnings } from '../../../src-main/engine/jobs/encrypt.js';
import { decryptAeimgFile } from '../../../src-main/engine/jobs/decrypt.js';
import { describeImage, recordDisplay } from '../../../src-main/engine/jobs/view.js';
import { generateSharedKey } from '../../../src-main/engine/keys/keyfile.js';
import { DEFAULT_MAX_PIXELS, readImageData, readImageFile } from '../../../src-main/engine/image/io.js';
import { tiffPages } from '../../../src-main/engine/image/tiff-tags.js';
import { readDicomFile } from '../../../src-main/engine/dicom/import.js';
import { dicomDisplay } from '../../../src-main/engine/dicom/display.js';
import { renderToByte, sampleToReal, valueFormula, type DisplayModel, type DisplayWindow, type ValueMapping } from '../../../src-shared/windows.js';
import { CT_HU_SLICE, defaultModel, FIXTURES, models, tempDir, tiffOf } from '../../helpers.js';

const IMAGEJ = join(FIXTURES, 'imagej');
/** Each fixture with the DICOM file ImageJ opened: its values are that file's stored values (ImageJ's signed MR's less 32768). */
const CASES = [['cr_monochrome1.tif', 'cr_16x16_monochrome1.dcm'], ['mr_small_inverted_lut.tif', 'mr_small_explicit_le.dcm']] as const;

/**
 * The grey level a reader sees of each sample through a window (in real-world values) of its display model, as the
 * sender's figures render it (metrics/fidelity.ts): MONOCHROME1 shows the windowed value inverted.
 */
const greys = (display: DisplayModel, w: DisplayWindow) => (s: number) => {
  const v = renderToByte(sampleToReal(s, display.mapping), w);
  return display.monochrome1 ? 255 - v : v;
};

/** A TIFF's first page made WhiteIsZero (Photometric 0), nothing else changed: as ImageJ saves one after Invert LUT. */
function asWhiteIsZero(tiff: Buffer): Buffer {
  const ifd = tiff.readUInt32LE(4);
  for (let i = 0; i < tiff.readUInt16LE(ifd); i++) if (tiff.readUInt16LE(ifd + 2 + i * 12) === 262) tiff.writeUInt16LE(0, ifd + 10 + i * 12);
  return tiff;
}

/** Per page of a TIFF's first `pages`, whether it is read as WhiteIsZero. */
const whiteIsZeroPages = (data: Uint8Array, pages: number) => tiffPages(data, pages)?.map((p) => p.whiteIsZero);

/** Stored values (before any rescale) of samples through a mapping. */
const stored = (pixels: ArrayLike<number>, m: ValueMapping | undefined) => Array.from(pixels, (s) => sampleToReal(s, m && { ...m, slope: 1, intercept: 0 }));

describe('a WhiteIsZero TIFF (ImageJ\'s inverted LUT, a MONOCHROME1 DICOM file opened in ImageJ)', () => {
  it('is found page by page, grey of 8 or 16 bits only; nothing else is, and a damaged one throws nothing', async () => {
    for (const [tif] of CASES) expect(whiteIsZeroPages(await readFile(join(IMAGEJ, tif)), 1)).toEqual([true]);
    expect(whiteIsZeroPages(await readFile(join(IMAGEJ, 'mr_small_signed.tif')), 1)).toEqual([false]);
    expect(whiteIsZeroPages(asWhiteIsZero(tiffOf([new Uint16Array(16)], 4, 4)), 1)).toEqual([true]);
    expect(whiteIsZeroPages(asWhiteIsZero(tiffOf([new Uint8Array(16)], 4, 4)), 1)).toEqual([true]);
    expect(whiteIsZeroPages(asWhiteIsZero(tiffOf([new Float32Array(16)], 4, 4)), 1)).toEqual([true]); // read by aeimg, inverted alike (0.44)
    expect(whiteIsZeroPages(asWhiteIsZero(tiffOf([new Int16Array(16)], 4, 4)), 1)).toEqual([true]);
    expect(whiteIsZeroPages(tiffOf([new Uint16Array(16)], 4, 4), 1)).toEqual([false]);
    expect(whiteIsZeroPages(tiffOf([new Uint16Array(16), new Uint16Array(16)], 4, 4), 2)).toEqual([false, false]);
    expect(whiteIsZeroPages(Buffer.from('not a TIFF at all'), 1)).toBeUndefined();
    const whole = await readFile(join(IMAGEJ, 'mr_small_inverted_lut.tif'));
    for (let cut = 0; cut < 300; cut += 3) expect(() => whiteIsZeroPages(whole.subarray(0, cut), 1)).not.toThrow();
    for (let at = 0; at < 300; at++) {
      const damaged = Buffer.from(whole);
      damaged[at] = damaged[at]! ^ 0xff;
      expect(() => whiteIsZeroPages(damaged, 4)).not.toThrow();
    }
  });

  it('gives its reader the values of the DICOM file ImageJ opened, shown as its sender saw them, and DICOM output MONOCHROME1 with those values', async () => {
    const dir = await tempDir();
    const key = generateSharedKey('WhiteIsZero');
    for (const [tif, dcm] of CASES) {
      const path = join(IMAGEJ, tif);
      expect((await readImageData(path)).inverted).toEqual([true]); // libvips reads it inverted
      const sent = await encryptImageFile(path, { model: await defaultModel(), recipients: [key], outDir: dir, coding: { quality: 'lossless' } });
      const got = await decryptAeimgFile(sent.output, { identities: [key], models: models(), write: false });
      const { record, image } = got.images[0]!;
      const info = describeImage(record, image, 0);
      const [original] = await readDicomFile(join(FIXTURES, 'dicom', dcm), { maxPixels: 1e6, deidentify: null });
      const truth = stored(original!.image.pixels, dicomDisplay(original!.dicom).mapping);
      // Its values, as the reader's viewer reads them: the DICOM file's, not 65535 less them (nor less 32768 more).
      expect(stored(image.pixels, info.mapping), tif).toEqual(truth);
      // Shown as ImageJ showed it: the highest value darkest, in the window the reader opens in.
      const display = recordDisplay(record)!;
      const grey = greys(display, display.windows[0] ?? { name: 'all', center: (Math.max(...truth) + Math.min(...truth)) / 2, width: Math.max(...truth) - Math.min(...truth), source: 'full' });
      const top = image.pixels[truth.indexOf(Math.max(...truth))]!, bottom = image.pixels[truth.indexOf(Math.min(...truth))]!;
      expect(grey(top), tif).toBeLessThan(grey(bottom));
      // DICOM output: MONOCHROME1, its stored values those of the DICOM file ImageJ opened.
      const out = await decryptAeimgFile(sent.output, { identities: [key], models: models(), outDir: dir, format: 'dcm' });
      const [written] = await readDicomFile(out.images[0]!.output!, { maxPixels: 1e6, deidentify: null });
      expect(written!.dicom.pixel.photometric, tif).toBe('MONOCHROME1');
      expect(stored(written!.image.pixels, dicomDisplay(written!.dicom).mapping), tif).toEqual(truth);
    }
  });

  it('of signed or float samples (read by aeimg, not libvips) goes as one of unsigned samples does: its values, shown inverted, DICOM output MONOCHROME1 (0.44)', async () => {
    const dir = await tempDir();
    const key = generateSharedKey('WhiteIsZero wide');
    const [w, h] = [24, 16];
    const truth = Array.from({ length: w * h }, (_, i) => (i % w) * 40 - 300 + Math.floor(i / w)); // −300..637, whole numbers
    for (const [name, samples] of [['signed.tif', Int16Array.from(truth)], ['float.tif', Float32Array.from(truth)]] as const) {
      const path = join(dir, name);
      await writeFile(path, asWhiteIsZero(tiffOf([samples], w, h)));
      expect((await readImageData(path)).inverted, name).toEqual([true]);
      const sent = await encryptImageFile(path, { model: await defaultModel(), recipients: [key], outDir: dir, coding: { quality: 'lossless' } });
      const { record, image } = (await decryptAeimgFile(sent.output, { identities: [key], models: models(), write: false })).images[0]!;
      const info = describeImage(record, image, 0);
      expect(stored(image.pixels, info.mapping), name).toEqual(truth); // its values, not turned over
      // Shown as a TIFF viewer shows WhiteIsZero: the highest value darkest.
      const display = recordDisplay(record)!;
      const grey = greys(display, display.windows[0] ?? { name: 'all', center: 168.5, width: 938, source: 'full' });
      expect(grey(image.pixels[truth.indexOf(Math.max(...truth))]!), name).toBeLessThan(grey(image.pixels[truth.indexOf(Math.min(...truth))]!));
      const out = await decryptAeimgFile(sent.output, { identities: [key], models: models(), outDir: dir, format: 'dcm' });
      const [written] = await readDicomFile(out.images[0]!.output!, { maxPixels: 1e6, deidentify: null });
      expect(written!.dicom.pixel.photometric, name).toBe('MONOCHROME1');
      expect(stored(written!.image.pixels, dicomDisplay(written!.dicom).mapping), name).toEqual(truth);
    }
  });

  it('of an MR with its DICOM file\'s window, is measured in that window on its values: the reader opens in it to the image, not to black', async () => {
    const dir = await tempDir();
    const key = generateSharedKey('WhiteIsZero window');
    const sent = await encryptImageFile(join(IMAGEJ, 'mr_small_inverted_lut.tif'), { model: await defaultModel(), recipients: [key], outDir: dir, coding: { quality: 'within-2' } });
    expect(sent.fidelity!.windows!.map((w) => [w.name, w.center, w.width])).toContainEqual(['file window 1', 600, 1600]);
    const got = await decryptAeimgFile(sent.output, { identities: [key], models: models(), write: false });
    const { record, image } = got.images[0]!;
    const info = describeImage(record, image, 0);
    expect(info.window.name).toBe('file window 1');
    // Through that window, the image spreads over the grey levels: the MR's 0..1400 lie within −200..1400.
    const display = recordDisplay(record)!;
    const shown = new Set(Array.from(image.pixels, greys(display, display.windows.find((w) => w.name === 'file window 1')!)));
    expect(shown.size).toBeGreaterThan(100);
  });

  it('of a CT (its LUT inverted in ImageJ) goes in HU as any ImageJ CT does: its HU within what its sender was told', async () => {
    const dir = await tempDir();
    const key = generateSharedKey('WhiteIsZero CT');
    // ct_small_signed.tif as ImageJ saves it after Image > Lookup Tables > Invert LUT: its Photometric 0, nothing else changed.
    await writeFile(join(dir, 'ct_inverted.tif'), asWhiteIsZero(Buffer.from(await readFile(join(IMAGEJ, 'ct_small_signed.tif')))));
    const [original] = await readDicomFile(join(FIXTURES, 'dicom', 'ct_small_explicit_le.dcm'), { maxPixels: 1e6, deidentify: null });
    const hu = (pixels: ArrayLike<number>, m: ValueMapping | undefined) => Array.from(pixels, (s) => sampleToReal(s, m));
    const truth = hu(original!.image.pixels, dicomDisplay(original!.dicom).mapping);
    const sent = await encryptImageFile(join(dir, 'ct_inverted.tif'), { model: await defaultModel(), recipients: [key], outDir: dir, coding: { quality: 'within-4' } });
    expect(sent.units).toEqual({ units: 'HU', perStored: 1 });
    expect(sent.fidelity!.windows!.map((w) => w.name)).toContain('brain'); // measured in the CT presets, on its HU
    const { record, image } = (await decryptAeimgFile(sent.output, { identities: [key], models: models(), write: false })).images[0]!;
    const got = hu(image.pixels, describeImage(record, image, 0).mapping);
    const worst = got.reduce((w, v, i) => Math.max(w, Math.abs(v - truth[i]!)), 0);
    expect(worst).toBeGreaterThan(0); // near-lossless, not a copy
    expect(worst).toBeLessThanOrEqual(4);
  });

  it('declared a CT, is told of an intercept that puts it far from air by its values, not by its inverted samples', async () => {
    const dir = await tempDir();
    const model = await defaultModel();
    const stored = await readImageFile(CT_HU_SLICE); // HU + 1024
    const path = join(dir, 'exported.tif');
    await writeFile(path, asWhiteIsZero(tiffOf([Uint16Array.from(stored.pixels)], stored.width, stored.height)));
    const warned = async (ctIntercept: number) =>
      fileWarnings(path, await encodeImageFile(model, { input: path, coding: { quality: 'within-2' }, measure: false, deidentify: null, maxPixels: DEFAULT_MAX_PIXELS, ctIntercept }));
    expect(await warned(-1024)).toEqual([]); // its air (value 0 + −1024) is air
    expect(await warned(0)).toEqual([expect.stringMatching(/^exported\.tif was declared a CT with HU = value \+ 0, which puts its darkest part \(its 1st percentile\) at 1 HU, .*give HU = value − 1024 \(--ct-intercept=-1024/)]);
  });

  it('says how a value in its PNG gives the reader\'s: the samples inverted', () => {
    expect(valueFormula({ offset: 0, inverted: true, signed: false, bitsStored: 16, slope: 1, intercept: 0 })).toBe('65535 − v');
    expect(valueFormula({ offset: 32768, inverted: true, signed: true, bitsStored: 16, slope: 1, intercept: 0 })).toBe('32767 − v');
    expect(valueFormula({ offset: 0, inverted: true, signed: false, bitsStored: 12, slope: 0.684, intercept: 200 })).toBe('(4095 − v) × 0.684 + 200');
    expect(valueFormula({ offset: 32768, slope: 1, intercept: -1024 })).toBe('(v − 32768) − 1024');
  });
});
