/**
 * A PNG or JPEG copy cut short: named before any image is encoded (the dry run, the app's list, a study), in the words
 * its reader uses when it meets the file; a file its reader reads is never refused so.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { endsEarly } from '../../../src-main/engine/image/cut-short.js';
import { imageHeaderRefusal, readImageData } from '../../../src-main/engine/image/io.js';
import { listInputs } from '../../../src-main/engine/jobs/files.js';
import { MR_SLICE, tempDir } from '../../helpers.js';

const CUT = /^is truncated: the file ends inside its (PNG|JPEG) image data\. This copy is incomplete: copy it again, or export the image again\.$/;

/** An APP1 segment holding a thumbnail's SOI … EOI, as a camera's or scanner's EXIF block does. */
const THUMBNAIL_APP1 = Buffer.from([0xff, 0xe1, 0x00, 0x0e, 0x45, 0x78, 0x69, 0x66, 0, 0, 0xff, 0xd8, 0xff, 0xd9, 0, 0]);

/** A grey PNG whose image data is split over IDAT chunks of at most `chunk` bytes, and where each chunk starts. */
function pngOfChunks(chunk: number): { png: Buffer; idatStarts: number[] } {
  const w = 96, h = 64;
  const rows = Array.from({ length: h }, (_, y) => Buffer.from([0, ...Array.from({ length: w }, (_, x) => (x * y * 7 + y) & 255)]));
  const z = deflateSync(Buffer.concat(rows));
  const part = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const length = Buffer.alloc(4), crc = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    crc.writeUInt32BE(crc32(body) >>> 0);
    return Buffer.concat([length, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0); ihdr.writeUInt32BE(h, 4); ihdr[8] = 8;
  const parts = [Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), part('IHDR', ihdr)];
  const idatStarts: number[] = [];
  for (let at = 0; at < z.length; at += chunk) {
    idatStarts.push(Buffer.concat(parts).length);
    parts.push(part('IDAT', z.subarray(at, at + chunk)));
  }
  parts.push(part('IEND', Buffer.alloc(0)));
  return { png: Buffer.concat(parts), idatStarts };
}

/** JPEGs of other content: libjpeg reads some of them without their End Of Image marker, not others. */
async function patternJpegs(): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for (const [w, h, f] of [[64, 48, 37], [64, 48, 11], [96, 64, 5], [40, 40, 101]] as const) {
    const raw = Buffer.from(Array.from({ length: w * h * 3 }, (_, i) => (i * f) & 255));
    for (const quality of [75, 90, 100]) out.push(await sharp(raw, { raw: { width: w, height: h, channels: 3 } }).jpeg({ quality }).toBuffer());
  }
  return out;
}

describe('a PNG or JPEG file cut short', () => {
  it('is refused by the check exactly where its reader refuses it, in the same words, wherever the cut falls', async () => {
    const dir = await tempDir();
    const jpeg = await sharp(MR_SLICE).jpeg({ quality: 90 }).toBuffer();
    const { png, idatStarts } = pngOfChunks(1000);
    const files: [string, Buffer][] = [
      ['png', readFileSync(MR_SLICE)], ['png-idats', png],
      ['jpeg', jpeg], ['progressive', await sharp(MR_SLICE).jpeg({ quality: 90, progressive: true }).toBuffer()],
      ['thumbnail', Buffer.concat([jpeg.subarray(0, 2), THUMBNAIL_APP1, jpeg.subarray(2)])],
      ...(await patternJpegs()).map((b, k): [string, Buffer] => [`pattern${k}`, b]),
    ];
    let refused = 0, read = 0;
    for (const [name, whole] of files) {
      const ends = [0.3, 0.6, 0.95].map((f) => Math.floor(whole.length * f));
      ends.push(whole.length - 2, whole.length - 1); // a JPEG's End Of Image marker, a PNG's last CRC byte
      if (name === 'png-idats') ends.push(...idatStarts.slice(1), idatStarts[2]! - 2); // between two IDATs; in a CRC
      if (name === 'png') ends.push(whole.length - 12); // before IEND only: its image is whole
      for (const end of ends) {
        const path = join(dir, `${name}-${end}`);
        writeFileSync(path, whole.subarray(0, end));
        const refusal = await imageHeaderRefusal(path);
        const reader = await readImageData(path).then(() => undefined, (e: Error) => e.message);
        expect(refusal?.message, `${name} cut at ${end}: the check`).toEqual(reader?.replace(`${name}-${end}: `, ''));
        if (refusal) { expect(refusal.message).toMatch(CUT); refused++; } else read++;
      }
    }
    // Both sides are reached: cut files refused, and files whose image survives the cut read.
    expect(refused).toBeGreaterThan(40);
    expect(read).toBeGreaterThan(0);
  });

  it('a whole file is never taken for one cut short: a thumbnail\'s marker, bytes after the end, a PNG without IEND', async () => {
    const jpeg = await sharp(MR_SLICE).jpeg({ quality: 90 }).toBuffer();
    expect(endsEarly(jpeg)).toBeUndefined();
    expect(endsEarly(Buffer.concat([jpeg.subarray(0, 2), THUMBNAIL_APP1, jpeg.subarray(2)]))).toBeUndefined();
    expect(endsEarly(Buffer.concat([jpeg, Buffer.alloc(100)]))).toBeUndefined();
    expect(endsEarly(readFileSync(MR_SLICE))).toBeUndefined();
    // Cut before its image's end marker, a thumbnail's does not count.
    expect(endsEarly(Buffer.concat([jpeg.subarray(0, 2), THUMBNAIL_APP1, jpeg.subarray(2, -2)]))).toBe('JPEG');
  });

  it('a whole JPEG without an image (tables only, as a codec\'s test streams are) is not called cut short: its reader says what it is', async () => {
    const jpeg = await sharp(MR_SLICE).jpeg({ quality: 90 }).toBuffer();
    const sof = jpeg.indexOf(Buffer.from([0xff, 0xc0]));
    const tablesOnly = Buffer.concat([jpeg.subarray(0, sof), Buffer.from([0xff, 0xd9])]); // SOI, its APP0 and DQT, EOI
    expect(endsEarly(tablesOnly)).toBeUndefined();
    const dir = await tempDir();
    const file = join(dir, 'tables.jpg');
    writeFileSync(file, tablesOnly);
    const refusal = await imageHeaderRefusal(file, 40e6);
    const read = await readImageData(file).then(() => null, (e: Error) => e.message);
    expect(read).not.toBeNull();
    expect(read).not.toMatch(/truncated/);
    expect(refusal?.message ?? null).not.toMatch(/truncated/);
    // Cut before the end marker it is still a copy cut short.
    expect(endsEarly(tablesOnly.subarray(0, -2))).toBe('JPEG');
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
    // A file too large to read whole for the check (an uncompressed scan) is checked from its header.
    const scan = join(dir, 'scan.tif');
    await sharp(Buffer.alloc(4000 * 3000 * 3, 128), { raw: { width: 4000, height: 3000, channels: 3 } }).tiff({ compression: 'none' }).toFile(scan);
    expect((await imageHeaderRefusal(scan, 10_000_000))?.message).toMatch(/^is 4000x3000 pixels \(12\.0 MP\), over the limit of 10\.0 MP\.$/);
    expect(await imageHeaderRefusal(scan)).toBeUndefined();
  });
});
