import { writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { AeimgError, ErrorCode } from '../../../src-main/engine/errors.js';
import type { Image } from '../../../src-main/engine/image/image.js';
import { asSent, decodeImage, encodePng, imageHeaderRefusal, readImageData, readImageFile, readImagePages } from '../../../src-main/engine/image/io.js';
import { encodeJpeg } from '../../../scripts/bench/jpeg.js';
import { encryptImageFile } from '../../../src-main/engine/jobs/encrypt.js';
import { generateSharedKey } from '../../../src-main/engine/keys/keyfile.js';
import { defaultModel, FIXTURES, MR_SLICE, phantom, pngClaiming, tempDir, tiffOf } from '../../helpers.js';

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

  it('refuses a JPEG whose image data its decoder finds damaged (it would fill the loss with grey), not one with a harmless warning', async () => {
    const dir = await tempDir();
    const good = await sharp(MR_SLICE).jpeg({ quality: 90 }).toBuffer();
    const damaged = Buffer.from(good);
    for (let i = 800; i < damaged.length - 2; i += 97) damaged[i]! ^= 0x5a;
    await writeFile(join(dir, 'damaged.jpg'), damaged);
    await expect(readImageFile(join(dir, 'damaged.jpg'))).rejects.toThrow(
      /^damaged\.jpg: is a damaged JPEG: its decoder reads "Corrupt JPEG data: [^"]+", .* Export the image again/);
    // Three stray bytes after its APP0 segment: libjpeg warns of them and skips them; the pixels are the file's.
    const app0End = 4 + good.readUInt16BE(4);
    const stray = Buffer.concat([good.subarray(0, app0End), Buffer.from([0x00, 0x12, 0x34]), good.subarray(app0End)]);
    await expect(sharp(stray, { failOn: 'warning' }).raw().toBuffer()).rejects.toThrow(/extraneous bytes before marker/);
    await writeFile(join(dir, 'stray.jpg'), stray);
    await writeFile(join(dir, 'good.jpg'), good);
    const [read, clean] = await Promise.all([readImageFile(join(dir, 'stray.jpg')), readImageFile(join(dir, 'good.jpg'))]);
    expect(Buffer.from(read.pixels).equals(Buffer.from(clean.pixels))).toBe(true);
    // The dry run and the app's list say so before any image is encoded (0.50; before, "will go", then refused).
    expect((await imageHeaderRefusal(join(dir, 'damaged.jpg')))?.message).toMatch(/^is a damaged JPEG: its decoder reads "Corrupt JPEG data: /);
    expect(await imageHeaderRefusal(join(dir, 'stray.jpg'))).toBeUndefined();
  });

  it('a file that says it is a PNG or TIFF but cannot be read is named as such, with why and what to do', async () => {
    const dir = await tempDir();
    const png = join(dir, 'scan.png');
    await writeFile(png, Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(40)]));
    const tif = join(dir, 'lab.tif');
    const tiff = tiffOf([new Uint8Array(16 * 16)], 16, 16);
    tiff.writeUInt16LE(263, 8 + 2 + 4 * 12); // its Photometric Interpretation (5th tag) gone: libtiff requires it
    await writeFile(tif, tiff);
    for (const [path, kind] of [[png, 'PNG'], [tif, 'TIFF']] as const) {
      const err = (await readImageFile(path).catch((e) => e)) as AeimgError;
      expect(err.code).toBe(ErrorCode.BadInput);
      expect(err.message).toMatch(new RegExp(`^${basename(path).replace('.', '\\.')}: is a ${kind} file that could not be read( \\([^\\n]*\\))?; ` +
        'the file may be damaged, or stored in a form aeimg does not read: export the image again as PNG, or send the DICOM file\\.$'));
    }
  });

  it('a valid TIFF in a compression the image library does not read is not called damaged only: export it again', async () => {
    const path = join(await tempDir(), 'lzma.tif');
    const tiff = tiffOf([new Uint8Array(16 * 16).fill(7)], 16, 16);
    tiff.writeUInt16LE(34925, 8 + 10 + 3 * 12); // the first IFD's Compression (its 4th tag): LZMA, which libtiff here lacks
    await writeFile(path, tiff);
    const err = (await readImageFile(path).catch((e) => e)) as AeimgError;
    expect(err.code).toBe(ErrorCode.BadInput);
    expect(err.message).toMatch(/^lzma\.tif: could not be decoded \(.*LZMA.*\); the file may be damaged, or stored in a form aeimg does not read: export the image again as PNG, or send the DICOM file\.$/);
  });

  it('reads every page of a multi-page TIFF, and a single-image reader refuses it by name', async () => {
    const dir = await tempDir();
    const path = join(dir, 'pages.tif');
    const a = phantom(24, 16, 1, 8);
    const b = { ...a, pixels: a.pixels.map((v) => 255 - v) };
    await writeFile(path, tiffOf([a.pixels as Uint8Array, b.pixels as Uint8Array], 24, 16));
    const pages = await readImagePages(path);
    expect(pages.map((p) => Array.from(p.pixels))).toEqual([Array.from(a.pixels), Array.from(b.pixels)]);
    const err = (await readImageFile(path).catch((e) => e)) as AeimgError;
    expect(err.message).toMatch(/^pages\.tif: has 2 pages, and only a single image is read here/);
  });

  it('refuses, before decoding, a multi-page TIFF whose pages hold more than 1 GiB together, as for DICOM frames', async () => {
    const dir = await tempDir();
    const path = join(dir, 'stack.tif');
    // 17 pages whose headers say 8000x8000 (64 MB each); their few data bytes are never read.
    await writeFile(path, tiffOf(Array.from({ length: 17 }, () => new Uint8Array(4)), 8000, 8000));
    const err = (await readImagePages(path).catch((e) => e)) as AeimgError;
    expect(err.code).toBe(ErrorCode.TooLarge);
    expect(err.message).toBe('stack.tif: has 17 pages holding 1.01 GiB of pixels, more than aeimg decodes at once (1 GiB): split it into smaller files.');
  });

  it('applies a JPEG\'s EXIF orientation, so the image is upright as a viewer shows it', async () => {
    const img = phantom(40, 30, 3, 8);
    const jpeg = await sharp(img.pixels, { raw: { width: 40, height: 30, channels: 3 } }).jpeg({ quality: 100 }).withMetadata({ orientation: 6 }).toBuffer();
    const back = await decodeImage(jpeg);
    expect([back.width, back.height, back.channels]).toEqual([30, 40, 3]);
    const upright = await sharp(jpeg).rotate().raw().toBuffer();
    const asStored = await sharp(jpeg).raw().toBuffer();
    expect(Array.from(back.pixels)).toEqual(Array.from(upright));
    expect(Array.from(back.pixels)).not.toEqual(Array.from(asStored));
  });

  it('a JPEG stored turned goes upright, and its sender is told why its own JPEG data does not go (0.49); one stored upright goes as it is', async () => {
    const dir = await tempDir();
    const img = phantom(48, 32, 3, 8);
    const raw = { raw: { width: 48, height: 32, channels: 3 as const } };
    await writeFile(join(dir, 'turned.jpg'), await sharp(img.pixels, raw).jpeg({ quality: 90 }).withMetadata({ orientation: 8 }).toBuffer());
    await writeFile(join(dir, 'upright.jpg'), await sharp(img.pixels, raw).jpeg({ quality: 90 }).toBuffer());
    const opts = { model: await defaultModel(), recipients: [generateSharedKey('Turned')], outDir: dir, measure: false };
    const turned = await encryptImageFile(join(dir, 'turned.jpg'), opts);
    // Before, it went coded by aeimg, larger than its JPEG, without a word of why.
    expect(turned.warnings).toEqual(['turned.jpg is stored turned a quarter clockwise (its EXIF orientation 8), which viewers undo, so it goes upright, ' +
      'as they show it. Its own JPEG data holds it as stored, and the receiver\'s file has no orientation tag to undo, so it cannot go as that data ' +
      '(bit-exact, at the JPEG\'s size): aeimg codes the upright image at the level asked, and its figures are of that image.']);
    expect(turned.coding.kept).toBeUndefined();
    const upright = await encryptImageFile(join(dir, 'upright.jpg'), opts);
    expect([upright.warnings, upright.coding.kept]).toEqual([[], 'JPEG']);
  });

  it('a colour profile other than sRGB: the colours are read as a viewer shows them, and the sender is told how far they moved', async () => {
    const dir = await tempDir();
    const img = phantom(48, 40, 3, 8);
    const raw = { raw: { width: 48, height: 40, channels: 3 as const } };
    await writeFile(join(dir, 'p3.png'), await sharp(img.pixels, raw).withIccProfile('p3').png().toBuffer());
    await writeFile(join(dir, 'srgb.png'), await sharp(img.pixels, raw).withIccProfile('srgb').png().toBuffer());
    await writeFile(join(dir, 'plain.png'), await sharp(img.pixels, raw).png().toBuffer());
    // The file's own values (no conversion) against what a colour-managed viewer shows (converted to sRGB).
    const own = await sharp(join(dir, 'p3.png'), { ignoreIcc: true }).raw().toBuffer();
    const shown = await sharp(join(dir, 'p3.png')).toColourspace('srgb').raw().toBuffer();
    const moved = own.reduce((m, v, i) => Math.max(m, Math.abs(v - shown[i]!)), 0);
    expect(moved).toBeGreaterThan(2); // 7 here; a saturated photo's colours move by ~120
    const p3 = await readImageData(join(dir, 'p3.png'));
    expect(Array.from(p3.pages[0]!.pixels)).toEqual(Array.from(shown));
    expect((await asSent(p3)).shift).toBe(moved);
    for (const name of ['srgb.png', 'plain.png']) expect((await asSent(await readImageData(join(dir, name)))).shift).toBe(0);

    const key = generateSharedKey('Colour');
    const model = await defaultModel();
    const sent = await encryptImageFile(join(dir, 'p3.png'), { model, recipients: [key], outDir: dir, measure: false });
    expect(sent.warnings).toEqual([expect.stringMatching(new RegExp(`^p3\\.png has a colour profile, so its colours were converted to sRGB .* up to ${moved} levels from the file's own values`))]);
    expect((await encryptImageFile(join(dir, 'srgb.png'), { model, recipients: [key], outDir: dir, measure: false })).warnings).toEqual([]);
  });

  it('refuses what the folder filter and the docs do not name (SVG, AVIF; GIF until 0.24), naming the file', async () => {
    const dir = await tempDir();
    const avif = join(dir, 'photo.avif');
    await writeFile(avif, await sharp(phantom(8, 8, 3).pixels, { raw: { width: 8, height: 8, channels: 3 } }).avif().toBuffer());
    const svg = join(dir, 'logo.png');
    await writeFile(svg, '<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"><rect width="8" height="8"/></svg>');
    const said = async (path: string) => ((await readImageFile(path).catch((e) => e)) as AeimgError).message;
    expect(await said(svg)).toMatch(/: is not an image aeimg can read \(PNG, JPEG, TIFF, WebP, BMP, GIF, JPEG 2000 or JPEG-LS expected\)/);
    // Since 0.27 an AVIF (sharp reads it) is named as one, with what to do (image/not-images.ts).
    expect(await said(avif)).toBe('photo.avif: is an AVIF image (a phone\'s or camera\'s photo format), which aeimg does not read: export it as JPEG or PNG.');
  });

  it('reads a GIF as ImageMagick reads it (0.24): a grey one as its grey plane, transparency as alpha, an animation\'s frames whole, as pages', async () => {
    const gif = (name: string) => join(FIXTURES, 'gif', name);
    const [grey] = await readImagePages(gif('grey.gif'));
    const want = await sharp(gif('grey.png')).toColourspace('b-w').raw().toBuffer();
    expect([grey!.channels, Buffer.from(grey!.pixels).equals(want)]).toEqual([1, true]);
    const [clear] = await readImagePages(gif('transparent.gif'));
    expect([clear!.channels, Buffer.from(clear!.pixels).equals(await sharp(gif('transparent.png')).ensureAlpha().raw().toBuffer())]).toEqual([4, true]);
    expect(clear!.pixels.filter((_, i) => i % 4 === 3 && clear!.pixels[i] === 0).length).toBeGreaterThan(0);
    const cine = await readImagePages(gif('cine.gif'));
    expect(cine.map((p) => p.channels)).toEqual([1, 1, 1]);
    for (const [k, page] of cine.entries()) {
      expect(Buffer.from(page.pixels).equals(await sharp(gif(`cine-${k}.png`)).toColourspace('b-w').raw().toBuffer()), `frame ${k + 1}`).toBe(true);
    }
  });
});
