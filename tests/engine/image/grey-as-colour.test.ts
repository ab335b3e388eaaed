import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { interleave, type Image } from '../../../src-main/engine/image/image.js';
import { decodeImage, encodePng, readImageFile } from '../../../src-main/engine/image/io.js';
import { decryptAeimgFile } from '../../../src-main/engine/jobs/decrypt.js';
import { encryptImageFile } from '../../../src-main/engine/jobs/encrypt.js';
import { SharedKey } from '../../../src-main/engine/keys/recipients.js';
import type { Autoencoder } from '../../../src-main/engine/model/autoencoder.js';
import { CT_SLICE, defaultModel, models, tempDir } from '../../helpers.js';

const key = new SharedKey(Buffer.alloc(32, 9));
let model: Autoencoder;
let grey: Image;

beforeAll(async () => {
  model = await defaultModel();
  grey = await readImageFile(CT_SLICE);
});

/** The grey slice as a PACS or a browser viewer exports it: R = G = B, and an opaque alpha for the browser. */
function asColour(image: Image, alpha: boolean, tweak = false): Image {
  const g = image.pixels as Uint8Array;
  const b = tweak ? g.map((v, i) => (i === 1000 ? v ^ 1 : v)) : g;
  const planes = alpha ? [g, g, b, new Uint8Array(g.length).fill(255)] : [g, g, b];
  return interleave(planes, image.width, image.height, 8);
}

async function roundTrip(image: Image, quality: 'auto' | 'max') {
  const dir = await tempDir();
  const input = join(dir, 'export.png');
  await writeFile(input, await encodePng(image));
  const enc = await encryptImageFile(input, { model, recipients: [key], measure: true, coding: { quality } });
  const dec = await decryptAeimgFile(enc.output, { identities: [key], models: models(), outDir: dir, force: true });
  const out = await readFile(dec.images[0]!.output!);
  return { enc, decoded: await decodeImage(out), channels: (await sharp(out).metadata()).channels };
}

describe('a grey image exported as colour', () => {
  it.each([false, true])('goes as one grey plane and comes back as the colour image it was (alpha %s)', async (alpha) => {
    const colour = asColour(grey, alpha);
    const { enc, decoded, channels } = await roundTrip(colour, 'auto');
    expect(enc.channels).toBe(colour.channels);
    expect(channels).toBe(colour.channels);
    let worst = 0;
    for (let i = 0; i < colour.pixels.length; i++) worst = Math.max(worst, Math.abs(decoded.pixels[i]! - colour.pixels[i]!));
    expect(worst).toBeLessThanOrEqual(1);
    for (let i = 0; i < decoded.pixels.length; i += colour.channels) {
      expect(decoded.pixels[i + 1]).toBe(decoded.pixels[i]);
      expect(decoded.pixels[i + 2]).toBe(decoded.pixels[i]);
    }
    // One changed blue sample makes it a colour image again, coded plane by plane: about three times the bytes.
    const colourFile = await roundTrip(asColour(grey, alpha, true), 'auto');
    expect(enc.outputBytes).toBeLessThan(0.5 * colourFile.enc.outputBytes);
    const greyFile = await roundTrip(grey, 'auto');
    expect(enc.outputBytes).toBeLessThan(greyFile.enc.outputBytes + 1024);
  });

  it('keeps R = G = B at the network-only level, with the grey image\'s figures', async () => {
    const colour = await roundTrip(asColour(grey, false), 'max');
    const plain = await roundTrip(grey, 'max');
    expect(colour.channels).toBe(3);
    expect(colour.enc.fidelity!.ssim).toBeCloseTo(plain.enc.fidelity!.ssim, 6);
    for (let i = 0; i < plain.decoded.pixels.length; i++) expect(colour.decoded.pixels[3 * i + 2]).toBe(plain.decoded.pixels[i]);
  });
});
