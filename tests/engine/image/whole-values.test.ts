import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { AeimgError, ErrorCode } from '../../../src-main/engine/errors.js';
import { imageHeaderRefusal, readImageData, readImageFile } from '../../../src-main/engine/image/io.js';
import { decryptAeimgFile } from '../../../src-main/engine/jobs/decrypt.js';
import { encryptImageFile } from '../../../src-main/engine/jobs/encrypt.js';
import { generateSharedKey } from '../../../src-main/engine/keys/keyfile.js';
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
    // Before 0.8 a float TIFF of 0..1 was cast to 8 bits: every sample 0 or 1, a black image "within ±1". A CT in HU
    // as signed 16-bit would lose its air and fat below 0, clipped.
    const dir = await tempDir();
    const cases: [string, Float32Array | Int16Array | Int32Array | Uint32Array, RegExp][] = [
      ['ramp.tif', Float32Array.from({ length: W * H }, (_, i) => i / 255), /has 32-bit floating-point samples from 0 to 1, not all whole numbers \(0\.003922\)/],
      ['hu.tif', Int16Array.from({ length: W * H }, (_, i) => ramp(i) - 1024), /has signed 16-bit samples from −1024 to 2801, some below 0/],
      ['dose.tif', Int32Array.from({ length: W * H }, (_, i) => ramp(i) * 100), /has signed 32-bit samples from 0 to 382500, some above 65,535/],
      ['nan.tif', Float32Array.from({ length: W * H }, (_, i) => (i === 7 ? NaN : i)), /has 32-bit floating-point samples from 0 to 255, some not a number/],
    ];
    for (const [name, values, said] of cases) {
      const path = join(dir, name);
      await writeFile(path, tiffOf([values], W, H));
      const err = await refusalOf(path);
      expect(err.code).toBe(ErrorCode.BadInput);
      expect(err.message).toMatch(new RegExp(`^${name.replace('.', '\\.')}: ${said.source}`));
      expect(err.message).toMatch(/save it as an 8- or 16-bit unsigned PNG or TIFF, or send the DICOM file it came from/);
      // The app's list and `encrypt --dry-run` say so from the file, before the batch starts.
      expect((await imageHeaderRefusal(path))?.message).toMatch(said);
    }
  });

  it('a multi-page file goes where every page does; a page out of range refuses the file', async () => {
    const dir = await tempDir();
    const first = Int16Array.from({ length: W * H }, (_, i) => ramp(i));
    const path = join(dir, 'pages.tif');
    await writeFile(path, tiffOf([first, Int16Array.from(first, (v) => v + 100)], W, H));
    const { pages, wholeValues } = await readImageData(path);
    expect(pages.map((p) => p.pixels[W * H - 1])).toEqual([3825, 3925]);
    expect(wholeValues).toBe('signed 16-bit');
    const bad = join(dir, 'bad-page.tif');
    await writeFile(bad, tiffOf([first, Int16Array.from(first, (v) => v - 2000)], W, H));
    expect((await refusalOf(bad)).message).toMatch(/^bad-page\.tif: has signed 16-bit samples from −2000 to 1825, some below 0/);
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
