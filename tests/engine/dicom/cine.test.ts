/**
 * A cine (ultrasound, angiography, fluoroscopy) written back as DICOM is one multi-frame file, so that a PACS plays it:
 * as a file per frame (aeimg 0.11) it showed stills. Checked against the source's frames, dcmtk's rendering and
 * dicom3tools' dciodvfy.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { copyFile, mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cineFrameRate } from '../../../src-main/engine/dicom/display.js';
import { readDicomFile } from '../../../src-main/engine/dicom/import.js';
import { decodeStoredFrame, parseDicom } from '../../../src-main/engine/dicom/parse.js';
import { decryptAeimgFile, localDecode } from '../../../src-main/engine/jobs/decrypt.js';
import { encodeImageFile, encryptImageFile, type EncodeTask } from '../../../src-main/engine/jobs/encrypt.js';
import { encodeImage } from '../../../src-main/engine/codec/image-codec.js';
import { exportSlices } from '../../../src-main/engine/jobs/export.js';
import { openAeimg } from '../../../src-main/engine/jobs/open.js';
import { readCodedSlices, SliceCache } from '../../../src-main/engine/jobs/slices.js';
import { decryptStudy, encryptStudy } from '../../../src-main/engine/jobs/study.js';
import { describeImage, receivedSummary } from '../../../src-main/engine/jobs/view.js';
import { generateSharedKey } from '../../../src-main/engine/keys/keyfile.js';
import type { Autoencoder } from '../../../src-main/engine/model/autoencoder.js';
import { fidelityHeadline, worstSsim } from '../../../src-shared/fidelity.js';
import type { Quality } from '../../../src-shared/quality.js';
import { writeDicomParts } from '../../../src-main/engine/dicom/write.js';
import { cineDicom, DCIODVFY, dciodvfyErrors, defaultModel, dicomDataset, FIXTURES, models, phantom, tempDir } from '../../helpers.js';

const DIR = join(FIXTURES, 'dicom');
const key = generateSharedKey('Cath lab');
let model: Autoencoder;
beforeAll(async () => { model = await defaultModel(); });

const SC = { byte: '1.2.840.10008.5.1.4.1.1.7.2', word: '1.2.840.10008.5.1.4.1.1.7.3', trueColor: '1.2.840.10008.5.1.4.1.1.7.4' };
const US_MULTI_FRAME = '1.2.840.10008.5.1.4.1.1.3.1';

/** Encrypts `input` and decrypts it as DICOM into a folder of its own. */
async function throughAeimg(input: string, quality: Quality = 'auto') {
  const enc = await encryptImageFile(input, { model, recipients: [key], coding: { quality }, measure: quality !== 'auto' });
  const out = join(await tempDir(), 'received');
  await mkdir(out);
  const dec = await decryptAeimgFile(enc.output, { identities: [key], models: models(), outDir: out, format: 'dcm' });
  return { dec, out, files: await readdir(out) };
}

async function fixture(file: string): Promise<string> {
  const input = join(await tempDir(), file);
  await copyFile(join(DIR, file), input);
  return input;
}

const value = (ds: Record<string, { Value?: unknown[] }>, tag: string) => ds[tag]?.Value?.[0];

/** Each frame's samples as aeimg reads the file (grey: stored values; colour: RGB). */
const framesOf = async (path: string) => (await readDicomFile(path, { maxPixels: 1e8, deidentify: null })).map((f) => Array.from(f.image.pixels));


const dcm2pnm = ['/usr/bin/dcm2pnm'].find(existsSync);
const gdcmconv = ['/usr/bin/gdcmconv'].find(existsSync);
/** dcmtk's rendering of frame `frame` (from 1); `tool` dcmj2pnm for JPEG data, which dcm2pnm does not decode. */
const shown = async (path: string, frame: number, tool = dcm2pnm) => {
  const out = join(await tempDir(), 'shown.pnm');
  execFileSync(tool!, ['--write-raw-pnm', '--frame', String(frame), path, out], { stdio: 'ignore' });
  return readFileSync(out);
};

