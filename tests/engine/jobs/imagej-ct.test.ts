/**
 * An ImageJ (Fiji) TIFF says the values of the DICOM file ImageJ opened, and a CT's HU (aeimg 0.39): a signed image's
 * values go back down by the 32,768 ImageJ moved them up by, a CT goes in HU whether or not its sender declared it one,
 * with its own calibration where the declaration differs; an ImageJ TIFF of an MR declared a CT is said to be one.
 * Files written by ImageJ 1.53t (tests/fixtures/imagej).
 */
import { execFileSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeImageFile, encryptImageFile, fileWarnings } from '../../../src-main/engine/jobs/encrypt.js';
import { ctCheck } from '../../../src-main/engine/jobs/declared-ct.js';
import { decryptAeimgFile } from '../../../src-main/engine/jobs/decrypt.js';
import { describeImage, receivedSummary } from '../../../src-main/engine/jobs/view.js';
import { generateSharedKey } from '../../../src-main/engine/keys/keyfile.js';
import { DEFAULT_MAX_PIXELS, readImageFile } from '../../../src-main/engine/image/io.js';
import { ctCalibrationOf, fileModalityOf, fileSpacingOf, fileWindowsOf } from '../../../src-main/engine/codec/record.js';
import { readDicomFile } from '../../../src-main/engine/dicom/import.js';
import { dicomDisplay } from '../../../src-main/engine/dicom/display.js';
import { CT_PRESETS, sampleToReal } from '../../../src-shared/windows.js';
import { CT_HU_SLICE, defaultModel, FIXTURES, models, tempDir, tiffOf } from '../../helpers.js';

const IMAGEJ = join(FIXTURES, 'imagej');
const CT_SIGNED = join(IMAGEJ, 'ct_small_signed.tif'), MR_SIGNED = join(IMAGEJ, 'mr_small_signed.tif'), CT_UNSIGNED = join(IMAGEJ, 'ct_cranium_unsigned.tif');

