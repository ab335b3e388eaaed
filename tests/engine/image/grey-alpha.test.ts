import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { decryptAeimgFile } from '../../../src-main/engine/jobs/decrypt.js';
import { encryptImageFile } from '../../../src-main/engine/jobs/encrypt.js';
import { SharedKey } from '../../../src-main/engine/keys/recipients.js';
import { defaultModel, models, phantom, tempDir } from '../../helpers.js';

/** Grey samples from a phantom, alpha a ramp with a hole: every value must come back. */
async function greyAlphaPng(bitDepth: 8 | 16): Promise<{ png: Buffer; grey: number[]; alpha: number[] }> {
  const w = 64, h = 48;
  const base = phantom(w, h, 1, bitDepth);
  const top = bitDepth === 16 ? 65535 : 255;
  const px = bitDepth === 16 ? new Uint16Array(w * h * 2) : new Uint8Array(w * h * 2);
  const grey: number[] = [], alpha: number[] = [];
  for (let i = 0; i < w * h; i++) {
    const a = (i % w) < 8 ? 0 : Math.round(((i * 7) % (w * h)) / (w * h) * top);
    px[2 * i] = base.pixels[i]!;
    px[2 * i + 1] = a;
    grey.push(base.pixels[i]!);
    alpha.push(a);
  }
  const png = await sharp(px, { raw: { width: w, height: h, channels: 2 } })
    .toColourspace(bitDepth === 16 ? 'grey16' : 'b-w').png().toBuffer();
  return { png, grey, alpha };
}

describe('grey + alpha', () => {
  it.each([8, 16] as const)('a %i-bit grey+alpha PNG keeps its alpha exactly through encrypt and decrypt', async (bitDepth) => {
    const dir = await tempDir();
    const input = join(dir, 'ga.png');
    const { png, grey, alpha } = await greyAlphaPng(bitDepth);
    expect((await sharp(png).metadata()).channels).toBe(2);
    await writeFile(input, png);
    const key = new SharedKey(Buffer.alloc(32, 4));
    const enc = await encryptImageFile(input, { model: await defaultModel(), recipients: [key], outDir: dir, measure: false, coding: { quality: 'lossless' } });
    expect(enc.channels).toBe(2);
    const dec = await decryptAeimgFile(enc.output, { identities: [key], models: models(), outDir: join(dir) , force: true });
    const out = await readFile(dec.images[0]!.output!);
    const meta = await sharp(out).metadata();
    expect(meta.channels).toBe(2);
    // Read back with sharp as RGBA (grey replicated), independent of aeimg's reader.
    const rgba = await sharp(out).toColourspace(bitDepth === 16 ? 'rgb16' : 'srgb').raw(bitDepth === 16 ? { depth: 'ushort' } : {}).toBuffer();
    const samples = bitDepth === 16 ? new Uint16Array(rgba.buffer, rgba.byteOffset, rgba.length / 2) : rgba;
    expect(Array.from({ length: alpha.length }, (_, i) => samples[4 * i + 3])).toEqual(alpha);
    expect(Array.from({ length: grey.length }, (_, i) => samples[4 * i])).toEqual(grey);
  });
});
