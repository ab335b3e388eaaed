/** JPEG as a department would send instead (libjpeg-turbo through sharp): the comparisons' baseline, never aeimg's output. */
import sharp from 'sharp';
import type { Image } from '../../src-main/engine/image/image.js';

/** Encodes JPEG at the given quality (8-bit; used for comparisons, never for output of medical data). */
export async function encodeJpeg(image: Image, quality: number): Promise<Buffer> {
  const space = image.channels <= 2 ? 'b-w' : 'srgb';
  return sharp(image.pixels, { raw: { width: image.width, height: image.height, channels: image.channels } })
    .toColourspace(space)
    .jpeg({ quality, chromaSubsampling: '4:4:4' })
    .toBuffer();
}
