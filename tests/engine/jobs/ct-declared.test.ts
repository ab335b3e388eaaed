/**
 * An image file its sender declares a CT (aeimg 0.36: `--ct-intercept`, the app's "16-bit image files are CT"): a PACS's
 * 16-bit PNG export holds stored values (HU + 1024), which without the declaration are measured in a percentile window
 * where an error of tens of HU hardly shows.
 */
import { execFileSync } from 'node:child_process';
import { copyFile, mkdir, readdir, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeImageFile, encryptImageFile, fileWarnings } from '../../../src-main/engine/jobs/encrypt.js';
import { encryptFiles } from '../../../src-main/engine/jobs/batch.js';
import { ctCheck } from '../../../src-main/engine/jobs/declared-ct.js';
import { readExamples } from '../../../src-main/engine/train/examples.js';
import { decryptStudy, encryptStudy } from '../../../src-main/engine/jobs/study.js';
import { SenderPreviews } from '../../../src-main/engine/jobs/preview.js';
import { decryptAeimgFile } from '../../../src-main/engine/jobs/decrypt.js';
import { describeImage, receivedSummary } from '../../../src-main/engine/jobs/view.js';
import { generateSharedKey } from '../../../src-main/engine/keys/keyfile.js';
import { DEFAULT_MAX_PIXELS, encodePng, readImageFile } from '../../../src-main/engine/image/io.js';
import { readDicomFile } from '../../../src-main/engine/dicom/import.js';
import { dicomDisplay } from '../../../src-main/engine/dicom/display.js';
import { ctCalibrationOf, validateImageRecord } from '../../../src-main/engine/codec/record.js';
import type { Quality } from '../../../src-shared/quality.js';
import { CT_PRESETS, sampleToReal } from '../../../src-shared/windows.js';
import { CT_HU_SLICE, CT_SLICE, defaultModel, FIXTURES, models, MR_SLICE, tempDir, tiffOf } from '../../helpers.js';

const PRESET_NAMES = CT_PRESETS.map((w) => w.name);

