/**
 * The viewer's engine jobs: the sender's preview (encoded and decoded as the receiver will see it, nothing
 * written), the bounded cache of decoded slices with read-ahead, and the export of a whole opened file.
 */
import { copyFile, mkdir, readdir, readFile, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ImageRecord } from '../../../src-main/engine/codec/record.js';
import dcmjs from 'dcmjs';
import { studyImageIndex, studyReportMarks } from '../../../src-main/engine/dicom/documents.js';
import { dicomMetaOf, readDicomFile } from '../../../src-main/engine/dicom/import.js';
import type { Image } from '../../../src-main/engine/image/image.js';
import { decodeImage, encodePng } from '../../../src-main/engine/image/io.js';
import { decryptAeimgFile, localDecode } from '../../../src-main/engine/jobs/decrypt.js';
import { encodeImageFile, encryptImageFile } from '../../../src-main/engine/jobs/encrypt.js';
import { exportNames, exportSlices } from '../../../src-main/engine/jobs/export.js';
import { openAeimg } from '../../../src-main/engine/jobs/open.js';
import { encryptStudy } from '../../../src-main/engine/jobs/study.js';
import { SenderPreviews } from '../../../src-main/engine/jobs/preview.js';
import { readCodedSlices, SliceCache, type CodedSlice } from '../../../src-main/engine/jobs/slices.js';
import { generateSharedKey } from '../../../src-main/engine/keys/keyfile.js';
import type { Autoencoder } from '../../../src-main/engine/model/autoencoder.js';
import { defaultModel, FIXTURES, models, phantom, tempDir, twoSeriesCd } from '../../helpers.js';
import { keyObjectDicom } from '../../key-object-dicom.js';
import { CT_SMALL_SOP, presentationStateDicom } from '../../presentation-state-dicom.js';
import { regions3dReport } from '../../report-dicom.js';

const CT_SMALL_FRAME = '1.3.6.1.4.1.5962.1.4.1.1.20040119072730.12322';

const key = generateSharedKey('Viewer');
let model: Autoencoder;
beforeAll(async () => {
  model = await defaultModel();
});

