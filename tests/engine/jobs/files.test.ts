/**
 * Which files a folder gives the encrypt journey, and what their outputs are called: DICOM files are often named
 * without an extension (a CD's DICOM/ST000000/SE000000/IM000001, a PACS export named by SOP Instance UID).
 */
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readDicomFile } from '../../../src-main/engine/dicom/import.js';
import { decodeImage, encodePng } from '../../../src-main/engine/image/io.js';
import { decryptAeimgFile } from '../../../src-main/engine/jobs/decrypt.js';
import { encryptImageFile } from '../../../src-main/engine/jobs/encrypt.js';
import { AEIMG_EXT, batchOutputs, expandInputs, IMAGE_INPUT, isDicomFile, listInputs, noImagesMessage, outputPathFor } from '../../../src-main/engine/jobs/files.js';
import { decryptFiles, encryptFiles } from '../../../src-main/engine/jobs/batch.js';
import { SharedKey } from '../../../src-main/engine/keys/recipients.js';
import { defaultModel, FIXTURES, models, phantom, tempDir, tiffOf } from '../../helpers.js';

const CT = join(FIXTURES, 'dicom', 'ct_small_explicit_le.dcm');
const NO_META = join(FIXTURES, 'dicom', 'mr_philips_512_implicit_le_nometa.dcm');

/** A DICOM CD's layout: an index, and images without extension two folders down. */
async function cdLayout(): Promise<{ root: string; series: string }> {
  const root = await tempDir();
  const series = join(root, 'DICOM', 'ST000000', 'SE000000');
  await mkdir(series, { recursive: true });
  await copyFile(CT, join(series, 'IM000001'));
  await copyFile(NO_META, join(series, 'IM000002'));
  await copyFile(CT, join(root, 'DICOMDIR')); // an index: DICM magic too, but never an image to encrypt
  await writeFile(join(series, 'NOTES'), 'read me');
  return { root, series };
}

describe('a folder of DICOM files without extensions', () => {
  it('gives its DICOM files by content, Part 10 or without preamble, and nothing else', async () => {
    const { root, series } = await cdLayout();
    await writeFile(join(series, 'IM000003'), await encodePng(phantom(8, 8))); // a PNG without its extension is no DICOM
    expect(await expandInputs([series], IMAGE_INPUT, isDicomFile)).toEqual([join(series, 'IM000001'), join(series, 'IM000002')]);
    expect(await isDicomFile(join(root, 'DICOMDIR'))).toBe(false);
    expect(await expandInputs([series], IMAGE_INPUT)).toEqual([]); // what 0.7 saw
    expect((await listInputs([series])).map((f) => f.kind)).toEqual(['dicom', 'dicom']);
  });

  it('goes by content where name and content disagree: a DICOM file named .png, a PNG named .dcm', async () => {
    const dir = await tempDir();
    await copyFile(CT, join(dir, 'export.png')); // its preamble is even a TIFF header, as DICOM allows
    await writeFile(join(dir, 'photo.dcm'), await encodePng(phantom(8, 8)));
    expect(await isDicomFile(join(dir, 'export.png'))).toBe(true);
    expect(await isDicomFile(join(dir, 'photo.dcm'))).toBe(false);
    const key = new SharedKey(Buffer.alloc(32, 7));
    const enc = await encryptImageFile(join(dir, 'export.png'), { model: await defaultModel(), recipients: [key], measure: false });
    expect(enc.coding.quality).toBe('lossless'); // read as DICOM: bit-exact by default, as every DICOM file
    const photo = await encryptImageFile(join(dir, 'photo.dcm'), { model: await defaultModel(), recipients: [key], measure: false });
    expect([photo.width, photo.bitDepth, photo.coding.quality]).toEqual([8, 8, 'within-1']);
    // An .aeimg given to encrypt by mistake is named for what it is, not "would overwrite an input file".
    await expect(encryptImageFile(photo.output, { model: await defaultModel(), recipients: [key] }))
      .rejects.toThrow('photo.aeimg: is already an encrypted .aeimg file: `aeimg decrypt` (or the app\'s Open) opens it.');
  });

  it('names the subfolder that holds the images when the one given holds none', async () => {
    const { root, series } = await cdLayout();
    expect(await expandInputs([root], IMAGE_INPUT, isDicomFile)).toEqual([]);
    expect(await noImagesMessage([root])).toContain(`its subfolders are not searched: give the folder that holds them, e.g. ${series}.`);
    await expect(listInputs([root])).rejects.toThrow(`e.g. ${series}.`);
  });

  it('encrypts them bit-exactly; UID-named files keep their whole name, so two of one series never share an output', async () => {
    const dir = await tempDir();
    const names = ['1.2.840.113619.2.55.3.604688119.320', '1.2.840.113619.2.55.3.604688119.321'];
    for (const n of names) await copyFile(CT, join(dir, n));
    expect(names.map((n) => outputPathFor(join(dir, n), '.aeimg'))).toEqual(names.map((n) => join(dir, `${n}.aeimg`)));
    expect(outputPathFor(join(dir, 'scan.png'), '.aeimg')).toBe(join(dir, 'scan.aeimg'));
    const key = new SharedKey(Buffer.alloc(32, 5));
    const model = await defaultModel();
    const [frame] = await readDicomFile(CT, { maxPixels: 1e7, deidentify: null });
    for (const n of await expandInputs([dir], IMAGE_INPUT, isDicomFile)) {
      const enc = await encryptImageFile(n, { model, recipients: [key], measure: false });
      expect(enc.coding.quality).toBe('lossless');
      const dec = await decryptAeimgFile(enc.output, { identities: [key], models: models() });
      expect(dec.images[0]!.output).toBe(`${n}.png`);
      const back = await decodeImage(await readFile(dec.images[0]!.output!));
      expect(Array.from(back.pixels)).toEqual(Array.from(frame!.image.pixels));
    }
  });
});

