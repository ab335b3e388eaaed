/**
 * A PNG or JPEG copy cut short: named from its structure before any pixel is decoded (the dry run, the app's list, a
 * study), in the words its reader uses when it meets the file; a file that decodes is never refused so.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { cutShortImage } from '../../../src-main/engine/image/cut-short.js';
import { imageHeaderRefusal, readImageData } from '../../../src-main/engine/image/io.js';
import { listInputs } from '../../../src-main/engine/jobs/files.js';
import { MR_SLICE, tempDir } from '../../helpers.js';

const CUT = /^is truncated: the file ends inside its (PNG|JPEG) image data\. This copy is incomplete: copy it again, or export the image again\.$/;

/** An APP1 segment holding a thumbnail's SOI … EOI, as a camera's or scanner's EXIF block does. */
const THUMBNAIL_APP1 = Buffer.from([0xff, 0xe1, 0x00, 0x0e, 0x45, 0x78, 0x69, 0x66, 0, 0, 0xff, 0xd8, 0xff, 0xd9, 0, 0]);

describe('a PNG or JPEG file cut short', () => {
  it.each([
    ['PNG', async () => readFileSync(MR_SLICE)],
    ['baseline JPEG', async () => sharp(MR_SLICE).jpeg({ quality: 90 }).toBuffer()],
    ['progressive JPEG', async () => sharp(MR_SLICE).jpeg({ quality: 90, progressive: true }).toBuffer()],
    ['JPEG with a thumbnail in its EXIF block', async () => {
      const jpeg = await sharp(MR_SLICE).jpeg({ quality: 90 }).toBuffer();
      return Buffer.concat([jpeg.subarray(0, 2), THUMBNAIL_APP1, jpeg.subarray(2)]);
    }],
  ])('%s: whole, read; cut anywhere in its image data, named from its structure and by its reader alike', async (_, make) => {
    const dir = await tempDir();
    const whole = await make();
    expect(cutShortImage(whole)).toBeUndefined();
    for (const keep of [0.3, 0.6, 0.95]) {
      const cut = join(dir, `cut-${keep}`);
      writeFileSync(cut, whole.subarray(0, Math.floor(whole.length * keep)));
      const refusal = await imageHeaderRefusal(cut);
      expect(refusal?.message, `${keep}`).toMatch(CUT);
      await expect(readImageData(cut)).rejects.toThrow(`cut-${keep}: ${refusal!.message}`);
    }
  });

  it('a JPEG missing only its End Of Image marker is cut short too (its decoder stops at it); one with bytes after the marker is whole', async () => {
    const dir = await tempDir();
    const jpeg = await sharp(MR_SLICE).jpeg({ quality: 90 }).toBuffer();
    const noEnd = join(dir, 'no-end.jpg'), padded = join(dir, 'padded.jpg');
    writeFileSync(noEnd, jpeg.subarray(0, -2));
    writeFileSync(padded, Buffer.concat([jpeg, Buffer.alloc(100)]));
    expect((await imageHeaderRefusal(noEnd))?.message).toMatch(CUT);
    await expect(readImageData(noEnd)).rejects.toThrow(CUT.source.slice(1, 30));
    expect(await imageHeaderRefusal(padded)).toBeUndefined();
    expect((await readImageData(padded)).pages).toHaveLength(1);
  });

  it('a PNG that ends after its image data, without its closing IEND chunk, is read, not refused', async () => {
    const dir = await tempDir();
    const png = readFileSync(MR_SLICE);
    const noEnd = join(dir, 'no-iend.png');
    writeFileSync(noEnd, png.subarray(0, -12));
    expect(await imageHeaderRefusal(noEnd)).toBeUndefined();
    const [a] = (await readImageData(MR_SLICE)).pages;
    const [b] = (await readImageData(noEnd)).pages;
    expect(Buffer.from(b!.pixels.buffer).equals(Buffer.from(a!.pixels.buffer))).toBe(true);
  });

  it("the app's list marks a cut image as it is dropped, and one over the pixel limit says so before it is decoded", async () => {
    const dir = await tempDir();
    const png = readFileSync(MR_SLICE);
    writeFileSync(join(dir, 'whole.png'), png);
    writeFileSync(join(dir, 'cut.png'), png.subarray(0, png.length >> 1));
    const listed = await listInputs([dir]);
    expect(listed.map((f) => [f.name, f.refusal])).toEqual([['cut.png', expect.stringMatching(CUT)], ['whole.png', undefined]]);
    const big = await imageHeaderRefusal(join(dir, 'whole.png'), 256 * 255);
    expect(big?.message).toMatch(/^is 256x256 pixels \(0\.066 MP\), over the limit of 0\.065 MP\.$/);
    expect(big?.remedy).toBe('raise-pixel-limit');
  });
});
