/**
 * Deflated Explicit VR Little Endian (1.2.840.10008.1.2.1.99): inflation is bounded by what the declared image
 * needs, so a small file cannot make the reader allocate a gigabyte.
 */
import { createDeflateRaw } from 'node:zlib';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { readDicomFile } from '../../../src-main/engine/dicom/import.js';
import { AeimgError, ErrorCode } from '../../../src-main/engine/errors.js';
import { DEFAULT_MAX_PIXELS } from '../../../src-main/engine/image/io.js';
import { tempDir } from '../../helpers.js';

const inflated = vi.hoisted(() => [] as number[]);
vi.mock('node:zlib', async (importOriginal) => {
  const zlib = await importOriginal<typeof import('node:zlib')>();
  const inflateRawSync = (buf: Uint8Array, opts?: import('node:zlib').ZlibOptions) => {
    const out = zlib.inflateRawSync(buf, opts);
    inflated.push(out.length);
    return out;
  };
  return { ...zlib, default: { ...zlib, inflateRawSync }, inflateRawSync };
});

const LONG_VR = new Set(['OB', 'OW', 'SQ', 'UN', 'UT']);
function element(group: number, elem: number, vr: string, value: Buffer, length = value.length): Buffer {
  const head = Buffer.alloc(LONG_VR.has(vr) ? 12 : 8);
  head.writeUInt16LE(group, 0);
  head.writeUInt16LE(elem, 2);
  head.write(vr, 4, 'latin1');
  if (LONG_VR.has(vr)) head.writeUInt32LE(length, 8);
  else head.writeUInt16LE(length, 6);
  return Buffer.concat([head, value]);
}
const text = (s: string) => Buffer.from(s.length % 2 ? `${s}\0` : s, 'latin1');
const us = (n: number) => { const b = Buffer.alloc(2); b.writeUInt16LE(n); return b; };

async function deflate(parts: (Buffer | { zeros: number })[]): Promise<Buffer> {
  const z = createDeflateRaw({ level: 9 });
  const out: Buffer[] = [];
  z.on('data', (d: Buffer) => out.push(d));
  const done = new Promise((resolve) => z.on('end', resolve));
  const mib = Buffer.alloc(1 << 20);
  for (const p of parts) {
    if (Buffer.isBuffer(p)) z.write(p);
    else for (let left = p.zeros; left > 0; left -= mib.length) if (!z.write(mib.subarray(0, Math.min(left, mib.length)))) await new Promise((r) => z.once('drain', r));
  }
  z.end();
  await done;
  return Buffer.concat(out);
}

/** A 64x64 8-bit grey Secondary Capture whose Pixel Data holds `pixelBytes` (4096 is what it needs). */
async function deflatedDicom(pixelBytes: number): Promise<Buffer> {
  const syntax = '1.2.840.10008.1.2.1.99';
  const metaBody = Buffer.concat([
    element(2, 1, 'OB', Buffer.from([0, 1])),
    element(2, 2, 'UI', text('1.2.840.10008.5.1.4.1.1.7')),
    element(2, 3, 'UI', text('1.2.3.4.5')),
    element(2, 0x10, 'UI', text(syntax)),
  ]);
  const ul = Buffer.alloc(4);
  ul.writeUInt32LE(metaBody.length);
  const meta = Buffer.concat([Buffer.alloc(128), Buffer.from('DICM'), element(2, 0, 'UL', ul), metaBody]);
  const header = Buffer.concat([
    element(8, 0x16, 'UI', text('1.2.840.10008.5.1.4.1.1.7')),
    element(8, 0x18, 'UI', text('1.2.3.4.5')),
    element(8, 0x60, 'CS', text('OT')),
    element(0x28, 2, 'US', us(1)),
    element(0x28, 4, 'CS', text('MONOCHROME2')),
    element(0x28, 0x10, 'US', us(64)),
    element(0x28, 0x11, 'US', us(64)),
    element(0x28, 0x100, 'US', us(8)),
    element(0x28, 0x101, 'US', us(8)),
    element(0x28, 0x102, 'US', us(7)),
    element(0x28, 0x103, 'US', us(0)),
    element(0x7fe0, 0x10, 'OB', Buffer.alloc(0), pixelBytes),
  ]);
  const ramp = Buffer.from(Array.from({ length: Math.min(pixelBytes, 4096) }, (_, i) => i & 0xff));
  return Buffer.concat([meta, await deflate([header, ramp, { zeros: pixelBytes - ramp.length }])]);
}

describe('Deflated DICOM', () => {
  it('reads a well-formed deflated file exactly', async () => {
    const path = join(await tempDir(), 'ok.dcm');
    await writeFile(path, await deflatedDicom(4096));
    const [frame] = await readDicomFile(path, { maxPixels: DEFAULT_MAX_PIXELS, deidentify: {} });
    expect(frame!.image.width).toBe(64);
    expect(Array.from(frame!.image.pixels.subarray(250, 260))).toEqual([250, 251, 252, 253, 254, 255, 0, 1, 2, 3]);
  });

  it('refuses a deflate bomb by name before inflating beyond what its 64x64 image needs', async () => {
    const path = join(await tempDir(), 'bomb.dcm');
    const bomb = await deflatedDicom(300 << 20); // 300 MiB of Pixel Data for a 4 KiB image
    expect(bomb.length).toBeLessThan(1 << 20);
    await writeFile(path, bomb);
    inflated.length = 0;
    const err = await readDicomFile(path, { maxPixels: DEFAULT_MAX_PIXELS, deidentify: {} }).catch((e) => e);
    expect(err).toBeInstanceOf(AeimgError);
    expect(err.code).toBe(ErrorCode.TooLarge);
    expect(err.message).toMatch(/^bomb\.dcm: .*inflates to more than its 64x64 image needs.*decompression bomb/);
    expect(Math.max(0, ...inflated)).toBeLessThan(4 << 20);
  });
});
