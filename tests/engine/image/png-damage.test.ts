/**
 * A PNG whose bytes changed after it was written: refused as damaged, naming what (a chunk's checksum, its image data),
 * before any image is encoded where its checksums tell, not as libpng's "read error" nor as the size a changed header
 * claims; a changed checksum of its empty end chunk harms no pixel and goes.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { imageHeaderRefusal, readImageData } from '../../../src-main/engine/image/io.js';
import { tempDir } from '../../helpers.js';

const TO_DO = ', so its pixels cannot be read as they were. Copy it again from where it came from, or export the image again (as PNG), or send the DICOM file.';

describe('a damaged PNG (0.49)', () => {
  it('is named damaged, and where, by the run and before it starts; a changed end checksum reads as before', async () => {
    const dir = await tempDir();
    const png = await sharp({ create: { width: 120, height: 90, channels: 3, background: '#000', noise: { type: 'gaussian', mean: 128, sigma: 40 } } }).png().toBuffer();
    const idat = png.indexOf('IDAT') - 4; // its length field
    const changed = (edit: (b: Buffer) => void) => { const b = Buffer.from(png); edit(b); return b; };
    const withCrc = (b: Buffer, at: number) => b.writeUInt32BE(crc32(b.subarray(at + 4, at + 8 + b.readUInt32BE(at))) >>> 0, at + 8 + b.readUInt32BE(at));
    const files = {
      'idat.png': changed((b) => { b[idat + 300]! ^= 0x10; }), // a bit flipped in a copy
      'width.png': changed((b) => { b[18]! ^= 0x01; }), // IHDR's width 65,656 wider: "too large" before
      'stream.png': changed((b) => { for (let i = 200; i < 260; i++) b[idat + i]! ^= 0x5a; withCrc(b, idat); }), // a writer's bad data, checksummed
      'end.png': changed((b) => { b[b.length - 1]! ^= 0x01; }),
    };
    for (const [name, data] of Object.entries(files)) await writeFile(join(dir, name), data);
    const read = (name: string) => readImageData(join(dir, name)).then((f) => f, (e: Error) => e.message);
    const before = async (name: string) => (await imageHeaderRefusal(join(dir, name)))?.message;

    const idatWords = `is a damaged PNG: its IDAT chunk at byte ${idat} does not match its checksum (CRC): bytes were changed after it was written${TO_DO}`;
    expect(await read('idat.png')).toBe(`idat.png: ${idatWords}`); // before: "could not be decoded (vipspng: libpng read error)"
    expect(await before('idat.png')).toBe(idatWords);
    const widthWords = `is a damaged PNG: its IHDR chunk at byte 8 does not match its checksum (CRC): bytes were changed after it was written${TO_DO}`;
    expect(await read('width.png')).toBe(`width.png: ${widthWords}`);
    expect(await before('width.png')).toBe(widthWords);
    // Its checksums match: found as it is decoded, and before the run from its first page decoded (0.50; before, the
    // dry run said it would go).
    expect(await read('stream.png')).toMatch(/^stream\.png: is a damaged PNG: its image data does not decompress \(.+\), so its pixels/);
    expect(await before('stream.png')).toBe((await read('stream.png') as string).replace(/^stream\.png: /, ''));

    const end = await read('end.png');
    expect(typeof end === 'string' ? end : Buffer.from(end.pages[0]!.pixels).equals(await sharp(png).raw().toBuffer())).toBe(true);
    expect(await before('end.png')).toBeUndefined();
  });
});