describe('a batch never writes two inputs to one output', () => {
  it('gives a later input whose name is taken " (2)", " (3)" (case as the file system ignores it), and each file once', async () => {
    const out = '/tmp/out';
    expect(batchOutputs(['/a/scan.png', '/b/scan.png', '/b/SCAN.jpg', '/b/scan (2).png'], AEIMG_EXT, out))
      .toEqual(['/tmp/out/scan.aeimg', '/tmp/out/scan (2).aeimg', '/tmp/out/SCAN (3).aeimg', '/tmp/out/scan (2) (2).aeimg']);
    const dir = await tempDir();
    await writeFile(join(dir, 'a.png'), await encodePng(phantom(8, 8)));
    expect(await expandInputs([join(dir, 'a.png'), dir], IMAGE_INPUT)).toEqual([join(dir, 'a.png')]);
  });

  it('two folders\' scan.png into one folder, even with force: both written, each decrypts to its own image', async () => {
    const dir = await tempDir();
    const images = [phantom(24, 16), phantom(16, 24)];
    const inputs: string[] = [];
    for (const [k, img] of images.entries()) {
      await mkdir(join(dir, `series${k}`));
      inputs.push(join(dir, `series${k}`, 'scan.png'));
      await writeFile(inputs[k]!, await encodePng(img));
    }
    await mkdir(join(dir, 'out'));
    const key = new SharedKey(Buffer.alloc(32, 6));
    const outcome = await encryptFiles(inputs, { model: await defaultModel(), recipients: [key], outDir: join(dir, 'out'), force: true, measure: false });
    expect(outcome.done.map((r) => r.output)).toEqual([join(dir, 'out', 'scan.aeimg'), join(dir, 'out', 'scan (2).aeimg')]);
    for (const [k, r] of outcome.done.entries()) {
      const dec = await decryptAeimgFile(r.output, { identities: [key], models: models(), write: false });
      expect([dec.images[0]!.image.width, dec.images[0]!.image.height]).toEqual([images[k]!.width, images[k]!.height]);
    }
    // And back: two folders' scan.aeimg into one folder, even with force, give scan.png and "scan (2).png".
    await copyFile(outcome.done[1]!.output, join(dir, 'series1', 'scan.aeimg'));
    await mkdir(join(dir, 'received'));
    const back = await decryptFiles([outcome.done[0]!.output, join(dir, 'series1', 'scan.aeimg')],
      { identities: [key], models: models(), outDir: join(dir, 'received'), force: true });
    expect(back.done.map((r) => r.images[0]!.output)).toEqual([join(dir, 'received', 'scan.png'), join(dir, 'received', 'scan (2).png')]);
    const sizes = await Promise.all(back.done.map(async (r) => decodeImage(await readFile(r.images[0]!.output!))));
    expect(sizes.map((i) => [i.width, i.height])).toEqual(images.map((i) => [i.width, i.height]));
  });

  it('a two-image x.aeimg and an x-2.aeimg into one folder, even with force: three images, none replaced', async () => {
    const dir = await tempDir();
    const key = new SharedKey(Buffer.alloc(32, 7));
    const model = await defaultModel();
    const pages = [new Uint8Array(16 * 8).fill(10), new Uint8Array(16 * 8).fill(20)];
    await writeFile(join(dir, 'x.tiff'), tiffOf(pages, 16, 8));
    await writeFile(join(dir, 'x-2.png'), await encodePng({ ...phantom(16, 8), pixels: new Uint8Array(16 * 8).fill(30) }));
    const enc = await encryptFiles([join(dir, 'x.tiff'), join(dir, 'x-2.png')], { model, recipients: [key], measure: false });
    await mkdir(join(dir, 'received'));
    const back = await decryptFiles(enc.done.map((r) => r.output), { identities: [key], models: models(), outDir: join(dir, 'received'), force: true });
    const outputs = back.done.flatMap((r) => r.images.map((i) => i.output!));
    // 0.8: x.aeimg's second image and x-2.aeimg's image both went to x-2.png, the later one replacing the other.
    expect(outputs.map((o) => o.slice(dir.length + 1))).toEqual(['received/x.png', 'received/x-2 (2).png', 'received/x-2.png']);
    const values = await Promise.all(outputs.map(async (o) => (await decodeImage(await readFile(o))).pixels[0]));
    expect(values).toEqual([10, 20, 30]);
  });
});