describe('an ImageJ TIFF of a CT', () => {
  it('goes in HU undeclared: its reader reads the values and HU of the DICOM file ImageJ opened, within what its sender was told, in the CT windows', async () => {
    const dir = await tempDir();
    const key = generateSharedKey('ImageJ CT');
    const sent = await encryptImageFile(CT_SIGNED, { model: await defaultModel(), recipients: [key], outDir: dir, coding: { quality: 'within-4' } });
    expect(sent.units).toEqual({ units: 'HU', perStored: 1 });
    expect(sent.fidelity!.windows!.map((w) => w.name).sort()).toEqual(CT_PRESETS.map((w) => w.name).sort());
    expect(sent.warnings).toEqual([]); // not told it has no units, nor to declare it
    const got = await decryptAeimgFile(sent.output, { identities: [key], models: models(), write: false });
    const { record, image } = got.images[0]!;
    // Of the DICOM header ImageJ kept, nothing that names the patient travels (only its modality and windows are read).
    const carried = JSON.stringify(got.images.map((i) => i.record));
    expect(carried).toContain('"ctCalibration":"imagej"'); // its metadata is in it
    expect(carried).not.toMatch(/CompressedSamples|1CT1|JFK IMAGING/);
    // Its values are the DICOM file's signed stored values again (ImageJ's samples less 32768), its HU those − 1024.
    expect([record.valueOffset, record.ctIntercept, ctCalibrationOf(record)]).toEqual([32768, -1024, 'imagej']);
    expect(receivedSummary(record).text).toMatch(/^every pixel within ±4 HU/);
    const info = describeImage(record, image, 0);
    expect([info.units, info.ctCalibration]).toEqual(['HU', 'imagej']); // told its own calibration's, not its sender's word
    // Its reader measures in mm, as in its DICOM file (Pixel Spacing 0.661468), by ImageJ's spatial calibration.
    expect(info.pixelSpacing).toEqual({ row: 0.661468, column: 0.661468, source: 'ImageJ' });
    // The HU the reader reads, against the DICOM file's own: within ±4 everywhere, as told.
    const [dicom] = await readDicomFile(join(FIXTURES, 'dicom', 'ct_small_explicit_le.dcm'), { maxPixels: 1e6, deidentify: null });
    const truth = dicomDisplay(dicom!.dicom).mapping;
    const worst = Array.from(image.pixels).reduce((w, s, i) => Math.max(w, Math.abs(sampleToReal(s, info.mapping) - sampleToReal(dicom!.image.pixels[i]!, truth))), 0);
    expect(worst).toBeGreaterThan(0); // near-lossless, not a copy: the comparison can fail
    expect(worst).toBeLessThanOrEqual(4);
    // Its DICOM output is a signed CT with the DICOM file's rescale, which a PACS reads the same HU from.
    const dcm = await decryptAeimgFile(sent.output, { identities: [key], models: models(), outDir: dir, format: 'dcm' });
    const dump = execFileSync('dcmdump', ['+L', '+P', '0008,0060', '+P', '0008,2111', '+P', '0028,0030', '+P', '0028,0103', '+P', '0028,1052', dcm.images[0]!.output!], { encoding: 'utf8' });
    expect(dump).toMatch(/\(0028,0030\) DS \[0\.661468\\0\.661468\]/);
    expect(dump).toMatch(/\(0008,0060\) CS \[CT\][\s\S]*\(0028,0103\) US 1 [\s\S]*\(0028,1052\) DS \[-1024\]/);
    expect(dump).toMatch(/\(0008,2111\) ST \[Reconstructed by aeimg .*\. From an ImageJ TIFF of a CT \(HU = value - 1024, its ImageJ calibration\)\]/);
  });

  it('sent bit-exact, gives back the DICOM file\'s own stored values, signed, and an MR\'s too (without units)', async () => {
    const dir = await tempDir();
    const key = generateSharedKey('ImageJ values');
    for (const [tif, dcm] of [[CT_SIGNED, 'ct_small_explicit_le.dcm'], [MR_SIGNED, 'mr_small_explicit_le.dcm']] as const) {
      const sent = await encryptImageFile(tif, { model: await defaultModel(), recipients: [key], outDir: dir, coding: { quality: 'lossless' } });
      const got = await decryptAeimgFile(sent.output, { identities: [key], models: models(), write: false });
      const { record, image } = got.images[0]!;
      const info = describeImage(record, image, 0);
      const [original] = await readDicomFile(join(FIXTURES, 'dicom', dcm), { maxPixels: 1e6, deidentify: null });
      const stored = dicomDisplay(original!.dicom).mapping!;
      const values = (pixels: ArrayLike<number>, m: typeof stored | undefined) => Array.from(pixels, (s) => sampleToReal(s, m && { ...m, intercept: 0 }));
      expect(values(image.pixels, info.mapping)).toEqual(values(original!.image.pixels, stored));
      expect(Math.min(...values(image.pixels, info.mapping))).toBeLessThan(32768); // the values, not ImageJ's samples
    }
  });

  it('saved as a stack (a series in one TIFF), gives each slice the DICOM file\'s values, HU and windows, its calibration and Info the stack\'s', async () => {
    const dir = await tempDir();
    const key = generateSharedKey('ImageJ stack');
    const sent = await encryptImageFile(join(IMAGEJ, 'ct_small_signed_stack.tif'), { model: await defaultModel(), recipients: [key], outDir: dir, coding: { quality: 'lossless' } });
    expect(sent.warnings).toEqual([]);
    const got = await decryptAeimgFile(sent.output, { identities: [key], models: models(), write: false });
    const [original] = await readDicomFile(join(FIXTURES, 'dicom', 'ct_small_explicit_le.dcm'), { maxPixels: 1e6, deidentify: null });
    const truth = dicomDisplay(original!.dicom).mapping;
    const { width, height } = original!.image;
    const hu = Array.from(original!.image.pixels, (s) => sampleToReal(s, truth));
    const upsideDown = Array.from({ length: width * height }, (_, i) => hu[(height - 1 - Math.floor(i / width)) * width + (i % width)]!);
    expect(got.images).toHaveLength(2);
    for (const [{ record, image }, expected] of got.images.map((g, i) => [g, i === 0 ? hu : upsideDown] as const)) {
      expect([record.valueOffset, record.ctIntercept, ctCalibrationOf(record)]).toEqual([32768, -1024, 'imagej']);
      const info = describeImage(record, image, 0);
      expect(Array.from(image.pixels, (s) => sampleToReal(s, info.mapping))).toEqual(expected);
      // Its Info's windows (in HU) with the CT presets, measured in and opened in: brain 40/80 at HU 40 = sample 33832.
      expect(info.windows!.map((w) => w.name)).toEqual(['file window BRAIN', 'file window SOFT TISSUE', ...CT_PRESETS.map((w) => w.name)]);
      expect(record.fidelity!.windows!.map((w) => w.name)).toEqual(expect.arrayContaining(['file window BRAIN', 'file window SOFT TISSUE']));
      expect(info.window).toMatchObject({ name: 'file window BRAIN', center: 40 + 1024 + 32768, width: 80 });
    }
  });

  it('of an MR, goes with its DICOM file\'s window: measured in it, its reader opens in it, its DICOM output has it', async () => {
    const dir = await tempDir();
    const key = generateSharedKey('ImageJ window');
    const sent = await encryptImageFile(MR_SIGNED, { model: await defaultModel(), recipients: [key], outDir: dir, coding: { quality: 'within-2' } });
    const [original] = await readDicomFile(join(FIXTURES, 'dicom', 'mr_small_explicit_le.dcm'), { maxPixels: 1e6, deidentify: null });
    const own = dicomDisplay(original!.dicom).windows.filter((w) => w.source === 'file');
    expect(own.map((w) => [w.name, w.center, w.width])).toEqual([['file window 1', 600, 1600]]); // the DICOM file's, as its reader gets it
    expect(sent.fidelity!.windows!.filter((w) => w.source === 'file').map((w) => [w.name, w.center, w.width])).toEqual([['file window 1', 600, 1600]]);
    const got = await decryptAeimgFile(sent.output, { identities: [key], models: models(), write: false });
    const { record, image } = got.images[0]!;
    const info = describeImage(record, image, 0);
    expect(info.windows!.filter((w) => w.source === 'file')).toEqual(own);
    expect(info.window.name).toBe('file window 1'); // opened in it, as the DICOM file opens
    expect(receivedSummary(record).text).toMatch(/^every pixel within ±2 of the original/);
    const dcm = await decryptAeimgFile(sent.output, { identities: [key], models: models(), outDir: dir, format: 'dcm' });
    const dump = execFileSync('dcmdump', ['+P', '0008,0060', '+P', '0028,1050', '+P', '0028,1051', dcm.images[0]!.output!], { encoding: 'utf8' });
    expect(dump).toMatch(/\(0028,1050\) DS \[600\][\s\S]*\(0028,1051\) DS \[1600\]/);
    // Its Modality is its DICOM file's (MR), which ImageJ kept, not OT: a PACS files and hangs it as an MR.
    expect(dump).toMatch(/\(0008,0060\) CS \[MR\]/);
    expect([fileModalityOf(record), fileModalityOf({ metadata: { modality: 'CT' } }), fileModalityOf({ metadata: { modality: 'mr; DROP' } })]).toEqual(['MR', undefined, undefined]);
    // A record's windows are read only as aeimg writes them (they came from a sender): none where any is not.
    expect(fileWindowsOf(record)).toEqual(own);
    for (const bad of [{ ...own[0], width: 0 }, { ...own[0], source: 'preset' }, { ...own[0], center: '600' }, { ...own[0], fn: 'LOG' }, null]) {
      expect(fileWindowsOf({ channels: 1, metadata: { windows: [own[0], bad] } }), JSON.stringify(bad)).toEqual([]);
    }
    expect(fileWindowsOf({ channels: 3, metadata: { windows: own } })).toEqual([]);
    // Its pixel spacing likewise: two sizes a pixel may have, of an image file.
    expect(fileSpacingOf(record)).toEqual({ row: 0.3125, column: 0.3125 });
    for (const bad of [[0.3125], [0, 0.3125], ['0.3125', 0.3125], [0.3125, Infinity], 0.3125]) {
      expect(fileSpacingOf({ metadata: { pixelSpacing: bad } }), JSON.stringify(bad)).toBeUndefined();
    }
    expect(fileSpacingOf({ metadata: { pixelSpacing: [0.3125, 0.3125], dicom: {} } })).toBeUndefined();
  });

  it('shown in a window of its user\'s when saved, goes with it first: measured in it, its reader opens in it, its DICOM output has it', async () => {
    const dir = await tempDir();
    const key = generateSharedKey('ImageJ display range');
    // Saved from ImageJ shown in 0..80 HU (40/80), which its DICOM header does not say: the window its sender looked at.
    const sent = await encryptImageFile(CT_UNSIGNED, { model: await defaultModel(), recipients: [key], outDir: dir, coding: { quality: 'within-2' } });
    expect(sent.fidelity!.windows!.map((w) => [w.name, w.center, w.width])).toEqual(expect.arrayContaining([['ImageJ display range', 40, 80]]));
    const got = await decryptAeimgFile(sent.output, { identities: [key], models: models(), write: false });
    const { record, image } = got.images[0]!;
    const info = describeImage(record, image, 0);
    expect([info.window.name, info.window.center, info.window.width]).toEqual(['ImageJ display range', 40 - -1024, 80]); // in its samples
    expect(info.windows!.map((w) => w.name)).toEqual(['ImageJ display range', ...CT_PRESETS.map((w) => w.name)]);
    const dcm = await decryptAeimgFile(sent.output, { identities: [key], models: models(), outDir: dir, format: 'dcm' });
    const dump = execFileSync('dcmdump', ['+P', '0028,1050', '+P', '0028,1051', '+P', '0028,1055', dcm.images[0]!.output!], { encoding: 'utf8' });
    expect(dump).toMatch(/\(0028,1050\) DS \[40\][\s\S]*\(0028,1051\) DS \[80\][\s\S]*\(0028,1055\) LO \[ImageJ display range\]/);
  });

  it('declared with another intercept, goes with its own, and its sender is told; declared with its own, nothing is said', async () => {
    const model = await defaultModel();
    const encode = (input: string, ctIntercept?: number) =>
      encodeImageFile(model, { input, coding: { quality: 'within-2' }, measure: false, deidentify: null, maxPixels: DEFAULT_MAX_PIXELS, ctIntercept });
    // Its values in HU given 0: it goes with its own, − 1024, as it does given −1024 (the app's default), without a word.
    const signed = await encode(CT_SIGNED, 0);
    expect(signed.images[0]!.record.ctIntercept).toBe(-1024);
    expect(fileWarnings(CT_SIGNED, signed)).toEqual(['ct_small_signed.tif is an ImageJ TIFF of a CT, whose own calibration gives HU = value − 1024: it goes ' +
      'with that, as a DICOM file goes with its rescale, not with the intercept given (HU = value), which would put every HU 1024 off.']);
    const asDefault = await encode(CT_SIGNED, -1024);
    expect([asDefault.images[0]!.record.ctIntercept, fileWarnings(CT_SIGNED, asDefault)]).toEqual([-1024, []]);
    const unsigned = await encode(CT_UNSIGNED, 0);
    expect([unsigned.images[0]!.record.valueOffset, unsigned.images[0]!.record.ctIntercept]).toEqual([undefined, -1024]);
    expect(fileWarnings(CT_UNSIGNED, unsigned)).toEqual([expect.stringMatching(/^ct_cranium_unsigned\.tif is an ImageJ TIFF of a CT, whose own calibration gives HU = value − 1024/)]);
    // The app's row and the dry run hear it before sending.
    expect(await ctCheck(CT_SIGNED, 0)).toEqual({ fails: false, ownIntercept: -1024 });
    expect(await ctCheck(CT_UNSIGNED, 0)).toEqual({ fails: false, ownIntercept: -1024 });
    // Undeclared too (the dry run and the row without "16-bit image files are CT"); an MR's and a plain PNG's say nothing.
    expect(await ctCheck(CT_SIGNED, undefined)).toEqual({ fails: false, ownIntercept: -1024 });
    expect([await ctCheck(MR_SIGNED, undefined), await ctCheck(CT_HU_SLICE, undefined)]).toEqual([undefined, undefined]);
  });

  it('of an MR declared a CT: its sender is told its modality, whatever its pixels; undeclared, it is not told to declare it', async () => {
    const model = await defaultModel();
    const encode = (ctIntercept?: number) =>
      encodeImageFile(model, { input: MR_SIGNED, coding: { quality: 'within-2' }, measure: false, deidentify: null, maxPixels: DEFAULT_MAX_PIXELS, ctIntercept });
    const said = 'mr_small_signed.tif is an ImageJ TIFF of a DICOM file whose Modality is MR, not CT: declared a CT, its reader would read its values ' +
      'as HU. Send it without HU (--not-ct mr_small_signed.tif; in the app, "Send without HU (not a CT)"), unless it is a CT after all.';
    // Given the intercept that puts its background where a CT's air would be, its pixels alone would pass.
    for (const intercept of [-1024, 0]) {
      const declared = await encode(intercept);
      expect([declared.images[0]!.record.ctIntercept, fileWarnings(MR_SIGNED, declared)]).toEqual([intercept, [said]]);
      expect(await ctCheck(MR_SIGNED, intercept)).toEqual({ fails: false, message: said });
    }
    const plain = await encode();
    expect([plain.images[0]!.record.ctIntercept, plain.unitless, fileWarnings(MR_SIGNED, plain)]).toEqual([undefined, undefined, []]);
  });
});

