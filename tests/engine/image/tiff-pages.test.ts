/**
 * A TIFF's pages that are not images of their own (TIFF 6.0 NewSubfileType): a pyramid's smaller levels and a thumbnail
 * (reduced-resolution copies, bit 0), a transparency mask (bit 2). Before 0.41 each went as an image, so the reader got
 * a slide's or scan's levels as "images 2 and 3 of 3"; they are left out where the file has a page that is an image,
 * and the sender is told which.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { encryptImageFile } from '../../../src-main/engine/jobs/encrypt.js';
import { decryptAeimgFile } from '../../../src-main/engine/jobs/decrypt.js';
import { generateSharedKey } from '../../../src-main/engine/keys/keyfile.js';
import { readImageData, readImageFile } from '../../../src-main/engine/image/io.js';
import { tiffPages } from '../../../src-main/engine/image/tiff-tags.js';
import { defaultModel, models, tempDir, tiffOf } from '../../helpers.js';

/** A little-endian TIFF with its page `at` (from 0) made WhiteIsZero (Photometric 0), as ImageJ saves an inverted LUT. */
function withWhiteIsZero(tiff: Buffer, at: number): Buffer {
  let ifd = tiff.readUInt32LE(4);
  for (let p = 0; p < at; p++) ifd = tiff.readUInt32LE(ifd + 2 + tiff.readUInt16LE(ifd) * 12);
  for (let i = 0; i < tiff.readUInt16LE(ifd); i++) if (tiff.readUInt16LE(ifd + 2 + i * 12) === 262) tiff.writeUInt16LE(0, ifd + 10 + i * 12);
  return tiff;
}

/** Per page of a TIFF's first `pages`, what it is beside the image, where it is a copy or mask of another. */
const subsidiaryPages = (data: Uint8Array, pages: number) => tiffPages(data, pages)?.map((p) => p.subsidiary);

/** A grey 8x8 page whose samples start at `from`, one more each. */
const page = (from: number) => Uint8Array.from({ length: 64 }, (_, i) => from + i);

