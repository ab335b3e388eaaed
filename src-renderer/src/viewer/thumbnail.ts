/** Small thumbnails of slices for the series strip: nearest-neighbour, at most SIZE pixels a side, as PNG data URLs. */
import type { ImagePixels } from '../../../src-shared/api';
import { greyLut, renderRgba, sampleWindowToReal, type Window } from './display';
import type { ValueMapping } from '../../../src-shared/windows';

const SIZE = 64;

/**
 * The thumbnail's samples: nearest-neighbour, its longer displayed side SIZE (or the image's own size when smaller), a
 * non-square pixel (`aspect`, its height over its width) stretched as the viewer shows it, so that a thumbnail has the
 * anatomy's proportions too.
 */
export function thumbnailPixels(image: ImagePixels, aspect = 1): ImagePixels {
  const s = Math.min(1, SIZE / Math.max(image.width, image.height * aspect));
  const sy = s * aspect; // thumbnail rows per image row
  const w = Math.max(1, Math.round(image.width * s)), h = Math.max(1, Math.round(image.height * sy));
  const small = new (image.pixels.constructor as Uint8ArrayConstructor | Uint16ArrayConstructor)(w * h * image.channels);
  for (let y = 0; y < h; y++) {
    const row = Math.min(image.height - 1, Math.floor(y / sy));
    for (let x = 0; x < w; x++) {
      const col = Math.min(image.width - 1, Math.floor(x / s));
      for (let c = 0; c < image.channels; c++) small[(y * w + x) * image.channels + c] = image.pixels[(row * image.width + col) * image.channels + c]!;
    }
  }
  return { ...image, width: w, height: h, pixels: small };
}

/**
 * A thumbnail through a window given in sample units (MONOCHROME1 samples already show as they should); a VOI LUT
 * window through its table, whose input is the real-world values `mapping` gives, as the viewer draws it.
 */
export function thumbnailUrl(image: ImagePixels, sampleWindow: Window, aspect = 1, mapping?: ValueMapping): string {
  const small = thumbnailPixels(image, aspect);
  const canvas = document.createElement('canvas');
  canvas.width = small.width;
  canvas.height = small.height;
  const ctx = canvas.getContext('2d')!;
  const out = ctx.createImageData(small.width, small.height);
  const lut = sampleWindow.lut && mapping
    ? greyLut(image.bitDepth, { ...sampleWindowToReal(sampleWindow, mapping), lut: sampleWindow.lut }, mapping, false)
    : greyLut(image.bitDepth, sampleWindow, undefined, false);
  renderRgba(small, lut, out.data);
  ctx.putImageData(out, 0, 0);
  return canvas.toDataURL('image/png');
}
