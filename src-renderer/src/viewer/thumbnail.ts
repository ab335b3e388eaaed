/** Small thumbnails of slices for the series strip: nearest-neighbour, at most SIZE pixels a side, as PNG data URLs. */
import type { ImagePixels } from '../../../src-shared/api';
import { greyLut, renderRgba, type Window } from './display';

const SIZE = 64;

/** A thumbnail through a window given in sample units (MONOCHROME1 samples already show as they should). */
export function thumbnailUrl(image: ImagePixels, sampleWindow: Window): string {
  const s = Math.min(1, SIZE / Math.max(image.width, image.height));
  const w = Math.max(1, Math.round(image.width * s)), h = Math.max(1, Math.round(image.height * s));
  const small = new (image.pixels.constructor as Uint8ArrayConstructor | Uint16ArrayConstructor)(w * h * image.channels);
  for (let y = 0; y < h; y++) {
    const sy = Math.min(image.height - 1, Math.floor(y / s));
    for (let x = 0; x < w; x++) {
      const sx = Math.min(image.width - 1, Math.floor(x / s));
      for (let c = 0; c < image.channels; c++) small[(y * w + x) * image.channels + c] = image.pixels[(sy * image.width + sx) * image.channels + c]!;
    }
  }
  const canvas = document.createElement('canvas');
  canvas.width = w;
  canvas.height = h;
  const ctx = canvas.getContext('2d')!;
  const out = ctx.createImageData(w, h);
  renderRgba({ ...image, width: w, height: h, pixels: small }, greyLut(image.bitDepth, sampleWindow, undefined, false), out.data);
  ctx.putImageData(out, 0, 0);
  return canvas.toDataURL('image/png');
}