describe('a TIFF\'s reduced-resolution copies and masks', () => {
  it('are found page by page (NewSubfileType bits 0 and 2); a file without them has none, and a damaged one throws nothing', () => {
    expect(subsidiaryPages(tiffOf([page(0), page(1), page(2)], 8, 8, [0, 1, 4]), 3)).toEqual([undefined, 'reduced', 'mask']);
    expect(subsidiaryPages(tiffOf([page(0), page(1)], 8, 8, [2, 0]), 2)).toEqual([undefined, undefined]); // bit 1: a page of a document, an image
    expect(subsidiaryPages(tiffOf([page(0), page(1)], 8, 8), 2)).toEqual([undefined, undefined]);
    const whole = tiffOf([page(0), page(1)], 8, 8, [0, 1]);
    for (let cut = 0; cut < whole.length; cut += 5) expect(() => subsidiaryPages(whole.subarray(0, cut), 2)).not.toThrow();
  });

  it('of a pyramid (libvips\' tiffsave): its full-size image goes alone, the sender told of its levels, and the reader gets that image', async () => {
    const dir = await tempDir();
    const path = join(dir, 'slide.tif');
    const full = Buffer.from(Uint8Array.from({ length: 256 * 192 }, (_, i) => (i % 256) ^ ((i >> 8) * 3)));
    await sharp(full, { raw: { width: 256, height: 192, channels: 1 } }).toColourspace('b-w')
      .tiff({ pyramid: true, tile: true, tileWidth: 64, tileHeight: 64, compression: 'deflate' }).toFile(path);
    expect((await sharp(path).metadata()).pages).toBe(3); // 256x192, 128x96, 64x48
    const file = await readImageData(path);
    expect(file.pages.map((p) => [p.width, p.height])).toEqual([[256, 192]]);
    expect(Buffer.from(file.pages[0]!.pixels)).toEqual(full);
    expect(file.leftOut?.pages).toEqual([{ page: 1, role: 'reduced' }, { page: 2, role: 'reduced' }]);
    // A single image is read from it (before, refused: "has 3 pages").
    expect(Buffer.from((await readImageFile(path)).pixels)).toEqual(full);
    const key = generateSharedKey('Pyramid');
    const sent = await encryptImageFile(path, { model: await defaultModel(), recipients: [key], outDir: dir, coding: { quality: 'lossless' } });
    expect(sent.images).toBe(1);
    expect(sent.warnings).toContain('slide.tif: its pages 2 and 3 are reduced-resolution copies of its image (a pyramid\'s levels or a ' +
      'thumbnail, as the file marks them), not images of their own, which do not go: the reader gets its full-size page.');
    const got = await decryptAeimgFile(sent.output, { identities: [key], models: models(), write: false });
    expect(got.images.length).toBe(1);
    expect(Buffer.from(got.images[0]!.image.pixels)).toEqual(full);
  });

  it('of a BigTIFF pyramid (8-byte offsets: libvips and GDAL write one on request) are found as a classic TIFF\'s are, and a damaged one throws nothing', async () => {
    const dir = await tempDir();
    const path = join(dir, 'big.tif');
    const full = Buffer.from(Uint8Array.from({ length: 256 * 192 }, (_, i) => (i % 256) ^ ((i >> 8) * 5)));
    await sharp(full, { raw: { width: 256, height: 192, channels: 1 } }).toColourspace('b-w')
      .tiff({ bigtiff: true, pyramid: true, tile: true, tileWidth: 64, tileHeight: 64, compression: 'deflate' }).toFile(path);
    const bytes = await readFile(path);
    expect(bytes.readUInt16LE(2)).toBe(43); // a BigTIFF
    expect(subsidiaryPages(bytes, 3)).toEqual([undefined, 'reduced', 'reduced']);
    const file = await readImageData(path);
    expect(file.pages.map((p) => [p.width, p.height])).toEqual([[256, 192]]);
    expect(Buffer.from(file.pages[0]!.pixels)).toEqual(full);
    expect(file.leftOut?.pages.map((p) => p.page)).toEqual([1, 2]);
    // Cut anywhere, or a byte of its header or first directory (entry counts, types, 8-byte counts and offsets) turned over.
    const ifd = Number(bytes.readBigUInt64LE(8));
    for (let cut = 0; cut < bytes.length; cut += 7) expect(() => tiffPages(bytes.subarray(0, cut), 3)).not.toThrow();
    for (const at of [...Array(16).keys(), ...Array.from({ length: 8 + 20 * 16 }, (_, i) => ifd + i)]) {
      const damaged = Buffer.from(bytes);
      damaged[at] = damaged[at]! ^ 0xff;
      expect(() => tiffPages(damaged, 3)).not.toThrow();
    }
  });

  it('of a document: its pages that are images go in order, each thumbnail and mask left out and named', async () => {
    const dir = await tempDir();
    const path = join(dir, 'scan.tif');
    // Its third page (the second image) WhiteIsZero: read inverted, as such a page is, its place in the file kept.
    await writeFile(path, withWhiteIsZero(tiffOf([page(0), page(100), page(10), page(200)], 8, 8, [2, 3, 2, 4]), 2));
    const file = await readImageData(path);
    expect(file.pages.map((p) => p.pixels[0])).toEqual([0, 255 - 10]);
    expect(file.inverted).toEqual([false, true]);
    expect(file.leftOut?.filePages).toEqual([0, 2]);
    const key = generateSharedKey('Scan');
    const sent = await encryptImageFile(path, { model: await defaultModel(), recipients: [key], outDir: dir, coding: { quality: 'lossless' } });
    expect(sent.warnings).toContain('scan.tif: its page 2 is a reduced-resolution copy of its images (a pyramid\'s levels or a thumbnail, ' +
      'as the file marks them), and its page 4 is a transparency mask of another page, not images of their own, which do not go: the ' +
      'reader gets its 2 full-size pages.');
    const got = await decryptAeimgFile(sent.output, { identities: [key], models: models(), write: false });
    expect(got.images.map((i) => Array.from(i.image.pixels))).toEqual([Array.from(page(0)), Array.from(page(10), (v) => 255 - v)]);
    expect(got.images.map((i) => i.record.metadata?.monochrome1 === true)).toEqual([false, true]);
    // Each named by its page in the file, as the sender's warning names the pages left out.
    expect(got.images.map((i) => i.record.name)).toEqual(['scan.tif#1', 'scan.tif#3']);
  });

  it('where every page is marked a copy, all go, as before: nothing would be left to send', async () => {
    const dir = await tempDir();
    const path = join(dir, 'levels.tif');
    await writeFile(path, tiffOf([page(0), page(50)], 8, 8, [1, 1]));
    const file = await readImageData(path);
    expect(file.pages.map((p) => p.pixels[0])).toEqual([0, 50]);
    expect(file.leftOut).toBeUndefined();
  });
});
