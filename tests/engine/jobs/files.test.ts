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
import { expandInputs, IMAGE_INPUT, isDicomFile, listInputs, noImagesMessage, outputPathFor } from '../../../src-main/engine/jobs/files.js';
import { SharedKey } from '../../../src-main/engine/keys/recipients.js';
import { defaultModel, FIXTURES, models, phantom, tempDir } from '../../helpers.js';

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