describe('an image file declared a CT', () => {
  it('is measured and coded in HU and the CT windows; its reader sees HU and the presets, and DICOM output is a CT in HU', async () => {
    const dir = await tempDir();
    const key = generateSharedKey('CT values');
    const sent = await encryptImageFile(CT_HU_SLICE, {
      model: await defaultModel(), recipients: [key], outDir: dir, coding: { quality: 'within-4' }, ctIntercept: -1024,
    });
    expect(sent.units).toEqual({ units: 'HU', perStored: 1 });
    expect(sent.fidelity!.windows!.map((w) => w.name).sort()).toEqual([...PRESET_NAMES].sort());
    expect(sent.warnings).toEqual([]);
    const got = await decryptAeimgFile(sent.output, { identities: [key], models: models(), write: false });
    const { record, image } = got.images[0]!;
    expect([record.ctIntercept, ctCalibrationOf(record)]).toEqual([-1024, undefined]); // its sender's word, not the file's
    const info = describeImage(record, image, 0);
    expect([info.units, info.ctCalibration]).toEqual(['HU', undefined]);
    expect(info.windows!.map((w) => w.name)).toEqual(PRESET_NAMES); // no percentile window: a CT is read in its presets
    const original = await readImageFile(CT_HU_SLICE);
    expect(sampleToReal(original.pixels[0]!, info.mapping)).toBe(original.pixels[0]! - 1024);
    expect(receivedSummary(record).text).toMatch(/^every pixel within ±4 HU; worst window \w[\w ]* \d+\/\d+: SSIM 0\.\d{4}, largest error [0-4] HU$/);

    const dcm = await decryptAeimgFile(sent.output, { identities: [key], models: models(), outDir: dir, format: 'dcm' });
    const path = dcm.images[0]!.output!;
    const dump = execFileSync('dcmdump', ['+L', '+P', '0008,0060', '+P', '0028,1052', '+P', '0028,1053', '+P', '0028,1054', '+P', '0008,2111', path], { encoding: 'utf8' });
    expect(dump).toMatch(/\(0008,2111\) ST \[Reconstructed by aeimg \(near-lossless predictive coding\): every pixel within \+\/-4 HU.*\. From an image file its sender declared a CT \(HU = value - 1024\)\]/);
    expect(dump).toMatch(/\(0008,0060\) CS \[CT\]/);
    expect(dump).toMatch(/\(0028,1052\) DS \[-1024\]/);
    expect(dump).toMatch(/\(0028,1053\) DS \[1\]/);
    expect(dump).toMatch(/\(0028,1054\) LO \[HU\]/);
    const [frame] = await readDicomFile(path, { maxPixels: 1e6, deidentify: null });
    const display = dicomDisplay(frame!.dicom);
    expect(display.units).toBe('HU');
    expect(Array.from(frame!.image.pixels, (s) => sampleToReal(s, display.mapping))).toEqual(Array.from(image.pixels, (s) => s - 1024));
  });

  it('undeclared, the sender is told its figures are only in a percentile window; declared, the same slice shows its error in HU windows', async () => {
    const dir = await tempDir();
    const key = generateSharedKey('CT or not');
    const model = await defaultModel();
    const opts = { model, recipients: [key], coding: { quality: 'max' as const } };
    const plain = await encryptImageFile(CT_HU_SLICE, { ...opts, output: join(dir, 'plain.aeimg') });
    const ct = await encryptImageFile(CT_HU_SLICE, { ...opts, output: join(dir, 'ct.aeimg'), ctIntercept: -1024 });
    expect(plain.fidelity!.windows!.map((w) => w.source)).toEqual(['percentile']);
    expect(plain.warnings).toEqual([expect.stringMatching(/^ct-cranium-axial-022-hu\.png is a 16-bit grey image without units: its figures are measured in its 1st–99th percentile window.*--ct-intercept=-1024/)]);
    expect(ct.warnings).toEqual([]);
    // The network's error, seen in a brain or stroke window, is what a reader of a head CT meets.
    expect(PRESET_NAMES).toContain(ct.fidelity!.windows![0]!.name);
    expect(ct.fidelity!.windows![0]!.ssim).toBeLessThan(plain.fidelity!.windows![0]!.ssim - 0.01);
    expect(ct.reduced).toBe(true);
    // Bit-exact (the default for 16-bit) is told no warning either way: every window is the original's.
    const exact = await encryptImageFile(CT_HU_SLICE, { model, recipients: [key], output: join(dir, 'exact.aeimg') });
    expect(exact.warnings).toEqual([]);
  });

  it('the app\'s preview says what the warning says, before sending: unitless where the engine warns, never where declaring would be refused', async () => {
    const dir = await tempDir();
    const model = await defaultModel();
    const previews = new SenderPreviews((task) => encodeImageFile(model, task));
    const ct = await readImageFile(CT_HU_SLICE);
    const withAlpha = join(dir, 'alpha.png');
    const pixels = new Uint16Array(ct.pixels.length * 2);
    ct.pixels.forEach((v, i) => { pixels[2 * i] = v; pixels[2 * i + 1] = 65535; });
    await writeFile(withAlpha, await encodePng({ ...ct, channels: 2, pixels }));
    const seen = async (path: string, quality: Quality, ctIntercept?: number) => {
      const task = { input: path, coding: { quality }, measure: true, deidentify: null, maxPixels: DEFAULT_MAX_PIXELS, ctIntercept };
      const said = fileWarnings(path, await encodeImageFile(model, task)).some((w) => w.includes('without units'));
      const p = await previews.preview({ path, coding: { quality }, deidentify: null, frame: 0, ctIntercept });
      expect(p.warnings.filter((w) => w.includes('without units'))).toEqual([]); // said once, in the app's words (unitless)
      return [said, p.unitless ?? false];
    };
    expect(await seen(CT_HU_SLICE, 'within-4')).toEqual([true, 'unsigned']);
    expect(await seen(CT_HU_SLICE, 'within-4', -1024)).toEqual([false, false]);
    expect(await seen(CT_HU_SLICE, 'lossless')).toEqual([false, false]);
    // A grey image with alpha cannot go as a CT, so neither tells its sender to declare it one.
    expect(await seen(withAlpha, 'within-4')).toEqual([false, false]);
    await expect(seen(withAlpha, 'within-4', -1024)).rejects.toThrow(/is a grey image with transparency.*cannot go as a CT/);
    expect(await seen(CT_SLICE, 'within-4')).toEqual([false, false]); // 8-bit: its grey levels are what a reader sees
  });

  it('a signed TIFF in HU goes with intercept 0: the values, less their offset, are its HU', async () => {
    const dir = await tempDir();
    const hu = Int16Array.from({ length: 32 * 32 }, (_, i) => (i % 32) * 60 - 1000);
    await writeFile(join(dir, 'hu.tif'), tiffOf([hu], 32, 32));
    const key = generateSharedKey('Signed CT');
    const sent = await encryptImageFile(join(dir, 'hu.tif'), { model: await defaultModel(), recipients: [key], outDir: dir, ctIntercept: 0 });
    const got = await decryptAeimgFile(sent.output, { identities: [key], models: models(), write: false });
    const info = describeImage(got.images[0]!.record, got.images[0]!.image, 0);
    expect([info.units, info.mapping?.offset, info.mapping?.intercept]).toEqual(['HU', 32768, 0]);
    expect(Array.from(got.images[0]!.image.pixels, (s) => sampleToReal(s, info.mapping))).toEqual(Array.from(hu));
    expect(info.windows!.map((w) => w.name)).toEqual(PRESET_NAMES);
    // Its DICOM output tells a PACS reader the same declaration the viewer does, in ASCII: values in HU, no "+ 0".
    const dcm = await decryptAeimgFile(sent.output, { identities: [key], models: models(), outDir: dir, format: 'dcm' });
    const dump = execFileSync('dcmdump', ['+L', '+P', '0008,2111', dcm.images[0]!.output!], { encoding: 'utf8' });
    expect(dump).toMatch(/From an image file its sender declared a CT \(HU = value\)\]/);
    expect(sent.warnings.filter((w) => w.includes('declared a CT'))).toEqual([]);
  });

  it('an intercept 1024 off is said (0.37): a signed TIFF in HU given the default −1024, a stored-value export given 0; undeclared, a signed one is told 0', async () => {
    const dir = await tempDir();
    const hu = Int16Array.from({ length: 32 * 32 }, (_, i) => (i % 32) * 60 - 1000);
    const signed = join(dir, 'hu.tif');
    await writeFile(signed, tiffOf([hu], 32, 32));
    const model = await defaultModel();
    // Less what a signed TIFF is always told (its samples go as values + 32768).
    const ofCt = (warnings: string[]) => warnings.filter((w) => !w.includes('has signed 16-bit samples'));
    const warned = async (path: string, ctIntercept?: number) =>
      ofCt(fileWarnings(path, await encodeImageFile(model, { input: path, coding: { quality: 'within-2' }, measure: false, deidentify: null, maxPixels: DEFAULT_MAX_PIXELS, ctIntercept })));
    // Its air, −1000 HU as HU, read as −2024 HU.
    expect(await warned(signed, -1024)).toEqual([expect.stringMatching(/^hu\.tif was declared a CT with HU = value − 1024, which puts its darkest part \(its 1st percentile\) at −1964 HU, far below air .*If its values are HU already \(a signed export\), give HU = value \+ 0 \(--ct-intercept=0; in the app, "HU = value \+" 0\)/)]);
    expect(await warned(signed, 0)).toEqual([]);
    // A stack of such slices is told once, as its dry run and the app's row tell it.
    const stack = join(dir, 'stack.tif');
    await writeFile(stack, tiffOf([hu, Int16Array.from(hu, (v) => v + 5)], 32, 32));
    expect(await warned(stack, -1024)).toEqual([expect.stringMatching(/^stack\.tif was declared a CT with HU = value − 1024/)]);
    // A PACS's export of stored values (HU + 1024) given 0: its air at about 0 HU.
    expect(await warned(CT_HU_SLICE, 0)).toEqual([expect.stringMatching(/^ct-cranium-axial-022-hu\.png was declared a CT with HU = value \+ 0, which puts its darkest part \(its 1st percentile\) at 1 HU, far above air .*If its values are stored values \(HU \+ 1024, a PACS's export\), give HU = value − 1024 \(--ct-intercept=-1024/)]);
    expect(await warned(CT_HU_SLICE, -1024)).toEqual([]);
    // Undeclared, the signed one is told the intercept for values in HU, in the engine's words and the preview's.
    expect(await warned(signed)).toEqual([expect.stringMatching(/its values go below 0, as HU do: --ct-intercept=0 if they are HU; in the app, "16-bit image files are CT" with HU = value \+ 0/)]);
    const previews = new SenderPreviews((task) => encodeImageFile(model, task));
    const p = await previews.preview({ path: signed, coding: { quality: 'within-2' }, deidentify: null, frame: 0 });
    expect([p.unitless, ofCt(p.warnings)]).toEqual(['signed', []]);
  });

  it('an 8-bit or colour image file is refused, naming the file and what to do, with nothing written; a DICOM file keeps its own', async () => {
    const dir = await tempDir();
    const key = generateSharedKey('Not CT');
    const model = await defaultModel();
    await copyFile(CT_SLICE, join(dir, 'windowed.png'));
    const colour = join(dir, 'colour.png');
    await writeFile(colour, await (await import('sharp')).default({ create: { width: 8, height: 8, channels: 3, background: '#c04020' } }).png().toBuffer());
    for (const [file, said] of [['windowed.png', /is an 8-bit image, the grey levels of a window, not a CT's values in HU/], ['colour.png', /is a colour image, not a CT's values in HU/]] as const) {
      const err = await encryptImageFile(join(dir, file), { model, recipients: [key], outDir: dir, ctIntercept: -1024 }).catch((e: Error) => e);
      expect(err).toBeInstanceOf(Error);
      expect((err as Error).message).toMatch(new RegExp(`^${file.replace('.', '\\.')}: ${said.source}, so it cannot go as a CT .*send it without that`));
    }
    expect((await readdir(dir)).sort()).toEqual(['colour.png', 'windowed.png']);
    const dicom = await encryptImageFile(join(FIXTURES, 'dicom', 'mr_small_explicit_le.dcm'), { model, recipients: [key], outDir: dir, ctIntercept: -1024 });
    expect(dicom.warnings).toContain('mr_small_explicit_le.dcm is a DICOM file: its own header says what its values are (its modality and rescale), so the CT intercept given applies to image files only and was not used for it.');
    const got = await decryptAeimgFile(dicom.output, { identities: [key], models: models(), write: false });
    expect(got.images[0]!.record.ctIntercept).toBeUndefined();
  });

  it('a stack with a page that cannot hold HU is refused naming that page (0.54), by encrypt, its dry run and train/eval, with nothing written', async () => {
    const dir = await tempDir();
    const hu = Uint16Array.from({ length: 32 * 32 }, (_, i) => 24 + (i % 32) * 60); // stored values, HU + 1024
    const stack = join(dir, 'stack.tif');
    await writeFile(stack, tiffOf([hu, Uint8Array.from(hu, (v) => v >> 8)], 32, 32)); // its second page an 8-bit window
    const said = /is an 8-bit image, the grey levels of a window, not a CT's values in HU/;
    const err = await encryptImageFile(stack, { model: await defaultModel(), recipients: [generateSharedKey('Stack')], outDir: dir, ctIntercept: -1024 })
      .catch((e: Error) => e);
    expect((err as Error).message).toMatch(new RegExp(`^stack\\.tif: page 2 ${said.source}, so it cannot go as a CT`));
    expect(await readdir(dir)).toEqual(['stack.tif']);
    expect(await ctCheck(stack, -1024)).toEqual({ fails: true, message: expect.stringMatching(new RegExp(`^page 2 ${said.source}`)) });
    await expect(readExamples(stack, dir, { ctIntercept: -1024 })).rejects.toThrow(new RegExp(`^stack\\.tif: page 2 ${said.source}, and --ct-intercept`));
    // A file of one page is the file: its refusal names no page.
    await writeFile(join(dir, 'one.tif'), tiffOf([Uint8Array.from(hu, (v) => v >> 8)], 32, 32));
    expect(await ctCheck(join(dir, 'one.tif'), -1024)).toEqual({ fails: true, message: expect.stringMatching(new RegExp(`^${said.source}`)) });
  });

  it('a file its sender says is not a CT (0.38: an MR exported the same way, in the same batch or study) goes without the declaration; the others go with it', async () => {
    const dir = await tempDir();
    for (const sub of ['batch', 'unsaid', 'study', 'out']) await mkdir(join(dir, sub));
    const key = generateSharedKey('Not CT');
    const model = await defaultModel();
    // An MR exported as the CT was: 16-bit grey, 12-bit values, its background at 0 as a CT's air is at 0 (−1024 HU).
    const mr8 = await readImageFile(MR_SLICE);
    const mr = join(dir, 'mr-t1.png');
    await writeFile(mr, await encodePng({ ...mr8, bitDepth: 16, pixels: Uint16Array.from(mr8.pixels, (v) => v * 16) }));
    const ct = join(dir, 'ct.png');
    await copyFile(CT_HU_SLICE, ct);
    // Nothing in its pixels says it is not a CT: the check that names a file far from air passes it as one.
    expect(await ctCheck(mr, -1024)).toEqual({ fails: false });
    expect(await ctCheck(ct, -1024)).toEqual({ fails: false });
    const batch = await encryptFiles([ct, mr], {
      model, recipients: [key], outDir: join(dir, 'batch'), coding: { quality: 'within-4' }, ctIntercept: -1024, notCt: [relative(process.cwd(), mr)],
    });
    expect(batch.failed).toEqual([]);
    const sent = new Map(batch.done.map((r) => [r.input, r]));
    expect(sent.get(ct)!.units).toEqual({ units: 'HU', perStored: 1 });
    expect(sent.get(mr)!.units).toEqual({});
    // Sent as it is said to be: an image without units, told so, not told to declare it a CT it is not… but asked if it is.
    expect(sent.get(mr)!.warnings).toEqual([expect.stringMatching(/^mr-t1\.png is a 16-bit grey image without units: .*If it is a CT/)]);
    const interceptOf = async (path: string) => (await decryptAeimgFile(path, { identities: [key], models: models(), write: false })).images[0]!.record.ctIntercept;
    expect(await interceptOf(sent.get(ct)!.output)).toBe(-1024);
    expect(await interceptOf(sent.get(mr)!.output)).toBeUndefined();
    // Without it, the MR goes in HU: what the app's row and the dry run name before sending.
    const unsaid = await encryptFiles([mr], { model, recipients: [key], outDir: join(dir, 'unsaid'), coding: { quality: 'within-4' }, ctIntercept: -1024 });
    expect(await interceptOf(unsaid.done[0]!.output)).toBe(-1024);

    // As one study: each slice's record says what its sender said of it.
    const study = await encryptStudy([ct, mr], {
      model, recipients: [key], name: 'mixed', outDir: join(dir, 'study'), coding: { quality: 'within-4' }, measure: false, ctIntercept: -1024, notCt: [mr],
    });
    const got = await decryptStudy(study.parts.map((p) => p.path), { identities: [key], models: models(), outDir: join(dir, 'out'), format: 'png' });
    expect(got.records.map((r) => r.ctIntercept)).toHaveLength(2);
    expect(got.records.map((r) => r.ctIntercept)).toEqual(expect.arrayContaining([-1024, undefined]));
    expect(got.records.find((r) => r.ctIntercept === undefined)!.planes).toEqual(
      (await decryptAeimgFile(sent.get(mr)!.output, { identities: [key], models: models(), write: false })).images[0]!.record.planes);
  });

  it('a record says a CT intercept only of a 16-bit grey image file, in a 16-bit sample\'s range', () => {
    const base = {
      kind: 'image', name: 'x', width: 2, height: 2, channels: 1, bitDepth: 16, planes: [[0, 3000]], blobs: { latent: 0, residual: 10, alpha: 0 },
      refinement: { coding: 'wp2', maxError: 0, sha256: '0'.repeat(64), backend: 'none' },
    };
    expect(validateImageRecord({ ...base, ctIntercept: -1024 }, 100).ctIntercept).toBe(-1024);
    for (const bad of [{ ctIntercept: 0.5 }, { ctIntercept: -70000 }, { ctIntercept: '-1024' }, { ctIntercept: -1024, bitDepth: 8, planes: [[0, 255]] },
      { ctIntercept: -1024, metadata: { dicom: {} } }]) {
      expect(() => validateImageRecord({ ...base, ...bad }, 100), JSON.stringify(bad)).toThrow(/CT intercept/);
    }
    // Where its HU come from other than its sender's word (an ImageJ TIFF's calibration, 0.39, in its metadata, which
    // readers 0.36-0.38 ignore): only with an intercept, and only as aeimg writes it.
    expect(ctCalibrationOf({ ctIntercept: -1024, metadata: { ctCalibration: 'imagej' } })).toBe('imagej');
    for (const other of [{ metadata: { ctCalibration: 'imagej' } }, { ctIntercept: -1024, metadata: { ctCalibration: 'dicom' } }, { ctIntercept: -1024 }]) {
      expect(ctCalibrationOf(other), JSON.stringify(other)).toBeUndefined();
    }
  });
});