describe('the sender\'s preview', () => {
  it('gives the original and the decoded pixels with the receiver\'s figures, and writes nothing', async () => {
    const dir = await tempDir();
    const input = join(dir, 'phantom.png');
    const original = phantom(48, 40);
    await writeFile(input, await encodePng(original));
    let encodes = 0;
    const previews = new SenderPreviews((task) => { encodes++; return encodeImageFile(model, task); });
    const p = await previews.preview({ path: input, coding: { quality: 'within-2' }, deidentify: null, frame: 0 });
    expect(await readdir(dir)).toEqual(['phantom.png']);
    expect([p.frames, p.quality, p.original.width, p.decoded.height]).toEqual([1, 'within-2', 48, 40]);
    expect(Array.from(p.original.pixels)).toEqual(Array.from(original.pixels));
    let worst = 0;
    for (let i = 0; i < original.pixels.length; i++) worst = Math.max(worst, Math.abs(p.decoded.pixels[i]! - original.pixels[i]!));
    expect(worst).toBeLessThanOrEqual(2);
    expect(p.info.maxError).toBe(2);
    expect(p.info.fidelity?.stored?.maxAbs).toBe(worst);
    expect(p.info.fidelityText).toMatch(/^every pixel within ±2 of the original; worst window/);
    // What the receiver then gets is what the preview showed.
    await encryptImageFile(input, { model, recipients: [key], coding: { quality: 'within-2' } });
    const received = await decryptAeimgFile(join(dir, 'phantom.aeimg'), { identities: [key], models: models(), write: false });
    expect(Array.from(received.images[0]!.image.pixels)).toEqual(Array.from(p.decoded.pixels));
    // The same file and level again: from memory.
    await previews.preview({ path: input, coding: { quality: 'within-2' }, deidentify: null, frame: 0 });
    expect(encodes).toBe(1);
    await expect(previews.preview({ path: input, coding: { quality: 'within-2' }, deidentify: null, frame: 1 })).rejects.toThrow('phantom.png: holds 1 image; there is no image 2.');
  });

  it('measures any window the sender looks in as the reader windows are, in the HU the receiver will see (0.43)', async () => {
    const dir = await tempDir();
    const ct = join(dir, 'ct.dcm');
    await copyFile(join(FIXTURES, 'dicom', 'ct_small_explicit_le.dcm'), ct);
    const previews = new SenderPreviews((task) => encodeImageFile(model, task));
    const req = { path: ct, coding: { quality: 'max' as const }, deidentify: {}, frame: 0 };
    const p = await previews.preview(req);
    const windows = p.info.fidelity!.windows!;
    expect(windows.length).toBeGreaterThanOrEqual(6);
    // Each of the record's windows asked for by its numbers (in HU) gives the record's figures.
    for (const w of windows) {
      expect(await previews.windowFigures(req, { center: w.center, width: w.width, ...(w.fn ? { fn: w.fn } : {}) })).toMatchObject({ ssim: w.ssim, psnr: w.psnr });
    }
    // One of the sender's own, 40/200 HU: in HU, where the tissue lies (in stored values, 1024 above, it would be white
    // throughout in both images: SSIM 1), and a reader sees the network's difference there.
    const mine = await previews.windowFigures(req, { center: 40, width: 200 });
    expect(mine.ssim).toBeLessThan(0.95);
    expect(mine).toMatchObject({ psnr: expect.any(Number), visible: true });
    // Bit-exact: every window the same. A frame the file does not have is named.
    expect(await previews.windowFigures({ ...req, coding: { quality: 'lossless' } }, { center: 40, width: 200 })).toEqual({ ssim: 1, psnr: null, visible: false });
    await expect(previews.windowFigures({ ...req, frame: 3 }, { center: 40, width: 80 })).rejects.toThrow('ct.dcm: holds 1 image; there is no image 4.');
    // Asked for twice at once (a sender dragging on): only the latest is measured, the other said superseded.
    const [first, latest] = await Promise.allSettled([previews.windowFigures(req, { center: 40, width: 200 }), previews.windowFigures(req, { center: 40, width: 80 })]);
    expect(first).toMatchObject({ status: 'rejected', reason: { code: 'CANCELLED', message: expect.stringContaining('another was asked for since') } });
    expect(latest).toMatchObject({ status: 'fulfilled', value: { ssim: windows.find((w) => w.name === 'brain')!.ssim } });
  });

  it('a multi-frame DICOM frame by frame, each in its own stored values', async () => {
    const input = join(FIXTURES, 'dicom', 'enhanced_mr_3frame_functional_groups.dcm');
    const previews = new SenderPreviews((task) => encodeImageFile(model, task));
    const frames = await readDicomFile(input, { maxPixels: 1 << 24, deidentify: null });
    const p = await previews.preview({ path: input, coding: { quality: 'lossless' }, deidentify: {}, frame: 2 });
    // The name as the receiver will see it: the fixture's Patient's Name is Synthetic^Enhanced (dicom/file-name.ts).
    expect([p.frame, p.frames, p.name]).toEqual([2, 3, 'anon_mr_3frame_functional_groups.dcm#3']);
    expect(Array.from(p.original.pixels)).toEqual(Array.from(frames[2]!.image.pixels));
    expect(Array.from(p.decoded.pixels)).toEqual(Array.from(frames[2]!.image.pixels));
    expect(p.info.fidelityText).toBe('bit-exact');
    expect(p.info.dicom?.modality).toBe('MR');
    expect(p.info.windows?.find((w) => w.source === 'file')).toMatchObject({ center: 220, width: 440 }); // frame 3's own window
  });

  it('an image of a study sent with its full header: the study\'s presentation state and key image note as the reader will get them, measured as sent', async () => {
    const dir = await tempDir();
    const [ct, gsps, kos] = ['ct.dcm', 'gsps.dcm', 'kos.dcm'].map((n) => join(dir, n)) as [string, string, string];
    await copyFile(join(FIXTURES, 'dicom', 'ct_small_explicit_le.dcm'), ct);
    await presentationStateDicom(gsps);
    await keyObjectDicom(kos, [CT_SMALL_SOP], { code: '113001', title: 'Rejected for Quality Reasons' });
    const previews = new SenderPreviews((task) => encodeImageFile(model, task));
    const study = [gsps, ct, kos];
    const p = await previews.preview({ path: ct, coding: { quality: 'max' }, deidentify: null, frame: 0, study });
    expect(p.info.dicom?.presentationStates?.map((s) => [s.label, s.graphics.length, s.texts.length])).toEqual([['LESION', 3, 2]]);
    expect(p.info.dicom?.keyObjects).toEqual([{ title: 'Rejected for Quality Reasons', rejected: true }]);
    // It opens in the state's window, and the sender's figures measure it.
    expect(p.info.windows?.[0]).toMatchObject({ name: 'presentation state "LESION"', center: 40, width: 80 });
    const previewed = p.info.fidelity?.windows?.find((w) => w.name === 'presentation state "LESION"');
    expect(previewed).toBeDefined();
    // The study as encrypted tells the same figures.
    const out = join(dir, 'parts');
    await mkdir(out);
    const enc = await encryptStudy(study, { model, recipients: [key], name: 'read', outDir: out, deidentify: null, coding: { quality: 'max' } });
    const { items } = await openAeimg(enc.parts[0]!.path, [key], (f, ids) => readCodedSlices(f, ids));
    expect(items[0]!.record.fidelity?.windows?.find((w) => w.name === previewed!.name)).toEqual(previewed);
    // The state saved again while queued (another label, a turn): the preview shows it as it now is, as the study would go.
    await presentationStateDicom(gsps, { label: 'RECHECK', rotation: 90 });
    await utimes(gsps, new Date(), new Date(Date.now() + 5000));
    const again = await previews.preview({ path: ct, coding: { quality: 'max' }, deidentify: null, frame: 0, study });
    expect(again.info.dicom?.presentationStates?.map((s) => [s.label, s.rotation])).toEqual([['RECHECK', 90]]);
    // De-identified, or not sent as a study, the image goes without them, and its preview shows none.
    for (const req of [{ deidentify: {}, study }, { deidentify: null }]) {
      const q = await previews.preview({ path: ct, coding: { quality: 'max' }, frame: 0, ...req });
      expect([q.info.dicom?.presentationStates, q.info.dicom?.keyObjects, q.info.windows?.[0]?.name]).toEqual([undefined, undefined, expect.not.stringContaining('presentation state')]);
    }
  });
  it("a report's 3D mark falls on an image without a Slice Thickness as on the reader's: within half the gap to the study's next slice", async () => {
    const dir = await tempDir();
    // Two slices 3 mm apart that do not say their thickness (Type 2, left empty), and a nodule 1.2 mm above the first.
    const b = await readFile(join(FIXTURES, 'dicom', 'ct_small_explicit_le.dcm'));
    const slices = [0, 3].map((dz, i) => {
      const dicom = dcmjs.data.DicomMessage.readFile(b.buffer.slice(b.byteOffset, b.byteOffset + b.length) as ArrayBuffer);
      const sop = `2.25.${700 + i}`;
      Object.assign(dicom.dict, { '00080018': { vr: 'UI', Value: [sop] }, '00200013': { vr: 'IS', Value: [i + 1] }, '00180050': { vr: 'DS', Value: [] },
        '00200032': { vr: 'DS', Value: [-158.135803, -179.035797, -75.7 + dz] } });
      dicom.meta['00020003'] = { vr: 'UI', Value: [sop] };
      return { path: join(dir, `ct${i + 1}.dcm`), bytes: Buffer.from(dicom.write()) };
    });
    for (const s of slices) await writeFile(s.path, s.bytes);
    const sr = join(dir, 'sr.dcm');
    const at = [-158.135803 + 40 * 0.661468, -179.035797 + 30 * 0.661468, -75.7 + 1.2];
    await writeFile(sr, regions3dReport(CT_SMALL_FRAME, [{ type: 'POINT', points: at }]));
    const previews = new SenderPreviews((task) => encodeImageFile(model, task));
    const study = [slices[0]!.path, slices[1]!.path, sr];
    const shown = async (path: string) => (await previews.preview({ path, coding: { quality: 'lossless' }, deidentify: null, frame: 0, study })).info.dicom?.reportMarks?.graphics;
    // The reader's viewer holds a slice's slab at half the gap (1.5 mm): the preview draws the nodule where it will.
    expect((await shown(slices[0]!.path))?.map((g) => [g.type, ...g.points.map((v) => +v.toFixed(2))])).toEqual([['POINT', 40.5, 30.5]]);
    expect(await shown(slices[1]!.path)).toBeUndefined();
    const enc = await encryptStudy(study, { model, recipients: [key], name: 'nodule', outDir: dir, deidentify: null, coding: { quality: 'lossless' } });
    const { items } = await openAeimg(enc.parts[0]!.path, [key], (f, ids) => readCodedSlices(f, ids));
    const metas = items.map((c) => ({ ...dicomMetaOf(c.record)!, width: c.record.width, height: c.record.height }));
    expect([...studyReportMarks(metas, studyImageIndex(metas)).keys()]).toEqual([0]);
  });
});

