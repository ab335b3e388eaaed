import { describe, expect, it } from 'vitest';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { decodeBmp, isBmp } from '../../../src-main/engine/image/bmp.js';
import { copyFile, mkdir } from 'node:fs/promises';
import { decodeImage, readImagePages } from '../../../src-main/engine/image/io.js';
import { decryptAeimgFile } from '../../../src-main/engine/jobs/decrypt.js';
import { encryptImageFile } from '../../../src-main/engine/jobs/encrypt.js';
import { generateSharedKey } from '../../../src-main/engine/keys/keyfile.js';
import { defaultModel, FIXTURES, models, tempDir } from '../../helpers.js';

const BMP = join(FIXTURES, 'bmp');

/** A PNG's samples as sharp decodes them: ImageMagick's reading of the BMP of that name (tests/fixtures/LICENSE.md). */
async function pngSamples(name: string, channels: 1 | 3 | 4) {
  const { data, info } = await sharp(join(BMP, name)).toColourspace(channels === 1 ? 'b-w' : 'srgb').ensureAlpha(channels === 4 ? 1 : undefined as never)
    .raw().toBuffer({ resolveWithObject: true });
  const n = info.width * info.height;
  const out = new Uint8Array(n * channels);
  for (let i = 0; i < n; i++) for (let c = 0; c < channels; c++) out[i * channels + c] = data[i * info.channels + c]!;
  return { width: info.width, height: info.height, pixels: out };
}

/** A BMP written here, field by field (BITMAPINFOHEADER unless `header` is given), so each layout is tested alone. */
function bmp(o: { width: number; height: number; bpp: number; compression?: number; palette?: number[][]; masks?: number[]; header?: number; rows: number[][] }): Buffer {
  const header = o.header ?? 40;
  const masks = o.masks && header === 40 ? o.masks.length * 4 : 0;
  const palette = (o.palette?.length ?? 0) * 4;
  const pixels = Buffer.concat(o.rows.map((r) => Buffer.from(r)));
  const start = 14 + header + masks + palette;
  const b = Buffer.alloc(start + pixels.length);
  b.write('BM', 0, 'latin1');
  b.writeUInt32LE(b.length, 2);
  b.writeUInt32LE(start, 10);
  b.writeUInt32LE(header, 14);
  b.writeInt32LE(o.width, 18);
  b.writeInt32LE(o.height, 22);
  b.writeUInt16LE(1, 26);
  b.writeUInt16LE(o.bpp, 28);
  b.writeUInt32LE(o.compression ?? 0, 30);
  b.writeUInt32LE(o.palette?.length ?? 0, 46);
  (o.masks ?? []).forEach((m, i) => b.writeUInt32LE(m >>> 0, 54 + 4 * i)); // after a 40-byte header, or inside a V4/V5 one
  (o.palette ?? []).forEach(([r, g, bl], i) => b.set([bl!, g!, r!, 0], 14 + header + masks + 4 * i));
  pixels.copy(b, start);
  return b;
}

