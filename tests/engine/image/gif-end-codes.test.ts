/**
 * A GIF whose image data ends without its End Of Information code is read whole, as a browser shows it (0.30). Before,
 * the image library left out the pixels of each frame's last code: the last pixel of this 16x16 grey ramp came out black.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { gifWithEndCodes } from '../../../src-main/engine/image/gif-end-codes.js';
import { readImagePages } from '../../../src-main/engine/image/io.js';
import { tempDir } from '../../helpers.js';

/** Codes of `width` bits, least significant first, in sub-blocks of at most 255 bytes and their terminator. */
function subBlocks(codes: number[], width: number): Buffer {
  const bytes: number[] = [];
  let acc = 0, held = 0;
  for (const code of codes) {
    acc |= code << held;
    held += width;
    while (held >= 8) { bytes.push(acc & 255); acc >>>= 8; held -= 8; }
  }
  if (held > 0) bytes.push(acc & 255);
  const out: number[] = [];
  for (let i = 0; i < bytes.length; i += 255) out.push(Math.min(255, bytes.length - i), ...bytes.slice(i, i + 255));
  return Buffer.from([...out, 0]);
}

/**
 * A 16x16 GIF of 256 greys whose pixel i is grey i, coded as a clear code before each pixel (a valid LZW stream that
 * never grows the table, so its codes stay 9 bits), with or without the End Of Information code (257) at the end.
 */
function greyRamp(withEnd: boolean): Buffer {
  const codes = Array.from({ length: 256 }, (_, i) => [256, i]).flat();
  if (withEnd) codes.push(257);
  const palette = Buffer.from(Array.from({ length: 256 }, (_, i) => [i, i, i]).flat());
  return Buffer.concat([
    Buffer.from('GIF89a', 'latin1'), Buffer.from([16, 0, 16, 0, 0xf7, 0, 0]), palette, // screen 16x16, a 256-colour table
    Buffer.from([0x2c, 0, 0, 0, 0, 16, 0, 16, 0, 0]), Buffer.from([8]), subBlocks(codes, 9), Buffer.from([0x3b]),
  ]);
}

describe('GIF image data without its End Of Information code', () => {
  it('is read whole, its last pixel too, the same as the file with the code', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'ended.gif'), greyRamp(true));
    await writeFile(join(dir, 'unended.gif'), greyRamp(false));
    const ramp = Array.from({ length: 256 }, (_, i) => i);
    for (const name of ['ended.gif', 'unended.gif']) {
      const [image] = await readImagePages(join(dir, name));
      expect([image!.width, image!.height, image!.channels], name).toEqual([16, 16, 1]);
      expect(Array.from(image!.pixels), name).toEqual(ramp);
    }
  });

  it('leaves a file whose frames end with the code as it is, and appends the code at the width in use where it lacks it', () => {
    const ended = greyRamp(true);
    expect(gifWithEndCodes(ended)).toBe(ended);
    const unended = greyRamp(false);
    expect(gifWithEndCodes(unended)).toEqual(ended);
    const damaged = unended.subarray(0, 900); // cut inside its image data: its reader names it
    expect(gifWithEndCodes(damaged)).toBe(damaged);
  });
});