/** Coded slices whose decoder is a counter: each "decodes" to a grey image of `bytes` bytes. */
function fakeSlices(count: number, bytes: number) {
  const decoded: number[] = [];
  const slices: CodedSlice[] = Array.from({ length: count }, (_, i) => ({
    modelId: 'm', blobs: [], record: { name: `slice-${i + 1}.png`, width: bytes, height: 1, channels: 1, bitDepth: 8 } as unknown as ImageRecord,
  }));
  const decode = async (_m: string | null, record: ImageRecord): Promise<Image> => {
    decoded.push(Number(/\d+/.exec(record.name)![0]) - 1);
    return { width: bytes, height: 1, channels: 1, bitDepth: 8, pixels: new Uint8Array(bytes) };
  };
  return { slices, decode, decoded };
}

describe('the viewer\'s slice cache', () => {
  it('keeps decoded slices within its byte bound, least recently used out first', async () => {
    const { slices, decode, decoded } = fakeSlices(100, 1000);
    const cache = new SliceCache(slices, decode, 10_000);
    for (let i = 0; i < 100; i++) await cache.image(i);
    expect(cache.bytes).toBe(10_000);
    await cache.image(95); // cached
    await cache.image(3); // decoded again
    expect(decoded.filter((i) => i === 95)).toHaveLength(1);
    expect(decoded.filter((i) => i === 3)).toHaveLength(2);
    expect(cache.bytes).toBeLessThanOrEqual(10_000);
  });

  it('decodes ahead in the reader\'s direction, once per slice even when asked twice at once', async () => {
    const { slices, decode, decoded } = fakeSlices(10, 10);
    const cache = new SliceCache(slices, decode);
    await Promise.all([cache.image(5), cache.image(5)]);
    cache.readAhead(5, -1, 3);
    await cache.image(4);
    expect(decoded.sort()).toEqual([2, 3, 4, 5]);
    cache.readAhead(9, 1); // nothing after the last slice
    expect(() => cache.record(10)).toThrow('there is no image 11 (it holds 10).');
  });

  it('describes every image once on opening, from a real encrypted file', async () => {
    const dir = await tempDir();
    const input = join(dir, 'mr.dcm');
    await writeFile(input, await readFile(join(FIXTURES, 'dicom', 'enhanced_mr_3frame_functional_groups.dcm')));
    await encryptImageFile(input, { model, recipients: [key], measure: false });
    const coded = await readCodedSlices(join(dir, 'mr.aeimg'), [key]);
    expect(coded.map((s) => s.record.name)).toEqual([1, 2, 3].map((k) => `mr.dcm#${k}`));
    const decode = localDecode(models());
    const one = coded[0]!.record.width * coded[0]!.record.height * 2;
    const cache = new SliceCache(coded, async (...a) => (await decode(...a, false)).image, 2 * one);
    const info = await cache.describe(2);
    expect(info.map((i) => [i.index, i.fidelityText])).toEqual([0, 1, 2].map((i) => [i, 'bit-exact']));
    // Each frame's own position and the shared pixel spacing (functional groups): a measurement is in mm, not pixels.
    expect(info.map((i) => [i.dicom?.position, i.dicom?.pixelSpacing])).toEqual([30, 35, 40].map((z) =>
      [`-10.0, -20.0, ${z}.0`, { row: 0.5, column: 0.5, source: 'PixelSpacing' }]));
    expect(cache.bytes).toBeLessThanOrEqual(2 * one);
    expect(cache.attributes(1)?.attributes.some((a) => a.keyword === 'Modality')).toBe(true);

    const out = await tempDir();
    const written = await exportSlices(cache, out, 'png');
    expect((await readdir(out)).sort()).toEqual(['mr-1.png', 'mr-2.png', 'mr-3.png']);
    const frames = await readDicomFile(input, { maxPixels: 1 << 24, deidentify: null });
    const third = await decodeImage(await readFile(written[2]!));
    expect(Array.from(third.pixels)).toEqual(Array.from(frames[2]!.image.pixels));
    // All or nothing, never replacing a file.
    await expect(exportSlices(cache, out, 'png')).rejects.toThrow('already exists');
    expect((await readdir(out)).sort()).toEqual(['mr-1.png', 'mr-2.png', 'mr-3.png']);
    await exportSlices(cache, out, 'dcm');
    expect((await readdir(out)).filter((n) => n.endsWith('.dcm'))).toHaveLength(3);
  });
});