describe('a cine written back as DICOM', () => {
  it('the angiography fixture comes back as one multi-frame file, timed as it was, each frame as the original shows it', async () => {
    const input = await fixture('xa_4frame_jpeg_lossless.dcm');
    const { dec, files } = await throughAeimg(input);
    expect(files).toEqual(['xa_4frame_jpeg_lossless.dcm']);
    expect(dec.images.map((i) => [i.output, i.outputFrame])).toEqual([1, 2, 3, 4].map((k) => [dec.images[0]!.output, k]));
    const written = dec.images[0]!.output!;
    const ds = dicomDataset(written);
    expect([value(ds, '00080016'), value(ds, '00280008'), value(ds, '00181063'), value(ds, '00280009')]).toEqual([SC.byte, 4, 83, 0x00181063]);
    const back = parseDicom(new Uint8Array(readFileSync(written)), 1e8);
    const original = parseDicom(new Uint8Array(readFileSync(input)), 1e8);
    for (let k = 0; k < 4; k++) expect(Array.from(await decodeStoredFrame(back, k)), `frame ${k + 1}`).toEqual(Array.from(await decodeStoredFrame(original, k)));
    // dcmtk cannot decode this file's JPEG lossless frames itself: GDCM's native copy of it is what dcmtk shows.
    if (dcm2pnm && gdcmconv) {
      const plain = join(await tempDir(), 'native.dcm');
      execFileSync(gdcmconv, ['--raw', input, plain], { stdio: 'ignore' });
      for (let k = 1; k <= 4; k++) expect((await shown(written, k)).equals(await shown(plain, k)), `frame ${k}`).toBe(true);
    }
    // Nothing dciodvfy calls an error that the source file does not have itself (its Patient Orientation "0").
    if (DCIODVFY) expect(dciodvfyErrors(written).filter((e) => !dciodvfyErrors(input).includes(e))).toEqual([]);
  });

  it('an ultrasound multi-frame file keeps its class, its ten frames in one file', async () => {
    const input = await fixture('us_palette_rle_10frame.dcm');
    const { dec, files } = await throughAeimg(input);
    expect(files).toEqual(['us_palette_rle_10frame.dcm']);
    const written = dec.images[0]!.output!;
    const ds = dicomDataset(written);
    expect([value(ds, '00080016'), value(ds, '00280008'), value(ds, '00181063')]).toEqual([US_MULTI_FRAME, 10, 76]);
    expect(await framesOf(written)).toEqual(await framesOf(input)); // the palette's colours, frame by frame
    if (DCIODVFY) expect(dciodvfyErrors(written)).toEqual([]);
  });

  it('a clip is written frame by frame after its header, never as one buffer; an odd length of samples ends with DICOM\'s pad byte', async () => {
    const input = join(await tempDir(), 'run.dcm');
    const stored = await cineDicom(input, { frames: 5, bitDepth: 8 });
    const frames = await readDicomFile(input, { maxPixels: 1e8, deidentify: null });
    const opts = { exact: true, reduced: false, fidelityText: 'bit-exact', ratio: 1 };
    // A Data Set Trailing Padding after Pixel Data (some archives write one) does not follow the samples out.
    const meta = { ...frames[0]!.dicom, dataset: { ...frames[0]!.dicom.dataset, FFFCFFFC: { vr: 'OB', Value: [new ArrayBuffer(4)] } } };
    const parts = [...writeDicomParts(frames.map((f) => ({ image: f.image })), meta as never, opts)];
    expect(parts.map((p) => p.length).slice(1)).toEqual(Array(5).fill(64 * 64)); // the header, then each frame's samples
    const written = join(await tempDir(), 'written.dcm');
    await writeFile(written, Buffer.concat(parts));
    expect(await framesOf(written)).toEqual(stored);
    expect(dicomDataset(written).FFFCFFFC).toBeUndefined();
    if (DCIODVFY) expect(dciodvfyErrors(written)).toEqual([]);
    // 7 x 5 samples of 8 bits: 35 bytes, and the element's length 36 (PS3.5 7.1.1: values are of even length).
    const odd = phantom(7, 5);
    const one = Buffer.concat([...writeDicomParts([{ image: odd }], undefined, opts)]);
    expect(one.length % 2).toBe(0);
    expect(one.readUInt32LE(one.length - 40)).toBe(36);
    const path = join(await tempDir(), 'odd.dcm');
    await writeFile(path, one);
    expect(await framesOf(path)).toEqual([Array.from(odd.pixels)]);
    if (DCIODVFY) expect(dciodvfyErrors(path)).toEqual([]);
  });

  it('16-bit grey, colour and a Frame Time Vector each go in the multi-frame Secondary Capture that holds them', async () => {
    const dir = await tempDir();
    const cases = [
      { name: 'word.dcm', opts: { frames: 3, bitDepth: 16 as const }, sopClass: SC.word, pointer: 0x00181063 },
      { name: 'colour.dcm', opts: { frames: 3, bitDepth: 8 as const, channels: 3 as const, sopClass: '1.2.840.10008.5.1.4.1.1.7' }, sopClass: SC.trueColor, pointer: 0x00181063 },
      { name: 'vector.dcm', opts: { frames: 4, bitDepth: 8 as const, timing: 'vector' as const }, sopClass: SC.byte, pointer: 0x00181065 },
    ];
    for (const c of cases) {
      const input = join(dir, c.name);
      await cineDicom(input, c.opts);
      const { dec, files } = await throughAeimg(input);
      expect(files, c.name).toEqual([c.name]);
      const written = dec.images[0]!.output!;
      const ds = dicomDataset(written);
      expect([value(ds, '00080016'), value(ds, '00280008'), value(ds, '00280009')], c.name).toEqual([c.sopClass, c.opts.frames, c.pointer]);
      expect(await framesOf(written), c.name).toEqual(await framesOf(input));
      if (DCIODVFY) expect(dciodvfyErrors(written), c.name).toEqual([]);
      if (c.name === 'word.dcm') { // a reader's values and window as they were: HU through the rescale
        expect([value(ds, '00281052'), value(ds, '00281053'), value(ds, '00281050'), value(ds, '00281051')]).toEqual([-1024, 1, 40, 400]);
      }
      if (c.name === 'vector.dcm') expect(ds['00181065']?.Value).toEqual([0, 30, 40, 50]);
      expect(value(ds, '00280301'), c.name).toBe('NO'); // Burned In Annotation as the file said it
    }
  });

  const dcmcjpeg = ['/usr/bin/dcmcjpeg'].find(existsSync);
  it.skipIf(!dcmcjpeg)('a cine whose frames went as its file held them (JPEG) comes back as that data, a fragment a frame', async () => {
    const dir = await tempDir();
    await cineDicom(join(dir, 'native.dcm'), { frames: 3, bitDepth: 8, channels: 3, sopClass: US_MULTI_FRAME });
    const input = join(dir, 'jpeg.dcm');
    execFileSync(dcmcjpeg!, ['+eb', join(dir, 'native.dcm'), input], { stdio: 'ignore' }); // what a US device writes
    const { dec, files } = await throughAeimg(input);
    expect(files).toEqual(['jpeg.dcm']);
    const written = dec.images[0]!.output!;
    const back = parseDicom(new Uint8Array(readFileSync(written)), 1e8);
    expect([back.info.syntax, back.info.frames]).toEqual(['1.2.840.10008.1.2.4.50', 3]);
    expect(readFileSync(written).length).toBeLessThan(readFileSync(input).length + 2000); // not 36 KB of samples
    expect(await framesOf(written)).toEqual(await framesOf(input));
    expect(value(dicomDataset(written), '00282110')).toBe('01'); // it was lossy before aeimg
    const dcmj2pnm = ['/usr/bin/dcmj2pnm'].find(existsSync);
    if (dcmj2pnm) for (let k = 1; k <= 3; k++) expect((await shown(written, k, dcmj2pnm)).equals(await shown(input, k, dcmj2pnm)), `frame ${k}`).toBe(true);
    if (DCIODVFY) expect(dciodvfyErrors(written)).toEqual([]);
  });

  /** A 4-frame colour cine (64x64) whose frame 2 `paint` rewrites (its RGB samples, interleaved). */
  async function cineWithFrame2(dir: string, paint: (rgb: Buffer) => void): Promise<string> {
    const path = join(dir, 'native.dcm');
    await cineDicom(path, { frames: 4, bitDepth: 8, channels: 3, sopClass: US_MULTI_FRAME });
    const file = readFileSync(path);
    const frameBytes = 64 * 64 * 3;
    paint(file.subarray(file.length - 3 * frameBytes, file.length - 2 * frameBytes));
    await writeFile(path, file);
    return path;
  }

  it('a colour clip with a grey frame (B-mode among colour Doppler) comes back as one file, as it was', async () => {
    // The grey frame goes as one grey plane (greyAsColour); before 0.16 that parted the clip: three DICOM files, which a
    // PACS lists as three instances of the run.
    const input = await cineWithFrame2(await tempDir(), (rgb) => { for (let i = 0; i < rgb.length; i += 3) rgb[i + 1] = rgb[i + 2] = rgb[i]!; });
    const { dec, files } = await throughAeimg(input);
    expect(dec.images.map((i) => i.record.greyAsColour ?? false)).toEqual([false, true, false, false]);
    expect(files).toEqual(['native.dcm']);
    const written = dec.images[0]!.output!;
    expect(parseDicom(new Uint8Array(readFileSync(written)), 1e8).info.frames).toBe(4);
    expect(await framesOf(written)).toEqual(await framesOf(input));
    if (DCIODVFY) expect(dciodvfyErrors(written)).toEqual([]);
  });

  it.skipIf(!dcmcjpeg)('a JPEG cine whose flat frame aeimg codes smaller goes with every frame as its JPEG, and comes back as that one file', async () => {
    const dir = await tempDir();
    const native = await cineWithFrame2(dir, (rgb) => { for (let i = 0; i < rgb.length; i += 3) rgb.set([200, 40, 40], i); });
    const input = join(dir, 'jpeg.dcm');
    execFileSync(dcmcjpeg!, ['+eb', native, input], { stdio: 'ignore' });
    // Frame by frame (0.15), the flat frame went coded by aeimg, smaller than its JPEG: now alike, for a few bytes more.
    const sent = await encodeImageFile(model, { input, coding: { quality: 'auto' }, measure: false, maxPixels: 1e8 });
    expect(sent.images.map((e) => e.coding.kept !== undefined)).toEqual([true, true, true, true]);
    const { dec, files } = await throughAeimg(input);
    expect(dec.images.map((i) => i.record.codestream !== undefined)).toEqual([true, true, true, true]);
    expect(files).toEqual(['jpeg.dcm']);
    const written = dec.images[0]!.output!;
    const back = parseDicom(new Uint8Array(readFileSync(written)), 1e8);
    expect([back.info.syntax, back.info.frames]).toEqual(['1.2.840.10008.1.2.4.50', 4]);
    expect(await framesOf(written)).toEqual(await framesOf(input));
  });

  it.skipIf(!dcmcjpeg)('a cine some of whose frames went as their JPEG and others coded (a sender before 0.16) comes back as one file of samples', async () => {
    const dir = await tempDir();
    const native = await cineWithFrame2(dir, (rgb) => { for (let i = 0; i < rgb.length; i += 3) rgb.set([200, 40, 40], i); });
    const input = join(dir, 'jpeg.dcm');
    execFileSync(dcmcjpeg!, ['+eb', native, input], { stdio: 'ignore' });
    // As 0.15 sent it: frame 2 coded by aeimg (smaller than its JPEG), the others as the file held them.
    const encode = async (task: EncodeTask) => {
      const file = await encodeImageFile(model, task);
      const kept = file.images[1]!;
      const coded = await encodeImage(model, kept.decoded!, kept.record.name, { maxError: 0, metadata: kept.record.metadata });
      file.images[1] = { record: coded.record, blobs: coded.blobs, decoded: coded.decoded, coding: { quality: 'lossless', maxError: 0 } };
      return file;
    };
    const enc = await encryptImageFile(input, { model, recipients: [key], encode, measure: false });
    const out = join(dir, 'received');
    await mkdir(out);
    const dec = await decryptAeimgFile(enc.output, { identities: [key], models: models(), outDir: out, format: 'dcm' });
    expect(dec.images.map((i) => i.record.codestream !== undefined)).toEqual([true, false, true, true]);
    expect(await readdir(out)).toEqual(['jpeg.dcm']); // before 0.16: jpeg.dcm, jpeg-2.dcm, jpeg-3.dcm
    const written = dec.images[0]!.output!;
    const back = parseDicom(new Uint8Array(readFileSync(written)), 1e8);
    expect([back.info.syntax, back.info.frames]).toEqual(['1.2.840.10008.1.2.1', 4]); // one transfer syntax for the file
    expect(await framesOf(written)).toEqual(await framesOf(input));
    if (DCIODVFY) expect(dciodvfyErrors(written)).toEqual([]);
  });

  it('signed values, and frames without a time, still come back a file per frame', async () => {
    const dir = await tempDir();
    for (const [name, opts] of [['signed.dcm', { frames: 3, bitDepth: 16, signed: true }], ['untimed.dcm', { frames: 3, bitDepth: 8, timing: 'none' }]] as const) {
      const input = join(dir, name);
      await cineDicom(input, opts);
      const { dec, files } = await throughAeimg(input);
      expect(files.sort(), name).toEqual([name, name.replace('.dcm', '-2.dcm'), name.replace('.dcm', '-3.dcm')].sort());
      expect(dec.images.map((i) => i.outputFrame), name).toEqual([undefined, undefined, undefined]);
      const back = await Promise.all(dec.images.map(async (i) => (await framesOf(i.output!))[0]));
      expect(back, name).toEqual(await framesOf(input));
    }
  });

  it('a cine at high says its worst frame\'s windows with the largest error of any frame, to the sender and in its DICOM, and that it is reduced', async () => {
    const input = await fixture('xa_4frame_jpeg_lossless.dcm');
    // `high`: a level where this clip's worst-looking frame is not the one with the largest error (until 0.51 `low` was).
    const enc = await encryptImageFile(input, { model, recipients: [key], coding: { quality: 'high' } });
    const out = join(await tempDir(), 'received');
    await mkdir(out);
    const dec = await decryptAeimgFile(enc.output, { identities: [key], models: models(), outDir: out, format: 'dcm' });
    expect(await readdir(out)).toHaveLength(1);
    const ds = dicomDataset(dec.images[0]!.output!);
    expect([value(ds, '00282110'), value(ds, '00282114')]).toEqual(['01', 'AEIMG_AE']);
    // Each frame's largest error and worst-window SSIM, from the frames as sent and as received (not from the records).
    const sent = await framesOf(input);
    const errors = dec.images.map((d, i) => Array.from(d.image.pixels).reduce((m, v, k) => Math.max(m, Math.abs(v - sent[i]![k]!)), 0));
    const ssim = dec.images.map((d) => worstSsim(d.record.fidelity!));
    const [worst, largest] = [ssim.indexOf(Math.min(...ssim)), errors.indexOf(Math.max(...errors))];
    expect(largest).not.toBe(worst); // this clip's worst-looking frame is not the one with the largest error (3 and 2)
    const said = fidelityHeadline(enc.fidelity, { ...enc.coding, ...enc.units }); // the CLI's line and the app's row
    expect(said).toContain(`SSIM ${Math.min(...ssim).toFixed(4)}, largest error ${Math.max(...errors)}`);
    const text = String(value(ds, '00082111'));
    expect(text).toContain(`worst of 4 frames (frame ${worst + 1}; largest error: frame ${largest + 1}): `);
    expect(text).toContain(`SSIM ${Math.min(...ssim).toFixed(4)}, largest error ${Math.max(...errors)}`);
    expect(text.startsWith('REDUCED QUALITY')).toBe(dec.images.some((d) => receivedSummary(d.record).reduced));

    // Sent as a study (its frames the study's images): the study's figures say that largest error too.
    const dir = await tempDir();
    const study = await encryptStudy([input], { model, recipients: [key], name: 'run', outDir: dir, coding: { quality: 'high' } });
    const back = join(dir, 'back');
    await mkdir(back);
    await decryptStudy(study.parts.map((p) => p.path), { identities: [key], models: models(), outDir: back, format: 'dcm' });
    const received = await framesOf(join(back, 'xa_4frame_jpeg_lossless.dcm'));
    const studyError = Math.max(...received.map((f, i) => f.reduce((m, v, k) => Math.max(m, Math.abs(v - sent[i]![k]!)), 0)));
    expect(fidelityHeadline(study.worst, study.worstUnits)).toContain(`SSIM ${Math.min(...ssim).toFixed(4)}, largest error ${studyError}`);
  });

  it('a study\'s decrypt and the viewer\'s export write a cine as one file too (PNG: a file per frame)', async () => {
    const dir = await tempDir();
    const input = join(dir, 'run.dcm');
    const frames = await cineDicom(input, { frames: 3, bitDepth: 8 });
    const study = await encryptStudy([input], { model, recipients: [key], name: 'cath', outDir: dir, measure: false });
    const out = join(dir, 'study');
    await mkdir(out);
    const dec = await decryptStudy(study.parts.map((p) => p.path), { identities: [key], models: models(), outDir: out, format: 'dcm' });
    expect(await readdir(out)).toEqual(['run.dcm']);
    expect(dec.outputs).toEqual([0, 1, 2].map(() => join(out, 'run.dcm')));
    expect(dec.outputFrames).toEqual([1, 2, 3]);
    expect(await framesOf(join(out, 'run.dcm'))).toEqual(frames);

    const { items } = await openAeimg(study.parts[0]!.path, [key], (f, ids) => readCodedSlices(f, ids));
    const decode = localDecode(models());
    const cache = new SliceCache(items, async (...a) => (await decode(...a, false)).image);
    const exported = await tempDir();
    expect(await exportSlices(cache, exported, 'dcm')).toEqual([join(exported, 'run.dcm')]);
    expect(await framesOf(join(exported, 'run.dcm'))).toEqual(frames);
    const png = await tempDir();
    expect((await exportSlices(cache, png, 'png')).map((p) => p.slice(png.length + 1))).toEqual(['run-1.png', 'run-2.png', 'run-3.png']);
  });

  it('the viewer is told the rate the file says to play a cine at', async () => {
    const rate = async (file: string) => cineFrameRate((await readDicomFile(join(DIR, file), { maxPixels: 1e8, deidentify: {} }))[0]!.dicom);
    expect(await rate('xa_4frame_jpeg_lossless.dcm')).toBe(12); // Frame Time 83 ms
    expect(await rate('us_palette_rle_10frame.dcm')).toBe(13.2); // 76 ms
    expect(await rate('enhanced_mr_3frame_functional_groups.dcm')).toBeUndefined(); // slices, not a clip
    expect(await rate('ct_small_explicit_le.dcm')).toBeUndefined();
    const [frame] = await readDicomFile(join(DIR, 'xa_4frame_jpeg_lossless.dcm'), { maxPixels: 1e8, deidentify: {} });
    const meta = (extra: Record<string, { vr: string; Value: number[] }>, drop: string[] = []) => {
      const dataset = { ...frame!.dicom.dataset, ...extra };
      for (const t of drop) delete dataset[t];
      return { ...frame!.dicom, dataset };
    };
    // Recommended Display Frame Rate first, then Cine Rate, then Frame Time, then a Frame Time Vector's mean.
    expect(cineFrameRate(meta({ '00082144': { vr: 'IS', Value: [30] }, '00180040': { vr: 'IS', Value: [25] } }))).toBe(30);
    expect(cineFrameRate(meta({ '00180040': { vr: 'IS', Value: [25] } }))).toBe(25);
    expect(cineFrameRate(meta({ '00181065': { vr: 'DS', Value: [0, 20, 30, 40] } }, ['00181063']))).toBe(33.3);
  });
  it('a clip timed frame by frame: the receiver\'s viewer is told each frame\'s time to the next over the clip\'s mean', async () => {
    const dir = await tempDir();
    await cineDicom(join(dir, 'vector.dcm'), { frames: 4, bitDepth: 8, timing: 'vector' }); // increments 30, 40, 50 ms
    await cineDicom(join(dir, 'even.dcm'), { frames: 4, bitDepth: 8, timing: 'time' });
    const ratios = async (name: string) => {
      const enc = await encryptImageFile(join(dir, name), { model, recipients: [key], measure: false });
      const dec = await decryptAeimgFile(enc.output, { identities: [key], models: models(), outDir: dir, force: true });
      return dec.images.map((img, i) => describeImage(img.record, img.image, i).dicom?.frameTimeRatio);
    };
    expect(await ratios('vector.dcm')).toEqual([30 / 40, 40 / 40, 50 / 40, 1]); // the last wraps at the mean
    expect(await ratios('even.dcm')).toEqual([undefined, undefined, undefined, undefined]);
  });
});
