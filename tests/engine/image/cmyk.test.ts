/**
 * A CMYK image file (print colours: a TIFF or JPEG from a publishing or scanning workflow) goes as the RGB image viewers
 * show, 8 bits a channel, and its sender is told so (0.37): before, nothing was said, and a 16-bit one went as 16-bit
 * samples holding 256 levels, "bit-exact" to a conversion that kept 8 bits of the file's 16.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { readImageFile } from '../../../src-main/engine/image/io.js';
import { encodeImageFile, encryptImageFile } from '../../../src-main/engine/jobs/encrypt.js';
import { SenderPreviews } from '../../../src-main/engine/jobs/preview.js';
import { decryptAeimgFile } from '../../../src-main/engine/jobs/decrypt.js';
import { receivedSummary } from '../../../src-main/engine/jobs/view.js';
import { generateSharedKey } from '../../../src-main/engine/keys/keyfile.js';
import { cmykTiffOf } from '../../../scripts/fuzz/tiff.js';
import { defaultModel, models, tempDir } from '../../helpers.js';

const W = 40, H = 30;
/** Every channel a ramp of its own over the whole 16-bit range. */
const cmyk16 = Uint16Array.from({ length: W * H * 4 }, (_, i) => (Math.floor(i / 4) * (i % 4 + 3) * 211) % 65536);

describe('a CMYK image file', () => {
  it('is read as the 8-bit RGB image viewers show, a 16-bit one too (its conversion keeps 8 bits), and its sender is told', async () => {
    const dir = await tempDir();
    const path = join(dir, 'print.tif');
    await writeFile(path, cmykTiffOf(cmyk16, W, H));
    const image = await readImageFile(path);
    expect([image.channels, image.bitDepth]).toEqual([3, 8]);
    // The colours a viewer shows (libvips' conversion at 16 bits, to 8): the same within a level.
    const shown16 = await sharp(path).toColourspace('rgb16').raw({ depth: 'ushort' }).toBuffer();
    const levels = new Uint16Array(shown16.buffer, shown16.byteOffset, shown16.length / 2);
    expect(new Set(levels).size).toBeLessThanOrEqual(256); // why 8 bits: the 16-bit conversion holds no more
    expect(Array.from(image.pixels).reduce((m, v, i) => Math.max(m, Math.abs(v - levels[i]! / 257)), 0)).toBeLessThanOrEqual(1);

    const key = generateSharedKey('Print');
    const model = await defaultModel();
    const sent = await encryptImageFile(path, { model, recipients: [key], outDir: dir, coding: { quality: 'lossless' } });
    expect(sent.bitDepth).toBe(8);
    // The sender's preview says it before sending, in the same words.
    const preview = await new SenderPreviews((task) => encodeImageFile(model, task)).preview({ path, coding: { quality: 'lossless' }, deidentify: null, frame: 0 });
    expect(preview.warnings).toEqual(sent.warnings);
    // Its reader is told what the figures are of, as its sender is (0.48; before, "bit-exact" alone).
    const received = (await decryptAeimgFile(sent.output, { identities: [key], models: models(), write: false })).images[0]!.record;
    expect(receivedSummary(received).text).toBe('bit-exact; the sender\'s file was a CMYK image (print colours), converted to RGB as image viewers show it: the figures are of that RGB image');
    expect(sent.warnings).toEqual([expect.stringMatching(/^print\.tif is a CMYK image \(print colours\), so its colours were converted to RGB as image viewers show them .*8 bits a channel: what is sent, and what its figures \(bit-exact, within ±N\) compare with, is that RGB image.*the file's own CMYK values are not kept\.$/)]);
  });

  it('a CMYK JPEG is told the same; an RGB one is not', async () => {
    const dir = await tempDir();
    const rgb = Buffer.from(Uint8Array.from({ length: W * H * 3 }, (_, i) => (i * 37) % 256));
    await writeFile(join(dir, 'print.jpg'), await sharp(rgb, { raw: { width: W, height: H, channels: 3 } }).toColourspace('cmyk').jpeg().toBuffer());
    await writeFile(join(dir, 'photo.jpg'), await sharp(rgb, { raw: { width: W, height: H, channels: 3 } }).jpeg().toBuffer());
    const key = generateSharedKey('Print');
    const model = await defaultModel();
    const print = await encryptImageFile(join(dir, 'print.jpg'), { model, recipients: [key], outDir: dir });
    const photo = await encryptImageFile(join(dir, 'photo.jpg'), { model, recipients: [key], outDir: dir });
    expect(print.warnings.filter((w) => w.includes('is a CMYK image'))).toHaveLength(1);
    expect(photo.warnings.filter((w) => w.includes('CMYK'))).toEqual([]);
  });
});