describe('export of a study', () => {
  it('a study of several series goes into a folder per series; a failure places nothing and leaves no folder', async () => {
    const dir = await tempDir();
    const { paths, samples } = await twoSeriesCd(dir);
    const study = await encryptStudy(paths, { model, recipients: [key], name: 'cd', outDir: dir, measure: false });
    const { items } = await openAeimg(study.parts[0]!.path, [key], (f, ids) => readCodedSlices(f, ids));
    const decode = localDecode(models());
    const cache = new SliceCache(items, async (...a) => (await decode(...a, false)).image);
    const out = await tempDir();
    const written = await exportSlices(cache, out, 'png');
    expect(written.map((p) => p.slice(out.length + 1))).toEqual(['series-1-CT/IM1.png', 'series-1-CT/IM2.png', 'series-2-CT/IM1.png', 'series-2-CT/IM2.png']);
    for (const [i, p] of written.entries()) expect(Array.from((await decodeImage(await readFile(p))).pixels), p).toEqual(samples[i]);
    // One name taken in one series' folder: nothing placed, and the folder made for the other series is gone again.
    const again = await tempDir();
    await mkdir(join(again, 'series-2-CT'));
    await writeFile(join(again, 'series-2-CT', 'IM2.dcm'), 'a reader\'s own file');
    await expect(exportSlices(cache, again, 'dcm')).rejects.toThrow('IM2.dcm already exists');
    expect(await readdir(again)).toEqual(['series-2-CT']);
    expect(await readdir(join(again, 'series-2-CT'))).toEqual(['IM2.dcm']);
  });
});

