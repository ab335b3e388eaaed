/** PNG, JPEG, TIFF and WebP in and out through sharp (libvips), keeping grey/RGB, alpha and 8/16-bit. */
import { readFile } from 'node:fs/promises';
import sharp, { type Metadata, type OutputInfo } from 'sharp';
import { AeimgError, ErrorCode, inFile } from '../errors.js';
import type { Image } from './image.js';

/** 64 megapixels (e.g. 8192x8192) unless the caller sets another limit. */
export const DEFAULT_MAX_PIXELS = 64 * 1024 * 1024;
export const MAX_SIDE = 65535;

sharp.cache(false);

export function checkDimensions(width: number, height: number, maxPixels = DEFAULT_MAX_PIXELS): void {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new AeimgError(ErrorCode.BadInput, `has invalid dimensions ${width}x${height}.`);
  }
  if (width > MAX_SIDE || height > MAX_SIDE || width * height > maxPixels) {
    const mp = (width * height / 1e6).toFixed(1);
    throw new AeimgError(ErrorCode.TooLarge,
      `is ${width}x${height} pixels (${mp} MP), over the limit of ${(maxPixels / 1e6).toFixed(1)} MP. ` +
      'Split or downscale the image, or raise the limit with --max-pixels if this machine has the memory.');
  }
}

/** Decodes an image file; refuses absurd dimensions from the header before decoding any pixel. */
export async function readImageFile(path: string, maxPixels = DEFAULT_MAX_PIXELS): Promise<Image> {
  try {
    return await decodeImage(await readFile(path), maxPixels);
  } catch (err) {
    throw inFile(path, err);
  }
}

export async function decodeImage(data: Buffer, maxPixels = DEFAULT_MAX_PIXELS): Promise<Image> {
  let meta: Metadata;
  try {
    meta = await sharp(data, { limitInputPixels: false }).metadata();
  } catch {
    throw new AeimgError(ErrorCode.BadInput, 'is not an image aeimg can read (PNG, JPEG, TIFF or WebP expected).');
  }
  checkDimensions(meta.width ?? 0, meta.height ?? 0, maxPixels);
  const sixteen = meta.depth === 'ushort' || meta.depth === 'short';
  const grey = meta.space === 'b-w' || meta.space === 'grey16' || (meta.channels ?? 0) <= 2;
  const space = grey ? (sixteen ? 'grey16' : 'b-w') : (sixteen ? 'rgb16' : 'srgb');
  let raw: { data: Buffer; info: OutputInfo };
  try {
    raw = await sharp(data, { limitInputPixels: maxPixels, failOn: 'error' })
      .toColourspace(space)
      .raw(sixteen ? { depth: 'ushort' } : {})
      .toBuffer({ resolveWithObject: true });
  } catch (err) {
    throw new AeimgError(ErrorCode.BadInput, `could not be decoded (${(err as Error).message}); the file may be damaged.`);
  }
  const { width, height, channels } = raw.info;
  const pixels = sixteen
    ? new Uint16Array(raw.data.buffer, raw.data.byteOffset, raw.data.length / 2).slice()
    : new Uint8Array(raw.data.buffer, raw.data.byteOffset, raw.data.length).slice();
  return { width, height, channels: channels as Image['channels'], bitDepth: sixteen ? 16 : 8, pixels };
}

/** Encodes PNG (16-bit where the image is 16-bit). */
export async function encodePng(image: Image): Promise<Buffer> {
  const grey = image.channels <= 2;
  const space = grey ? (image.bitDepth === 16 ? 'grey16' : 'b-w') : (image.bitDepth === 16 ? 'rgb16' : 'srgb');
  return sharp(image.pixels, { raw: { width: image.width, height: image.height, channels: image.channels } })
    .toColourspace(space)
    .png({ compressionLevel: 9, adaptiveFiltering: true })
    .toBuffer();
}

/** Encodes JPEG at the given quality (8-bit; used for comparisons, never for output of medical data). */
export async function encodeJpeg(image: Image, quality: number): Promise<Buffer> {
  const space = image.channels <= 2 ? 'b-w' : 'srgb';
  return sharp(image.pixels, { raw: { width: image.width, height: image.height, channels: image.channels } })
    .toColourspace(space)
    .jpeg({ quality, chromaSubsampling: '4:4:4' })
    .toBuffer();
}
