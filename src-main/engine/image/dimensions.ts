/**
 * The sizes aeimg reads an image of, checked from a header before any pixel is decoded (an image file's, a DICOM
 * file's, a record's), and how a count of pixels is said.
 */
import { AeimgError, ErrorCode, Remedy } from '../errors.js';
import { DEFAULT_MAX_PIXELS } from '../defaults.js';

/** The longest side aeimg carries. */
export const MAX_SIDE = 65535;

/** Refuses dimensions that are no image's, a side over MAX_SIDE, or more than `maxPixels` pixels, with what to do. */
export function checkDimensions(width: number, height: number, maxPixels = DEFAULT_MAX_PIXELS): void {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new AeimgError(ErrorCode.BadInput, `has invalid dimensions ${width}x${height}.`);
  }
  if (width > MAX_SIDE || height > MAX_SIDE) {
    throw new AeimgError(ErrorCode.TooLarge,
      `is ${width}x${height} pixels: wider or taller than ${MAX_SIDE} pixels, which aeimg does not carry. Split or downscale the image.`);
  }
  if (width * height > maxPixels) {
    throw new AeimgError(ErrorCode.TooLarge,
      `is ${width}x${height} pixels (${megapixels(width * height)}), over the limit of ${megapixels(maxPixels)}.`,
      { remedy: Remedy.RaisePixelLimit, facts: { limit: maxPixels, needed: width * height } });
  }
}

/** "16.8 MP", "0.066 MP": two significant digits at least, so a small count never reads as a rounded one. */
export function megapixels(pixels: number): string {
  const mp = pixels / 1e6;
  return `${mp >= 1 ? mp.toFixed(1) : Number(mp.toPrecision(2))} MP`;
}