describe('export names', () => {
  it('one file per image, frames numbered, no folders or hidden files from a name inside the file', () => {
    expect(exportNames(['a.png', 'scan.dcm#2', 'a.png', '../../etc/x.png', '..\\evil.dcm', '.hidden.png', ''], 'png'))
      .toEqual(['a.png', 'scan-2.png', 'a-2.png', 'x.png', 'evil.png', 'hidden.png', 'image.png']);
  });
  it('a reduced-quality image exported as PNG is named NAME.reduced-quality.png; as DICOM it says so inside', async () => {
    const dir = await tempDir();
    const input = join(dir, 'ct.dcm');
    await writeFile(input, await readFile(join(FIXTURES, 'dicom', 'ct_head_512_j2k_lossless.dcm')));
    const enc = await encryptImageFile(input, { model, recipients: [key], coding: { quality: 'low' } });
    expect(enc.reduced).toBe(true);
    const coded = await readCodedSlices(enc.output, [key]);
    const decode = localDecode(models());
    const cache = new SliceCache(coded, async (...a) => (await decode(...a, false)).image);
    const out = await tempDir();
    await exportSlices(cache, out, 'png');
    await exportSlices(cache, out, 'dcm');
    expect((await readdir(out)).sort()).toEqual(['ct.dcm', 'ct.reduced-quality.png']);
  });
});