describe('a CT declared with an intercept that puts it far from air', () => {
  it('is told the export that puts it at air: values moved up by 32768 (a signed image saved unsigned, its calibration lost) too, or that none does', async () => {
    const dir = await tempDir();
    const model = await defaultModel();
    const warned = async (path: string, ctIntercept: number) =>
      fileWarnings(path, await encodeImageFile(model, { input: path, coding: { quality: 'within-2' }, measure: false, deidentify: null, maxPixels: DEFAULT_MAX_PIXELS, ctIntercept }));
    const stored = await readImageFile(CT_HU_SLICE); // HU + 1024
    const shifted = join(dir, 'shifted.tif'), far = join(dir, 'far.tif');
    await writeFile(shifted, tiffOf([Uint16Array.from(stored.pixels, (v) => v - 1024 + 32768)], stored.width, stored.height));
    await writeFile(far, tiffOf([Uint16Array.from(stored.pixels, (v) => v + 12000)], stored.width, stored.height));
    // Before 0.39, −1024 was told 2048: no better.
    expect(await warned(shifted, -1024)).toEqual([expect.stringMatching(/^shifted\.tif was declared a CT with HU = value − 1024, .*If its values are HU moved up by 32768 into unsigned values \(a signed image saved unsigned, as ImageJ does\), give HU = value − 32768 \(--ct-intercept=-32768;/)]);
    expect(await warned(shifted, -32768)).toEqual([]);
    expect(await warned(far, -1024)).toEqual([expect.stringMatching(/^far\.tif was declared a CT .*No usual export \(values in HU, HU \+ 1024, or those moved up by 32768\) puts it at air: check how its values were exported\. If it is a crop/)]);
  });
});
