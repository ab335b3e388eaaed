/** A non-square pixel is drawn as the screen shows it, stretched by its aspect: "Copy view" and the series strip's thumbnails. */
import { describe, expect, it } from 'vitest';
import { imageOrigin } from '../../src-renderer/src/viewer/snapshot';
import { thumbnailPixels } from '../../src-renderer/src/viewer/thumbnail';
import type { ImagePixels } from '../../src-shared/api';

describe('the view of a non-square pixel', () => {
  it('is centred with its stretched height: the image\'s top is where the screen puts it', () => {
    const image = { width: 100, height: 100 } as ImagePixels;
    const view = { image, viewport: { width: 400, height: 400 }, zoom: 2, pan: { x: 10, y: -20 } };
    expect(imageOrigin(view)).toEqual({ x: 110, y: 80 }); // square: 200 × 200 about the centre, then the pan
    expect(imageOrigin({ ...view, aspect: 1.5 })).toEqual({ x: 110, y: 30 }); // 200 wide, 300 high
  });
});

describe('the thumbnail of a non-square pixel', () => {
  /** A 128 × 128 image whose rows 0..63 are 0 and 64..127 are 1000, and whose last 8 columns are 2000. */
  const image = (() => {
    const pixels = new Uint16Array(128 * 128);
    for (let y = 0; y < 128; y++) for (let x = 0; x < 128; x++) pixels[y * 128 + x] = x >= 120 ? 2000 : y < 64 ? 0 : 1000;
    return { width: 128, height: 128, channels: 1, bitDepth: 16, pixels } as unknown as ImagePixels;
  })();

  it('has the proportions the viewer shows: rows 1.0 mm apart and columns 0.5 mm are half as wide as high', () => {
    const square = thumbnailPixels(image);
    expect([square.width, square.height]).toEqual([64, 64]);
    const tall = thumbnailPixels(image, 2);
    expect([tall.width, tall.height]).toEqual([32, 64]);
    const wide = thumbnailPixels(image, 0.5);
    expect([wide.width, wide.height]).toEqual([64, 32]);
  });

  it('samples the whole image: the top half\'s value in its top half, the bottom\'s below, the last columns at the right', () => {
    const tall = thumbnailPixels(image, 2);
    const at = (x: number, y: number) => tall.pixels[y * tall.width + x];
    expect([at(0, 0), at(0, 31), at(0, 32), at(0, 63), at(31, 40)]).toEqual([0, 0, 1000, 1000, 2000]);
  });
});
