/**
 * A window of the sender's own (aeimg 0.43: `aeimg encrypt --window`, the app's "Send in this window"): measured with
 * the reader windows, carried in the record, and the window the reader's viewer opens the image in.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ImageRecord } from '../../../src-main/engine/codec/record.js';
import { readDicomFile } from '../../../src-main/engine/dicom/import.js';
import { dicomDisplay } from '../../../src-main/engine/dicom/display.js';
import { encodePng } from '../../../src-main/engine/image/io.js';
import { encryptFiles } from '../../../src-main/engine/jobs/batch.js';
import { decryptAeimgFile } from '../../../src-main/engine/jobs/decrypt.js';
import { encodeImageFile, encryptImageFile } from '../../../src-main/engine/jobs/encrypt.js';
import { SenderPreviews } from '../../../src-main/engine/jobs/preview.js';
import { windowUnits } from '../../../src-main/engine/jobs/sender-window.js';
import { decryptStudy, encryptStudy } from '../../../src-main/engine/jobs/study.js';
import { describeImage } from '../../../src-main/engine/jobs/view.js';
import { generateSharedKey } from '../../../src-main/engine/keys/keyfile.js';
import { readerFidelity } from '../../../src-main/engine/metrics/fidelity.js';
import type { Autoencoder } from '../../../src-main/engine/model/autoencoder.js';
import { SENDER_WINDOW } from '../../../src-shared/windows.js';
import { defaultModel, dicomDataset, FIXTURES, models, phantom, tempDir } from '../../helpers.js';
import { withInstance } from '../../key-object-dicom.js';

const key = generateSharedKey('Windows');
const CT = join(FIXTURES, 'dicom', 'ct_small_explicit_le.dcm');
const CT_HEAD = join(FIXTURES, 'dicom', 'ct_head_512_j2k_lossless.dcm');
let model: Autoencoder;
beforeAll(async () => { model = await defaultModel(); });

describe("a sender's window", () => {
  it('is measured with the reader windows, carried, and the window the reader opens a CT in; first of its DICOM output\'s windows, the file\'s own after it', { timeout: 60_000 }, async () => {
    const dir = await tempDir();
    const input = join(dir, 'ct.dcm');
    await copyFile(CT_HEAD, input); // three windows of its own
    const enc = await encryptImageFile(input, { model, recipients: [key], coding: { quality: 'within-2' }, senderWindow: { center: 30, width: 60 } });
    await mkdir(join(dir, 'out'));
    const dec = await decryptAeimgFile(enc.output, { identities: [key], models: models(), outDir: join(dir, 'out'), format: 'dcm' });
    const { record, image } = dec.images[0]!;
    expect(record.metadata?.senderWindow).toEqual({ center: 30, width: 60 });
    // Its figure is the one readerFidelity gives that window, in HU, over what it shows.
    const [original] = await readDicomFile(input, { maxPixels: 1e8, deidentify: null });
    const display = dicomDisplay(original!.dicom);
    const own = readerFidelity(original!.image, image, { ...display, windows: [{ name: SENDER_WINDOW, center: 30, width: 60, source: 'file' }] }, { maxError: 2 });
    const told = record.fidelity!.windows!.find((w) => w.name === SENDER_WINDOW);
    expect(told).toMatchObject({ center: 30, width: 60, source: 'file', ssim: own.windows![0]!.ssim, psnr: own.windows![0]!.psnr });
    // Every reader window the file had is still measured beside it.
    expect(record.fidelity!.windows!.map((w) => w.name).sort()).toEqual([SENDER_WINDOW, ...readerFidelity(original!.image, image, display, { maxError: 2 }).windows!.map((w) => w.name)].sort());
    // The reader's viewer opens in it (samples: HU less the rescale intercept, + 32768 as signed samples are kept).
    const src = original!.dicom.dataset;
    const info = describeImage(record, image, 0);
    expect(info.window).toMatchObject({ name: SENDER_WINDOW, center: 30 - original!.dicom.pixel.rescaleIntercept + 32768, width: 60 });
    expect(info.windows?.[0]?.name).toBe(SENDER_WINDOW);
    // The DICOM file written for a PACS has it first of its windows, explained, before the file's own: a PACS opens
    // a file in its first window, as aeimg's viewer opens this one. (Read by aeimg: the file's character sets are
    // ISO 2022, which dcmjs does not read.)
    const [again] = await readDicomFile(dec.images[0]!.output!, { maxPixels: 1e8, deidentify: null });
    const ds = again!.dicom.dataset;
    const nums = (d: typeof ds, tag: string) => (d[tag]?.Value ?? []).map(Number);
    expect(nums(src, '00281050').length).toBe(3);
    expect([nums(ds, '00281050'), nums(ds, '00281051')]).toEqual([[30, ...nums(src, '00281050')], [60, ...nums(src, '00281051')]]);
    expect(ds['00281055']?.Value?.[0]).toBe(SENDER_WINDOW);
    // Its figure goes beside the worst window's wherever the reader is told the figures (0.44): the viewer's line, the
    // decrypt line and the DICOM file's Derivation Description.
    expect(record.fidelity!.windows![0]!.name).not.toBe(SENDER_WINDOW); // here the stroke window is the worst
    const figure = `; sender's window 30/60: SSIM ${told!.ssim.toFixed(4)}`;
    expect(info.fidelityText).toMatch(new RegExp(`^Reduced quality .*; worst window stroke 40/40: SSIM 0\\.\\d{4}, largest error 2 HU\\)${figure.replace(/[.()]/g, '\\$&')}$`));
    expect(String(ds['00082111']?.Value?.[0])).toContain(figure);
    // Read again by aeimg, that file opens in it.
    expect(dicomDisplay(again!.dicom).windows[0]).toMatchObject({ center: 30, width: 60, explanation: SENDER_WINDOW });
  });

  it.skipIf(!existsSync('/usr/bin/dcmodify'))('is not written into DICOM output whose file\'s windows are a sigmoid: one VOI function serves all of a file\'s windows', { timeout: 60_000 }, async () => {
    const dir = await tempDir();
    const input = join(dir, 'sigmoid.dcm');
    await copyFile(CT, input);
    execFileSync('/usr/bin/dcmodify', ['-nb', '-i', '(0028,1050)=40', '-i', '(0028,1051)=400', '-i', '(0028,1056)=SIGMOID', input], { stdio: 'ignore' });
    const enc = await encryptImageFile(input, { model, recipients: [key], coding: { quality: 'within-1' }, senderWindow: { center: 30, width: 60 } });
    await mkdir(join(dir, 'out'));
    const dec = await decryptAeimgFile(enc.output, { identities: [key], models: models(), outDir: join(dir, 'out'), format: 'dcm' });
    expect(dec.images[0]!.record.fidelity!.windows!.map((w) => w.name)).toContain(SENDER_WINDOW); // measured and carried all the same
    const ds = dicomDataset(dec.images[0]!.output!);
    expect([ds['00281050']?.Value?.map(Number), ds['00281051']?.Value?.map(Number), ds['00281056']?.Value]).toEqual([[40], [400], ['SIGMOID']]);
  });

  it('goes with a grey image file (an 8-bit export: beside its full range) and not with a colour one, whose sender is told', { timeout: 60_000 }, async () => {
    const dir = await tempDir();
    const [grey, colour] = [join(dir, 'grey.png'), join(dir, 'colour.png')];
    await writeFile(grey, await encodePng(phantom(64, 48)));
    await writeFile(colour, await encodePng(phantom(64, 48, 3)));
    const out = await encryptFiles([grey, colour], { model, recipients: [key], coding: { quality: 'max' }, senderWindow: { center: 100, width: 40 } });
    expect(out.failed).toEqual([]);
    const [g, c] = out.done;
    expect(g!.fidelity!.windows!.map((w) => w.name).sort()).toEqual(['full range', SENDER_WINDOW]);
    expect(g!.warnings.join(' ')).not.toContain('window');
    expect(c!.fidelity!.windows!.map((w) => w.name)).toEqual(['full range']);
    expect(c!.warnings).toContain('colour.png: it is a colour image, and goes without the window given (a window greys a grey image\'s values; a colour image shows as it is): its figures are of its full range.');
    const back = await decryptAeimgFile(g!.output, { identities: [key], models: models(), write: false });
    expect(describeImage(back.images[0]!.record, back.images[0]!.image, 0).window).toMatchObject({ name: SENDER_WINDOW, center: 100, width: 40 });
    const colourBack = await decryptAeimgFile(c!.output, { identities: [key], models: models(), write: false });
    expect(colourBack.images[0]!.record.metadata?.senderWindow).toBeUndefined();
  });

  it("in a study, a window given for one image goes with its series (here a folder of image files), not with another series", { timeout: 60_000 }, async () => {
    const dir = await tempDir();
    await mkdir(join(dir, 'one'));
    await mkdir(join(dir, 'two'));
    const [a, b, c] = [join(dir, 'one', 'a.png'), join(dir, 'one', 'b.png'), join(dir, 'two', 'c.png')];
    for (const [p, w] of [[a, 48], [b, 40], [c, 44]] as const) await writeFile(p, await encodePng(phantom(w, 40)));
    await mkdir(join(dir, 'parts'));
    const study = await encryptStudy([c, b, a], { model, recipients: [key], name: 'two', outDir: join(dir, 'parts'), coding: { quality: 'within-1' }, senderWindows: { [a]: { center: 60, width: 30 } } });
    const records: ImageRecord[] = [];
    await mkdir(join(dir, 'back'));
    await decryptStudy(study.parts.map((p) => p.path), { identities: [key], models: models(), outDir: join(dir, 'back'), format: 'png', onImage: (_, rec) => { records.push(rec); } });
    const byName = new Map(records.map((r) => [r.name, r]));
    for (const n of ['a.png', 'b.png']) {
      expect(byName.get(n)?.metadata?.senderWindow).toEqual({ center: 60, width: 30 });
      expect(byName.get(n)?.fidelity?.windows?.map((w) => w.name)).toContain(SENDER_WINDOW);
    }
    expect(byName.get('c.png')?.metadata?.senderWindow).toBeUndefined();
    expect(byName.get('c.png')?.fidelity?.windows?.map((w) => w.name)).toEqual(['full range']);
  });

  it("in a study of DICOM files, the series is the Series Instance UID: both CT slices go in it, the MR of the study does not", { timeout: 60_000 }, async () => {
    const dir = await tempDir();
    const [ct1, ct2, mr] = [join(dir, 'ct1.dcm'), join(dir, 'ct2.dcm'), join(dir, 'mr.dcm')];
    await withInstance(CT, ct1, '2.25.4301', 1);
    await withInstance(CT, ct2, '2.25.4302', 2);
    await copyFile(join(FIXTURES, 'dicom', 'mr_small_explicit_le.dcm'), mr);
    await mkdir(join(dir, 'parts'));
    const study = await encryptStudy([mr, ct2, ct1], { model, recipients: [key], name: 'mixed', outDir: join(dir, 'parts'), deidentify: null, senderWindows: { [ct2]: { center: 30, width: 60 } } });
    const records: ImageRecord[] = [];
    await mkdir(join(dir, 'back'));
    await decryptStudy(study.parts.map((p) => p.path), { identities: [key], models: models(), outDir: join(dir, 'back'), format: 'png', onImage: (_, rec) => { records.push(rec); } });
    expect(records.map((r) => [r.name, r.metadata?.senderWindow])).toEqual(expect.arrayContaining([
      ['ct1.dcm', { center: 30, width: 60 }], ['ct2.dcm', { center: 30, width: 60 }], ['mr.dcm', undefined],
    ]));
    // The sender's preview of the other slice shows it as the study will send it: in its series' window; alone, without.
    const previews = new SenderPreviews((task) => encodeImageFile(model, task));
    const req = { path: ct1, coding: { quality: 'auto' as const }, deidentify: null, frame: 0, senderWindows: { [ct2]: { center: 30, width: 60 } } };
    const inStudy = await previews.preview({ ...req, study: [mr, ct2, ct1] });
    expect(inStudy.info.windows?.[0]).toMatchObject({ name: SENDER_WINDOW, center: 30, width: 60 });
    expect(inStudy.info.fidelity?.windows?.map((w) => w.name)).toContain(SENDER_WINDOW);
    const alone = await previews.preview(req);
    expect(alone.info.fidelity?.windows?.map((w) => w.name)).not.toContain(SENDER_WINDOW);
    expect((await previews.preview({ ...req, path: mr, study: [mr, ct2, ct1] })).info.fidelity?.windows?.map((w) => w.name)).not.toContain(SENDER_WINDOW);
  });

  it('given for a run that holds a CT, is in HU and goes with its CT images only: an MR beside them goes without it, and its sender is told (0.44)', { timeout: 60_000 }, async () => {
    const dir = await tempDir();
    const [ct, mr, png] = [join(dir, 'ct.dcm'), join(dir, 'mr.dcm'), join(dir, 'slice.png')];
    await copyFile(CT, ct);
    await copyFile(join(FIXTURES, 'dicom', 'mr_small_explicit_le.dcm'), mr);
    await writeFile(png, await encodePng(phantom(48, 40)));
    // The run's units: HU once any input is a CT (a DICOM file's header, or an image file declared one); else none.
    expect(await windowUnits([mr, ct], () => false)).toBe('HU');
    expect(await windowUnits([mr, png], () => false)).toBeUndefined();
    expect(await windowUnits([mr, png], (p) => p === png)).toBe('HU');
    const out = await encryptFiles([ct, mr], { model, recipients: [key], coding: { quality: 'within-1' }, deidentify: null, senderWindow: { center: 30, width: 60, units: 'HU' } });
    expect(out.failed).toEqual([]);
    const [c, m] = out.done;
    expect(c!.fidelity!.windows!.map((w) => w.name)).toContain(SENDER_WINDOW);
    expect(c!.warnings.join(' ')).not.toContain('window given');
    expect(m!.fidelity!.windows!.map((w) => w.name)).not.toContain(SENDER_WINDOW);
    expect(m!.warnings).toContain('mr.dcm: goes without the window given (30/60 HU, for the run\'s images in HU): its values are without units, not HU, and the reader\'s ' +
      'viewer would show them wrongly in it. Its figures are of its own windows; to send it in a window, encrypt it in a run of its own with --window in its values.');
    const [ctBack, mrBack] = await Promise.all([c!, m!].map((r) => decryptAeimgFile(r.output, { identities: [key], models: models(), write: false })));
    expect(ctBack!.images[0]!.record.metadata?.senderWindow).toEqual({ center: 30, width: 60 }); // the units stay with the sender
    expect(mrBack!.images[0]!.record.metadata?.senderWindow).toBeUndefined();
    expect(describeImage(mrBack!.images[0]!.record, mrBack!.images[0]!.image, 0).window?.name).not.toBe(SENDER_WINDOW);
    // Without units (a run without a CT), the MR goes in it, as every grey image of such a run does.
    const alone = await encryptFiles([mr], { model, recipients: [key], coding: { quality: 'within-1' }, deidentify: null, outDir: await tempDir(), senderWindow: { center: 600, width: 1200 } });
    expect(alone.done[0]!.fidelity!.windows!.map((w) => w.name)).toContain(SENDER_WINDOW);
  });

  it('counts an ImageJ TIFF of a CT, which says its own HU, as a CT of the run: the window goes with it, not with an ImageJ MR beside it (0.45)', { timeout: 60_000 }, async () => {
    const dir = await tempDir();
    const [ct, mr] = [join(dir, 'ct.tif'), join(dir, 'mr.tif')];
    await copyFile(join(FIXTURES, 'imagej', 'ct_small_signed.tif'), ct);
    await copyFile(join(FIXTURES, 'imagej', 'mr_small_signed.tif'), mr);
    expect(await windowUnits([mr, ct], () => false)).toBe('HU'); // 0.44: undefined, and the MR went in 30/60 of its values
    expect(await windowUnits([mr], () => false)).toBeUndefined();
    const out = await encryptFiles([ct, mr], { model, recipients: [key], coding: { quality: 'within-1' }, outDir: dir, senderWindow: { center: 30, width: 60, units: 'HU' } });
    expect(out.failed).toEqual([]);
    const [c, m] = out.done;
    expect(c!.fidelity!.windows!.map((w) => w.name)).toContain(SENDER_WINDOW);
    expect(m!.fidelity!.windows!.map((w) => w.name)).not.toContain(SENDER_WINDOW);
    expect(m!.warnings.join(' ')).toContain('mr.tif: goes without the window given (30/60 HU');
  });
});
