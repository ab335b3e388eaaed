import { execFileSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { AeimgError, ErrorCode } from '../../../src-main/engine/errors.js';
import { imageHeaderRefusal, readImageData, readImageFile } from '../../../src-main/engine/image/io.js';
import { decryptAeimgFile } from '../../../src-main/engine/jobs/decrypt.js';
import { encryptImageFile } from '../../../src-main/engine/jobs/encrypt.js';
import { generateSharedKey } from '../../../src-main/engine/keys/keyfile.js';
import { readDicomFile } from '../../../src-main/engine/dicom/import.js';
import { describeImage } from '../../../src-main/engine/jobs/view.js';
import { sampleToReal } from '../../../src-shared/windows.js';
import { defaultModel, models, tempDir, tiffOf } from '../../helpers.js';

const W = 16, H = 16;
/** An MR-like ramp of whole numbers 0..3825 over the page. */
const ramp = (i: number) => (i % W) * 15 + Math.floor(i / W) * 240;

async function refusalOf(path: string): Promise<AeimgError> {
  const err = (await readImageData(path).catch((e: unknown) => e)) as AeimgError;
  expect(err).toBeInstanceOf(AeimgError);
  return err;
}

describe('image files of signed, 32-bit or floating-point samples', () => {
  it('go as 16-bit samples of the same numbers where every value is a whole number from 0 to 65,535', async () => {
    const dir = await tempDir();
    const pages = {
      'signed16.tif': Int16Array.from({ length: W * H }, (_, i) => ramp(i)),
      'float.tif': Float32Array.from({ length: W * H }, (_, i) => ramp(i)),
      'unsigned32.tif': Uint32Array.from({ length: W * H }, (_, i) => ramp(i) * 17), // up to 65,025
      'signed32.tif': Int32Array.from({ length: W * H }, (_, i) => ramp(i)),
    };
    for (const [name, values] of Object.entries(pages)) {
      const path = join(dir, name);
      await writeFile(path, tiffOf([values], W, H));
      const image = await readImageFile(path);
      expect({ name, channels: image.channels, bitDepth: image.bitDepth }).toEqual({ name, channels: 1, bitDepth: 16 });
      expect(Array.from(image.pixels)).toEqual(Array.from(values));
      expect(await imageHeaderRefusal(path)).toBeUndefined();
    }
  });

  it('refuse, with the range the file holds, values a 16-bit sample cannot hold, before a pixel is coded', async () => {
    // Before 0.8 a float TIFF of 0..1 was cast to 8 bits: every sample 0 or 1, a black image "within ±1".
    const dir = await tempDir();
    const cases: [string, Float32Array | Int16Array | Int32Array | Uint32Array, RegExp][] = [
      ['ramp.tif', Float32Array.from({ length: W * H }, (_, i) => i / 255), /has 32-bit floating-point samples from 0 to 1, not all whole numbers \(0\.003922\)/],
      ['deep.tif', Int32Array.from({ length: W * H }, (_, i) => ramp(i) - 40000), /has signed 32-bit samples from −40000 to −36175, some below −32,768/],
      ['mixed.tif', Int32Array.from({ length: W * H }, (_, i) => ramp(i) * 10 - 100), /has signed 32-bit samples from −100 to 38150, both below 0 and above 32,767/],
      ['dose.tif', Int32Array.from({ length: W * H }, (_, i) => ramp(i) * 100), /has signed 32-bit samples from 0 to 382500, some above 65,535/],
      ['nan.tif', Float32Array.from({ length: W * H }, (_, i) => (i === 7 ? NaN : i)), /has 32-bit floating-point samples from 0 to 255, some not a number/],
    ];
    for (const [name, values, said] of cases) {
      const path = join(dir, name);
      await writeFile(path, tiffOf([values], W, H));
      const err = await refusalOf(path);
      expect(err.code).toBe(ErrorCode.BadInput);
      expect(err.message).toMatch(new RegExp(`^${name.replace('.', '\\.')}: ${said.source}`));
      expect(err.message).toMatch(/save it as 16-bit PNG or TIFF, or send the DICOM file it came from/);
      // The app's list and `encrypt --dry-run` say so from the file, before the batch starts.
      expect((await imageHeaderRefusal(path))?.message).toMatch(said);
    }
  });

  it('a CT in HU as signed 16-bit: each value + 32,768, the record says so, the viewer shows and DICOM output writes the values', async () => {
    const dir = await tempDir();
    const hu = Int16Array.from({ length: W * H }, (_, i) => ramp(i) - 1024); // air to bone
    await writeFile(join(dir, 'ct.tif'), tiffOf([hu], W, H));
    const { pages, valueOffsets } = await readImageData(join(dir, 'ct.tif'));
    expect(valueOffsets).toEqual([32768]);
    expect(Array.from(pages[0]!.pixels)).toEqual(Array.from(hu, (v) => v + 32768));
    const key = generateSharedKey('Signed values');
    const sent = await encryptImageFile(join(dir, 'ct.tif'), { model: await defaultModel(), recipients: [key], outDir: dir });
    expect(sent.warnings).toEqual([expect.stringMatching(/^ct\.tif has signed 16-bit samples, each a whole number from −1024 to 2801: they go as 16-bit samples holding each value \+ 32768/)]);
    const got = await decryptAeimgFile(sent.output, { identities: [key], models: models(), write: false });
    const { record, image } = got.images[0]!;
    expect(record.valueOffset).toBe(32768);
    expect(Array.from(image.pixels)).toEqual(Array.from(hu, (v) => v + 32768)); // bit-exact by default (16-bit)
    // The viewer's values are the file's: its mapping takes the offset off, its percentile window is in them.
    const info = describeImage(record, image, 0);
    expect(info.mapping).toMatchObject({ offset: 32768, slope: 1, intercept: 0 });
    const auto = info.windows!.find((w) => w.source === 'percentile')!;
    expect(auto.center - auto.width / 2).toBeLessThan(0);
    expect(sampleToReal(image.pixels[0]!, info.mapping)).toBe(-1024);
    // DICOM output holds the values themselves, signed (Pixel Representation 1), as dcmtk reads them.
    const dcm = await decryptAeimgFile(sent.output, { identities: [key], models: models(), outDir: dir, format: 'dcm' });
    const dump = execFileSync('dcmdump', ['+P', '0008,0060', '+P', '0028,0103', '+P', '0028,0101', dcm.images[0]!.output!], { encoding: 'utf8' });
    expect(dump).toMatch(/\(0008,0060\) CS \[OT\]/); // nothing says what took it: "other"
    expect(dump).toMatch(/\(0028,0101\) US 16/);
    expect(dump).toMatch(/\(0028,0103\) US 1 /);
    const [frame] = await readDicomFile(dcm.images[0]!.output!, { maxPixels: 1e6, deidentify: null });
    expect(frame!.dicom.pixel.signed).toBe(true);
    expect(Array.from(frame!.image.pixels, (v) => v - frame!.dicom.pixel.offset)).toEqual(Array.from(hu));
  });

  it('a multi-page file goes where every page does, each page with its own offset; a page out of range refuses the file', async () => {
    const dir = await tempDir();
    const first = Int16Array.from({ length: W * H }, (_, i) => ramp(i));
    const path = join(dir, 'pages.tif');
    await writeFile(path, tiffOf([first, Int16Array.from(first, (v) => v - 100)], W, H));
    const { pages, wholeValues, valueOffsets } = await readImageData(path);
    expect(pages.map((p) => p.pixels[W * H - 1])).toEqual([3825, 3725 + 32768]);
    expect(valueOffsets).toEqual([0, 32768]);
    expect(wholeValues).toEqual({ type: 'signed 16-bit', range: [-100, 3825] });
    const bad = join(dir, 'bad-page.tif');
    await writeFile(bad, tiffOf([Float32Array.from(first), Float32Array.from(first, (v) => v + 0.5)], W, H));
    expect((await refusalOf(bad)).message).toMatch(/^bad-page\.tif: has 32-bit floating-point samples from 0\.5 to 3826, not all whole numbers \(0\.5\)/);
  });

  it('the sender is told what they go as, and the receiver gets the same numbers, bit-exact by default', async () => {
    const dir = await tempDir();
    const values = Int16Array.from({ length: W * H }, (_, i) => ramp(i) + 3);
    await writeFile(join(dir, 'mr.tif'), tiffOf([values], W, H));
    const key = generateSharedKey('Whole values');
    const sent = await encryptImageFile(join(dir, 'mr.tif'), { model: await defaultModel(), recipients: [key], outDir: dir });
    expect(sent.warnings).toEqual([
      'mr.tif has signed 16-bit samples, each a whole number from 3 to 3828: they go as 16-bit values, the same numbers, which the ' +
      'receiver gets as a 16-bit PNG (or DICOM) file.',
    ]);
    const got = await decryptAeimgFile(sent.output, { identities: [key], models: models(), outDir: dir });
    const png = await sharp(await readFile(got.images[0]!.output!)).toColourspace('grey16').raw({ depth: 'ushort' }).toBuffer({ resolveWithObject: true });
    expect([png.info.channels, (await sharp(got.images[0]!.output!).metadata()).depth]).toEqual([1, 'ushort']);
    expect(Array.from(new Uint16Array(png.data.buffer, png.data.byteOffset, W * H))).toEqual(Array.from(values));
  });
});