describe('BMP images (DICOM viewers\' exports)', () => {
  it('reads what ImageMagick writes as ImageMagick reads it: 8-bit palette, RLE8 and 24-bit grey as one grey plane; 24-bit colour, 4-bit palette, 32-bit with alpha', async () => {
    for (const [name, channels] of [['grey8', 1], ['grey-rle8', 1], ['grey24', 1], ['rgb24', 3], ['pal4', 3], ['rgba32', 4]] as const) {
      const want = await pngSamples(`${name}.png`, channels);
      const [image] = await readImagePages(join(BMP, `${name}.bmp`));
      expect([image!.width, image!.height, image!.channels, image!.bitDepth], name).toEqual([want.width, want.height, channels, 8]);
      expect(Buffer.from(image!.pixels).equals(Buffer.from(want.pixels)), name).toBe(true);
    }
    // Its alpha is the file's: half transparent throughout.
    const [withAlpha] = await readImagePages(join(BMP, 'rgba32.bmp'));
    expect(new Set(Array.from({ length: withAlpha!.width * withAlpha!.height }, (_, i) => withAlpha!.pixels[4 * i + 3]))).toEqual(new Set([128]));
  });

  it('a grey BMP export goes as a grey image and arrives as a PNG within what the sender is told (±1 at the default), its name kept', async () => {
    const dir = await tempDir();
    await copyFile(join(BMP, 'grey8.bmp'), join(dir, 'CT head.bmp'));
    const key = generateSharedKey('Radiology A');
    const enc = await encryptImageFile(join(dir, 'CT head.bmp'), { model: await defaultModel(), recipients: [key] });
    expect(enc.output).toBe(join(dir, 'CT head.aeimg'));
    await mkdir(join(dir, 'out'));
    const dec = await decryptAeimgFile(enc.output, { identities: [key], models: models(), outDir: join(dir, 'out') });
    expect(dec.images[0]!.output).toBe(join(dir, 'out', 'CT head.png'));
    const got = await decodeImage(await readFile(dec.images[0]!.output!));
    const [sent] = await readImagePages(join(BMP, 'grey8.bmp'));
    expect([got.channels, got.bitDepth]).toEqual([1, 8]);
    expect(Math.max(...got.pixels.map((v, i) => Math.abs(v - sent!.pixels[i]!)))).toBeLessThanOrEqual(1);
  });

  it('reads each layout as the format defines it: bottom-up and top-down rows, 1-bit, 16-bit 5-6-5 fields, a 32-bit pixel\'s unused byte, RLE deltas', () => {
    const two = [[0, 0, 0], [255, 255, 255]];
    // 1-bit, 3 x 2, bottom-up: the file's first row is the image's last. Rows padded to 4 bytes.
    const oneBit = decodeBmp(bmp({ width: 3, height: 2, bpp: 1, palette: two, rows: [[0b10100000, 0, 0, 0], [0b01000000, 0, 0, 0]] }), 1e6);
    expect([oneBit.channels, [...oneBit.pixels]]).toEqual([1, [0, 255, 0, 255, 0, 255]]);
    // The same rows top-down (a negative height): in the file's order.
    const topDown = decodeBmp(bmp({ width: 3, height: -2, bpp: 1, palette: two, rows: [[0b10100000, 0, 0, 0], [0b01000000, 0, 0, 0]] }), 1e6);
    expect([...topDown.pixels]).toEqual([255, 0, 255, 0, 255, 0]);
    // 16-bit 5-6-5 bit fields: full red, full green, mid blue (15 of 31 → 123).
    const rgb565 = decodeBmp(bmp({ width: 3, height: 1, bpp: 16, compression: 3, masks: [0xf800, 0x07e0, 0x001f], rows: [[0x00, 0xf8, 0xe0, 0x07, 0x0f, 0x00, 0, 0]] }), 1e6);
    expect([rgb565.channels, [...rgb565.pixels]]).toEqual([3, [255, 0, 0, 0, 255, 0, 0, 0, 123]]);
    // 32-bit BI_RGB: the fourth byte is unused (writers leave 0), not a transparent alpha.
    const bgrx = decodeBmp(bmp({ width: 2, height: 1, bpp: 32, rows: [[10, 20, 30, 0, 40, 50, 60, 0]] }), 1e6);
    expect([bgrx.channels, [...bgrx.pixels]]).toEqual([3, [30, 20, 10, 60, 50, 40]]);
    // RLE8: a run of 3, end of line, a delta of one pixel right, a literal run of 3 (padded to a word), end of bitmap;
    // skipped pixels take palette entry 0.
    const grey = Array.from({ length: 256 }, (_, i) => [i, i, i]);
    const rle = decodeBmp(bmp({ width: 4, height: 2, bpp: 8, compression: 1, palette: grey, rows: [[3, 9, 0, 0, 0, 2, 1, 0, 0, 3, 7, 8, 9, 0, 0, 1]] }), 1e6);
    expect([...rle.pixels]).toEqual([0, 7, 8, 9, 9, 9, 9, 0]); // bottom-up: the first row written is the last shown
    // 2-bit (Windows CE's palettes of four), 5 pixels in two bytes: 0, 1, 2, 3, then 2.
    const four = [[0, 0, 0], [85, 85, 85], [170, 170, 170], [255, 255, 255]];
    const twoBit = decodeBmp(bmp({ width: 5, height: 1, bpp: 2, palette: four, rows: [[0b00011011, 0b10000000, 0, 0]] }), 1e6);
    expect([twoBit.channels, [...twoBit.pixels]]).toEqual([1, [0, 85, 170, 255, 170]]);
  });

  it('reads pixels where they are, not a palette\'s bytes as a picture: an offset that leaves out the palette is read past it; one inside the header or a given palette is damage', () => {
    const grey = Array.from({ length: 16 }, (_, i) => [i * 17, i * 17, i * 17]);
    const rows = [[0x01, 0x23, 0, 0], [0x45, 0x67, 0, 0]];
    const right = bmp({ width: 4, height: 2, bpp: 4, palette: grey, rows });
    const at = (offset: number) => { const b = Buffer.from(right); b.writeUInt32LE(offset, 10); return b; };
    const picture = [...decodeBmp(right, 1e6).pixels];
    expect(picture).toEqual([68, 85, 102, 119, 0, 17, 34, 51]);
    // A writer that counted the header only (54): the pixels follow the palette, as Pillow reads such a file.
    expect([...decodeBmp(at(54), 1e6).pixels]).toEqual(picture);
    expect([...decodeBmp(at(0), 1e6).pixels]).toEqual(picture); // no offset given
    expect(() => decodeBmp(at(30), 1e6)).toThrow(/is a BMP file that could not be read \(its pixels would begin at byte 30, inside its 54-byte header\)/);
    expect(() => decodeBmp(at(70), 1e6)).toThrow(/its pixels would begin at byte 70, inside its palette of 16 colours, which ends at byte 118/);
  });

  it('reads the BMP Suite\'s layouts of one picture alike: OS/2 header, top-down rows, RLE4; 5-6-5 as the suite\'s reference; a 32-bit pixel\'s fourth byte is not alpha', async () => {
    const suite = (name: string) => readImagePages(join(BMP, 'suite', name)).then(([image]) => image!);
    const same = (a: { pixels: ArrayLike<number> }, b: { pixels: ArrayLike<number> }) => Buffer.from(a.pixels as Uint8Array).equals(Buffer.from(b.pixels as Uint8Array));
    const pal8 = await suite('pal8.bmp');
    for (const name of ['pal8os2.bmp', 'pal8topdown.bmp']) expect(same(await suite(name), pal8), name).toBe(true);
    expect(same(await suite('pal4rle.bmp'), await suite('pal4.bmp'))).toBe(true);
    const reference = await sharp(join(BMP, 'suite', 'rgb16-565.png')).removeAlpha().raw().toBuffer();
    expect(same(await suite('rgb16-565.bmp'), { pixels: reference })).toBe(true);
    const fake = await suite('rgb32fakealpha.bmp');
    expect([fake.channels, same(fake, await suite('rgb24.bmp'))]).toEqual([3, true]);
  });

  it('refuses by name what it cannot read, and a damaged or huge file before decoding it; no file is taken for a BMP by its first two bytes alone', async () => {
    const dir = await tempDir();
    const good = await readFile(join(BMP, 'grey8.bmp'));
    const cases: [string, Buffer, RegExp][] = [
      ['cut.bmp', good.subarray(0, 2000), /cut\.bmp: is a BMP file that could not be read \(its pixels are cut off: 47 rows of 64 bytes need 3008, it holds \d+\)/],
      ['png-inside.bmp', bmp({ width: 4, height: 4, bpp: 0, compression: 5, rows: [[1, 2, 3]] }), /png-inside\.bmp: is a BMP file holding a PNG image, which aeimg does not read: export the image again as PNG/],
      ['huge.bmp', bmp({ width: 60000, height: 60000, bpp: 24, rows: [[0, 0, 0, 0]] }), /huge\.bmp: is 60000x60000 pixels \(3600\.0 MP\), over the limit of 67\.1 MP/],
    ];
    for (const [name, bytes, message] of cases) {
      await writeFile(join(dir, name), bytes);
      await expect(readImagePages(join(dir, name))).rejects.toThrow(message);
    }
    expect(isBmp(Buffer.from('BM this is a text file'))).toBe(false);
    await writeFile(join(dir, 'note.bmp'), 'BM this is a text file, not a bitmap');
    await expect(readImagePages(join(dir, 'note.bmp'))).rejects.toThrow(/note\.bmp: is not an image aeimg can read \(PNG, JPEG, TIFF, WebP, BMP, GIF, JPEG 2000 or JPEG-LS expected\)/);
  });
});
