import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { AeimgError, ErrorCode } from '../../../src-main/engine/errors.js';
import type { Image } from '../../../src-main/engine/image/image.js';
import { decodeImage, encodeJpeg, encodePng, readImageFile } from '../../../src-main/engine/image/io.js';
import { MR_SLICE, phantom, pngClaiming, tempDir } from '../../helpers.js';

describe('image input and output', () => {
  it.each([
    ['8-bit grey', phantom(33, 17, 1, 8)],
    ['16-bit grey', phantom(33, 17, 1, 16)],
    ['8-bit RGB', phantom(20, 9, 3, 8)],
    ['16-bit RGB', phantom(20, 9, 3, 16)],
  ] as [string, Image][])('keeps %s PNG samples exactly', async (_name, img) => {
    const back = await decodeImage(await encodePng(img));
    expect(back.channels).toBe(img.channels);
    expect(back.bitDepth).toBe(img.bitDepth);
    expect(Array.from(back.pixels)).toEqual(Array.from(img.pixels));
  });

  it('keeps an alpha channel', async () => {
    const rgb = phantom(8, 8, 3);
    const rgba = new Uint8Array(8 * 8 * 4).map((_, i) => (i % 4 === 3 ? (i * 3) & 0xff : rgb.pixels[Math.floor(i / 4) * 3 + (i % 4)]!));
    const back = await decodeImage(await encodePng({ width: 8, height: 8, channels: 4, bitDepth: 8, pixels: rgba }));
    expect(back.channels).toBe(4);
    expect(Array.from(back.pixels)).toEqual(Array.from(rgba));
  });

  it('reads JPEG', async () => {
    const img = phantom(40, 30);
    const back = await decodeImage(await encodeJpeg(img, 95));
    expect([back.width, back.height, back.channels, back.bitDepth]).toEqual([40, 30, 1, 8]);
  });

  it('reads TIFF', async () => {
    const img = phantom(30, 20, 1, 8);
    const tiff = await sharp(img.pixels, { raw: { width: 30, height: 20, channels: 1 } }).toColourspace('b-w').tiff({ compression: 'lzw' }).toBuffer();
    const back = await decodeImage(tiff);
    expect([back.channels, back.bitDepth]).toEqual([1, 8]);
    expect(Array.from(back.pixels)).toEqual(Array.from(img.pixels));
  });

  it('reads a real slice as 8-bit grey', async () => {
    const img = await readImageFile(MR_SLICE);
    expect([img.width, img.height, img.channels, img.bitDepth]).toEqual([256, 256, 1, 8]);
  });

  it('refuses a header claiming 100000x100000 pixels before decoding, naming the file', async () => {
    const dir = await tempDir();
    const path = join(dir, 'huge.png');
    await writeFile(path, pngClaiming(100000, 100000));
    const err = (await readImageFile(path).catch((e) => e)) as AeimgError;
    expect(err.code).toBe(ErrorCode.TooLarge);
    // A side over 65535 cannot be allowed by a higher pixel limit, so no remedy suggests it.
    expect(err.message).toMatch(/^huge\.png: is 100000x100000 pixels: wider or taller than 65535 pixels/);
    expect(err.remedy).toBeUndefined();
    await writeFile(path.replace('huge', 'big'), pngClaiming(2000, 2000));
    const big = (await readImageFile(path.replace('huge', 'big'), 1_000_000).catch((e) => e)) as AeimgError;
    expect(big.message).toBe('big.png: is 2000x2000 pixels (4.0 MP), over the limit of 1.0 MP.');
    expect(big).toMatchObject({ remedy: 'raise-pixel-limit', facts: { limit: 1_000_000, needed: 4_000_000 } });
  });

  it('refuses a file that is not an image, naming it', async () => {
    const dir = await tempDir();
    const path = join(dir, 'report.png');
    await writeFile(path, 'this is a text file, not a picture');
    const err = (await readImageFile(path).catch((e) => e)) as AeimgError;
    expect(err.code).toBe(ErrorCode.BadInput);
    expect(err.message).toMatch(/^report\.png: is not an image/);
  });

  it('refuses a damaged PNG with a clear message', async () => {
    const dir = await tempDir();
    const good = await encodePng(phantom(64, 64));
    const path = join(dir, 'cut.png');
    await writeFile(path, good.subarray(0, good.length - 40));
    const err = (await readImageFile(path).catch((e) => e)) as AeimgError;
    expect(err).toBeInstanceOf(AeimgError);
    expect(err.message).toMatch(/^cut\.png: /);
  });
});
