/**
 * Which files a folder gives the encrypt journey, and what their outputs are called: DICOM files are often named
 * without an extension (a CD's DICOM/ST000000/SE000000/IM000001, a PACS export named by SOP Instance UID).
 */
import { copyFile, mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import dcmjs from 'dcmjs';
import { describe, expect, it } from 'vitest';
import { readDicomFile } from '../../../src-main/engine/dicom/import.js';
import { decodeImage, encodePng } from '../../../src-main/engine/image/io.js';
import { decryptAeimgFile } from '../../../src-main/engine/jobs/decrypt.js';
import { encryptImageFile } from '../../../src-main/engine/jobs/encrypt.js';
import { AEIMG_EXT, AEIMG_INPUT, batchOutputs, expandInputs, findInputs, IMAGE_INPUT, isDicomFile, listInputs, outputPathFor } from '../../../src-main/engine/jobs/files.js';
import { decryptFiles, encryptFiles } from '../../../src-main/engine/jobs/batch.js';
import { SharedKey } from '../../../src-main/engine/keys/recipients.js';
import { MAX_APP_FILES } from '../../../src-shared/files.js';
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
    // Nor is a raw RLE stream (its segment table: 2 segments, the first at byte 64), though its first 4 bytes read as
    // (0002,0000): a group length is 4 bytes long, not 64. Until 0.28 it was read as DICOM and refused as "holds no
    // image: it may be a report, structure set or presentation state".
    const rle = Buffer.alloc(200);
    rle.writeUInt32LE(2, 0);
    rle.writeUInt32LE(64, 4);
    rle.writeUInt32LE(132, 8);
    await writeFile(join(series, 'IM000004'), rle);
    expect(await expandInputs([series], IMAGE_INPUT, isDicomFile)).toEqual([join(series, 'IM000001'), join(series, 'IM000002')]);
    const key = new SharedKey(Buffer.alloc(32, 7));
    await expect(encryptImageFile(join(series, 'IM000004'), { model: await defaultModel(), recipients: [key], measure: false }))
      .rejects.toThrow('IM000004: is not an image aeimg can read (PNG, JPEG, TIFF, WebP, BMP, GIF, JPEG 2000 or JPEG-LS expected).');
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
    // A picture saved under an .aeimg name is named as the image it is, with what to do (0.46: "already encrypted").
    await writeFile(join(dir, 'scan.aeimg'), await encodePng(phantom(8, 8)));
    await expect(encryptImageFile(join(dir, 'scan.aeimg'), { model: await defaultModel(), recipients: [key] }))
      .rejects.toThrow('scan.aeimg: is named .aeimg but is a PNG image, not an encrypted file: give it its own extension (.png) to encrypt it.');
  });

  it('a CD given whole: every series below it in order, no index, hidden folder or link twice; outputs keep the subfolders', async () => {
    const { root, series } = await cdLayout();
    const second = join(root, 'DICOM', 'ST000000', 'SE000001');
    await mkdir(second, { recursive: true });
    await copyFile(CT, join(second, 'IM000001'));
    await mkdir(join(root, '.trash'));
    await copyFile(CT, join(root, '.trash', 'IM000009'));
    await symlink(second, join(root, 'link-to-series'));
    const found = await findInputs([root], IMAGE_INPUT, isDicomFile);
    const sub = (f: string) => relative(root, f);
    expect(found.map((f) => [sub(f.path), f.subfolder])).toEqual([
      [join('DICOM', 'ST000000', 'SE000000', 'IM000001'), join('DICOM', 'ST000000', 'SE000000')],
      [join('DICOM', 'ST000000', 'SE000000', 'IM000002'), join('DICOM', 'ST000000', 'SE000000')],
      [join('DICOM', 'ST000000', 'SE000001', 'IM000001'), join('DICOM', 'ST000000', 'SE000001')],
    ]);
    expect((await listInputs([root])).map((f) => f.subfolder)).toEqual(found.map((f) => f.subfolder));
    // A series given itself: its files, at the top of the output folder (as before 0.10).
    expect((await findInputs([series], IMAGE_INPUT, isDicomFile)).map((f) => f.subfolder)).toEqual(['', '']);

    // Encrypted into one output folder: two IM000001, each in its series' folder, and back the same way.
    const out = join(await tempDir(), 'out');
    await mkdir(out);
    const key = new SharedKey(Buffer.alloc(32, 8));
    const outputs = batchOutputs(found, AEIMG_EXT, out);
    const enc = await encryptFiles(found.map((f) => f.path), { model: await defaultModel(), recipients: [key], outDir: out, outputs, measure: false });
    expect(enc.done.map((r) => relative(out, r.output))).toEqual(found.map((f) => `${sub(f.path)}.aeimg`));
    const sealed = await findInputs([out], AEIMG_INPUT);
    const received = join(await tempDir(), 'received');
    await mkdir(received);
    const back = await decryptFiles(sealed.map((f) => f.path), {
      identities: [key], models: models(), outDir: received, outputStems: batchOutputs(sealed, '', received),
    });
    expect(back.done.map((r) => relative(received, r.images[0]!.output!))).toEqual(found.map((f) => `${sub(f.path)}.png`));
    const [ct] = await readDicomFile(CT, { maxPixels: 1e7, deidentify: null });
    const last = await decodeImage(await readFile(join(received, 'DICOM', 'ST000000', 'SE000001', 'IM000001.png')));
    expect(Array.from(last.pixels)).toEqual(Array.from(ct!.image.pixels));
  });

  it('a CD with its index: the images its DICOMDIR lists (and for a study its reports), not its viewer\'s icons or files it does not list', async () => {
    const root = await tempDir();
    const series = ['SE000000', 'SE000001'].map((s) => join(root, 'DICOM', 'ST000000', s));
    for (const s of series) await mkdir(s, { recursive: true });
    await copyFile(CT, join(series[0]!, 'IM000000'));
    await copyFile(CT, join(series[1]!, 'IM000000'));
    await copyFile(CT, join(series[1]!, 'IM000001')); // on the disk, not in the index
    await copyFile(CT, join(series[1]!, 'SR000000')); // indexed as a report, not an image
    await mkdir(join(root, 'VIEWER'));
    await writeFile(join(root, 'VIEWER', 'logo.png'), await encodePng(phantom(8, 8)));
    const v = (vr: string, ...value: unknown[]) => ({ vr, Value: value });
    const record = (type: string, ...id: string[]) => ({ '00041430': v('CS', type), ...(id.length ? { '00041500': v('CS', ...id) } : {}) });
    const dir = new dcmjs.data.DicomDict({
      '00020002': v('UI', '1.2.840.10008.1.3.10'), '00020003': v('UI', '2.25.3'), '00020010': v('UI', '1.2.840.10008.1.2.1'),
    });
    dir.dict = {
      '00041130': v('CS', 'CD'),
      '00041220': v('SQ',
        record('PATIENT'), record('STUDY'), record('SERIES'),
        record('IMAGE', 'DICOM', 'ST000000', 'SE000001', 'IM000000'),
        record('IMAGE', 'DICOM', 'ST000000', 'SE000000', 'IM000000'),
        record('SR DOCUMENT', 'DICOM', 'ST000000', 'SE000001', 'SR000000'),
        record('IMAGE', 'DICOM', 'ST000000', 'SE000001', 'IM000009'), // listed, not on the disk
        record('IMAGE', '..', 'outside')),
    };
    const index = Buffer.from(dir.write());
    await writeFile(join(root, 'DICOMDIR'), index);
    const found = await findInputs([root], IMAGE_INPUT, isDicomFile);
    expect(found.map((f) => [relative(root, f.path), f.subfolder])).toEqual([
      [join('DICOM', 'ST000000', 'SE000001', 'IM000000'), join('DICOM', 'ST000000', 'SE000001')],
      [join('DICOM', 'ST000000', 'SE000000', 'IM000000'), join('DICOM', 'ST000000', 'SE000000')],
    ]);
    // The same CD as Linux mounts a plain ISO 9660 disc: every name in lower case, the index's file IDs in upper case.
    const lower = await tempDir();
    await mkdir(join(lower, 'dicom', 'st000000', 'se000001'), { recursive: true });
    await copyFile(CT, join(lower, 'dicom', 'st000000', 'se000001', 'im000000'));
    await writeFile(join(lower, 'dicomdir'), index);
    await mkdir(join(lower, 'viewer'));
    await writeFile(join(lower, 'viewer', 'logo.png'), await encodePng(phantom(8, 8))); // what a search would add
    expect((await findInputs([lower], IMAGE_INPUT, isDicomFile)).map((f) => relative(lower, f.path))).toEqual([join('dicom', 'st000000', 'se000001', 'im000000')]);
    // Decrypt looks for .aeimg files: the index is not what it takes.
    await writeFile(join(root, 'DICOM', 'sent.aeimg'), 'an earlier output');
    expect((await findInputs([root], AEIMG_INPUT)).map((f) => relative(root, f.path))).toEqual([join('DICOM', 'sent.aeimg')]);
    // Given below the index, a series folder is searched as any folder.
    expect((await findInputs([series[1]!], IMAGE_INPUT, isDicomFile)).map((f) => relative(series[1]!, f.path))).toEqual(['IM000000', 'IM000001', 'SR000000']);
    // The index given itself (dropped from the disc's root): the images it lists, as its folder gives them (0.15: "is not
    // an image aeimg can read (PNG, JPEG, TIFF or WebP expected)"; 0.24 names BMP too).
    expect(await findInputs([join(root, 'DICOMDIR')], IMAGE_INPUT, isDicomFile)).toEqual(found);
    // A study made of the CD takes the objects it indexes besides its images (its reports, presentation states: 0.22), after them.
    expect((await findInputs([root], IMAGE_INPUT, isDicomFile, { objects: true })).map((f) => relative(root, f.path))).toEqual([
      join('DICOM', 'ST000000', 'SE000001', 'IM000000'), join('DICOM', 'ST000000', 'SE000000', 'IM000000'), join('DICOM', 'ST000000', 'SE000001', 'SR000000')]);
    // Marked as objects, so that a plain batch of the CD leaves them and names them, from the same walk; given by name
    // as well (the sender means it), the report is an input, in its first place.
    const sr = join(root, 'DICOM', 'ST000000', 'SE000001', 'SR000000');
    expect((await findInputs([root], IMAGE_INPUT, isDicomFile, { objects: true })).map((f) => f.object)).toEqual([undefined, undefined, true]);
    expect((await findInputs([root, sr], IMAGE_INPUT, isDicomFile, { objects: true })).map((f) => [relative(root, f.path), f.object]))
      .toEqual([[join('DICOM', 'ST000000', 'SE000001', 'IM000000'), undefined], [join('DICOM', 'ST000000', 'SE000000', 'IM000000'), undefined], [relative(root, sr), undefined]]);
    // The app lists them too, so that "Encrypt as one study" has them (plain files name each as no image).
    expect((await listInputs([join(root, 'DICOMDIR')])).map((f) => [f.name, f.kind])).toEqual([['IM000000', 'dicom'], ['IM000000', 'dicom'], ['SR000000', 'dicom']]);
    // An index whose images are not beside it, under its name or another: named for what it is.
    const alone = await tempDir();
    await writeFile(join(alone, 'DICOMDIR'), index);
    await writeFile(join(alone, 'index.dcm'), index);
    const key = new SharedKey(Buffer.alloc(32, 7));
    for (const name of ['DICOMDIR', 'index.dcm']) {
      expect(await findInputs([join(alone, name)], IMAGE_INPUT, isDicomFile)).toEqual([{ path: join(alone, name), subfolder: '' }]);
      await expect(encryptImageFile(join(alone, name), { model: await defaultModel(), recipients: [key] }))
        .rejects.toThrow(`${name}: is a DICOMDIR, the index of a CD or folder of DICOM files, and holds no image (nor lists one that is there): give the folder it is in`);
    }
    expect(await readdir(alone)).toEqual(['DICOMDIR', 'index.dcm']); // nothing written
  });

  it('leaves no folder behind for a series whose every file failed, and never writes above the output folder', async () => {
    const root = await tempDir();
    await mkdir(join(root, 'good'));
    await copyFile(CT, join(root, 'good', 'IM1'));
    await mkdir(join(root, 'bad'));
    await writeFile(join(root, 'bad', 'IM1.dcm'), (await readFile(CT)).subarray(0, 600)); // truncated
    const found = await findInputs([root], IMAGE_INPUT, isDicomFile);
    const out = join(await tempDir(), 'out');
    await mkdir(out);
    const enc = await encryptFiles(found.map((f) => f.path), {
      model: await defaultModel(), recipients: [new SharedKey(Buffer.alloc(32, 9))], outDir: out, outputs: batchOutputs(found, AEIMG_EXT, out), measure: false,
    });
    expect([enc.done.length, enc.failed.length]).toEqual([1, 1]);
    expect(enc.failed[0]!.message).toContain('IM1.dcm');
    expect((await readdir(out)).sort()).toEqual(['good']);
    expect(() => batchOutputs([{ path: join(root, 'good', 'IM1'), subfolder: join('..', 'elsewhere') }], AEIMG_EXT, out))
      .toThrow('is not below the output folder');
  });

  it('says so when neither the folders given nor their subfolders hold an image', async () => {
    const root = await tempDir();
    await mkdir(join(root, 'a', 'b'), { recursive: true });
    await writeFile(join(root, 'a', 'b', 'NOTES'), 'read me');
    expect(await findInputs([root], IMAGE_INPUT, isDicomFile)).toEqual([]);
    await expect(listInputs([root])).rejects.toThrow('hold no PNG, JPEG, TIFF, WebP, BMP, GIF, JPEG 2000, JPEG-LS or DICOM image, nor do their subfolders');
  });

  it('the app lists at most what its IPC takes, and says so by name instead of failing at Encrypt', async () => {
    const root = join(await tempDir(), 'archive');
    await mkdir(join(root, 'series'), { recursive: true });
    await Promise.all(Array.from({ length: MAX_APP_FILES + 1 }, (_, i) => writeFile(join(root, 'series', `${i}.png`), '')));
    await expect(listInputs([root])).rejects.toThrow(`archive holds 10,001 files, more than the 10,000 the app takes at once`);
    expect((await findInputs([root], IMAGE_INPUT)).length).toBe(MAX_APP_FILES + 1); // the CLI's batch has no such limit
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

describe('an output never replaces its input', () => {
  it('nor through a linked folder, even with force: an .aeimg named scan.png decrypted into a link to its own folder', async () => {
    const dir = await tempDir();
    const key = new SharedKey(Buffer.alloc(32, 8));
    await mkdir(join(dir, 'real'));
    await writeFile(join(dir, 'scan-source.png'), await encodePng(phantom(16, 16)));
    const enc = await encryptImageFile(join(dir, 'scan-source.png'), { model: await defaultModel(), recipients: [key], measure: false });
    const input = join(dir, 'real', 'scan.png');
    await copyFile(enc.output, input);
    await symlink(join(dir, 'real'), join(dir, 'alias'));
    const sealed = await readFile(input);
    for (const [from, to] of [[input, join(dir, 'alias')], [join(dir, 'alias', 'scan.png'), join(dir, 'real')]] as const) {
      await expect(decryptAeimgFile(from, { identities: [key], models: models(), outDir: to, force: true })).rejects.toThrow(/scan\.png would overwrite an input file/);
      expect((await readFile(input)).equals(sealed)).toBe(true);
    }
    // A link to the input in the output's place is only a link: force replaces it, the input stays.
    await mkdir(join(dir, 'out'));
    await symlink(input, join(dir, 'out', 'scan.png'));
    await decryptAeimgFile(input, { identities: [key], models: models(), outDir: join(dir, 'out'), force: true });
    expect((await readFile(input)).equals(sealed)).toBe(true);
    expect((await decodeImage(await readFile(join(dir, 'out', 'scan.png')))).width).toBe(16);
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

