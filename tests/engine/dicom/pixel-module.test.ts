/**
 * Uncompressed Pixel Data longer than the header's rows, columns and frames take: the rest is not read, so the sender
 * is told that it does not go (0.46; before, a file whose header gave half its rows went "bit-exact" without a word).
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DataSet } from 'dicom-parser';
import { describe, expect, it } from 'vitest';
import { unusedPixelBytes } from '../../../src-main/engine/dicom/pixel-module.js';
import { encryptImageFile } from '../../../src-main/engine/jobs/encrypt.js';
import { generateSharedKey } from '../../../src-main/engine/keys/keyfile.js';
import { defaultModel, FIXTURES, tempDir } from '../../helpers.js';

const DCMODIFY = ['/usr/bin/dcmodify'].find(existsSync);
const key = generateSharedKey('Pixel Data');

describe('Pixel Data past the frames its header gives', () => {
  it('is counted past the pad byte of an odd length, and only past it', () => {
    const grey3x3 = { rows: 3, columns: 3, frames: 1, samplesPerPixel: 1, bitsAllocated: 8, photometric: 'MONOCHROME2' };
    const dataset = (length: number) => ({ elements: { x7fe00010: { length, dataOffset: 0 } }, byteArray: new Uint8Array(length) }) as unknown as DataSet;
    expect([9, 10, 12, 18].map((n) => unusedPixelBytes(dataset(n), grey3x3))).toEqual([0, 0, 2, 8]);
    expect(unusedPixelBytes(dataset(8), grey3x3)).toBe(0); // too short is refused elsewhere (truncatedPixels)
  });

  it.skipIf(!DCMODIFY)('is named to the sender: its bytes and as many frames, which do not go; a file whose data fits is not', { timeout: 60_000 }, async () => {
    const dir = await tempDir();
    const mr = join(FIXTURES, 'dicom', 'mr_small_explicit_le.dcm'); // 64x64, 16-bit: 8,192 bytes
    const half = join(dir, 'half.dcm');
    await copyFile(mr, half);
    execFileSync(DCMODIFY!, ['-nb', '-m', '(0028,0010)=32', half], { stdio: 'ignore' });
    const model = await defaultModel();
    const said = async (input: string) => {
      const r = await encryptImageFile(input, { model, recipients: [key], outDir: dir });
      return { size: [r.width, r.height], warnings: r.warnings.filter((w) => w.includes('Pixel Data past')) };
    };
    expect(await said(half)).toEqual({ size: [64, 32], warnings: ['half.dcm holds 4,096 bytes of Pixel Data past the 1 frame of 64x32 its header ' +
      'gives: that data, as much as 1 more frame of its size, does not go, and its reader will not see it. Its header may give too few frames or ' +
      'rows (a writer\'s error): look at the image before sending, or export it again.'] });
    expect((await said(mr)).warnings).toEqual([]);
  });
});
