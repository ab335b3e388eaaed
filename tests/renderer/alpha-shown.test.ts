/** An image with alpha as the viewer draws it (0.36): over black, as its transparency shows it, not opaque. */
import { describe, expect, it } from 'vitest';
import { greyLut, renderRgba } from '../../src-renderer/src/viewer/display';

const IDENTITY = { center: 128, width: 256 };

describe('an image with alpha in the viewer', () => {
  it('shows a transparent pixel black and a half-transparent one half as bright, whatever colour lies under it', () => {
    // RGBA: opaque orange, transparent white (a writer's leftover colour), half-transparent grey 200.
    const rgba = { width: 3, height: 1, channels: 4, bitDepth: 8, pixels: Uint8Array.from([240, 120, 10, 255, 255, 255, 255, 0, 200, 200, 200, 128]) };
    const out = new Uint8ClampedArray(12);
    renderRgba(rgba, greyLut(8, IDENTITY, undefined, false), out);
    expect(Array.from(out)).toEqual([240, 120, 10, 255, 0, 0, 0, 255, 100, 100, 100, 255]);
    // Grey + alpha, 16-bit: the alpha's own range.
    const grey = { width: 2, height: 1, channels: 2, bitDepth: 16, pixels: Uint16Array.from([65535, 65535, 65535, 0]) };
    const g = new Uint8ClampedArray(8);
    renderRgba(grey, greyLut(16, { center: 32768, width: 65536 }, undefined, false), g);
    expect(Array.from(g)).toEqual([255, 255, 255, 255, 0, 0, 0, 255]);
    // Without alpha, as before: every pixel as the window gives it.
    const rgb = { width: 1, height: 1, channels: 3, bitDepth: 8, pixels: Uint8Array.from([1, 2, 3]) };
    const c = new Uint8ClampedArray(4);
    renderRgba(rgb, greyLut(8, IDENTITY, undefined, false), c);
    expect(Array.from(c)).toEqual([1, 2, 3, 255]);
  });
});
