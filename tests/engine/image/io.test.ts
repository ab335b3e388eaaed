import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { AeimgError, ErrorCode } from '../../../src-main/engine/errors.js';
import type { Image } from '../../../src-main/engine/image/image.js';
import { decodeImage, encodeJpeg, encodePng, readImageFile } from '../../../src-main/engine/image/io.js';
import { MR_SLICE, phantom, tempDir } from '../../helpers.js';

function crc32(buf: Buffer): number {
  let c = ~0;
  for (const b of buf) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
  }
  return ~c >>> 0;
}

/** A PNG whose header claims width x height but carries almost no data. */
export function pngClaiming(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(td));
    return Buffer.concat([len, td, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 0, 0, 0, 0], 8);
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.alloc(16))), chunk('IEND', Buffer.alloc(0))]);
}

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
    // A side over 65535 cannot be allowed by --max-pixels, so the message does not suggest it.
    expect(err.message).toMatch(/^huge\.png: is 100000x100000 pixels: wider or taller than 65535 pixels/);
    await writeFile(path.replace('huge', 'big'), pngClaiming(2000, 2000));
    const big = (await readImageFile(path.replace('huge', 'big'), 1_000_000).catch((e) => e)) as AeimgError;
    expect(big.message).toMatch(/^big\.png: is 2000x2000 pixels \(4\.0 MP\), over the limit of 1\.0 MP\. .*--max-pixels/);
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
