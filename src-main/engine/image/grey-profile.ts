/**
 * A grey image's embedded ICC profile (colour space GRAY: one tone curve, kTRC), applied by aeimg rather than by the
 * image library. sharp does not apply a profile to 16-bit grey at all, so such a TIFF or PNG went with its stored
 * values while colour-managed viewers showed it through its curve (a gamma-1 profile: 73 levels of 255 apart, mid-grey);
 * and at 8 bits libvips' colour engine (lcms) samples the curve on a coarse grid, off by up to 9 levels in the dark.
 * The curve is read from the profile (`curv` points or gamma, `para` functions 0-4) and each sample is taken through it
 * to luminance and sRGB-encoded: what a viewer shows a grey image on an sRGB display.
 */
import type { Image } from './image.js';
import { srgbEncoded } from './png-colour.js';

/** Device grey (0..1) to luminance (0..1). */
export type ToneCurve = (x: number) => number;

/**
 * The tone curve of `icc` where it is a grey profile (GRAY) whose kTRC tag is one of the ICC curve types; undefined
 * otherwise (another colour space, a missing or damaged tag), where the image library's conversion stands.
 */
export function greyProfileCurve(icc: Uint8Array): ToneCurve | undefined {
  if (icc.length < 132) return undefined;
  const view = new DataView(icc.buffer, icc.byteOffset, icc.byteLength);
  const text = (at: number) => String.fromCharCode(...icc.subarray(at, at + 4));
  if (text(16) !== 'GRAY') return undefined;
  const count = view.getUint32(128);
  for (let i = 0; i < count && 132 + 12 * (i + 1) <= icc.length; i++) {
    const entry = 132 + 12 * i;
    if (text(entry) !== 'kTRC') continue;
    const at = view.getUint32(entry + 4), size = view.getUint32(entry + 8);
    if (size < 12 || at + size > icc.length) return undefined;
    return toneCurve(new DataView(icc.buffer, icc.byteOffset + at, size), text(at));
  }
  return undefined;
}

function toneCurve(tag: DataView, type: string): ToneCurve | undefined {
  const clamp = (y: number) => (Number.isFinite(y) ? Math.min(1, Math.max(0, y)) : 0);
  if (type === 'curv') {
    const n = tag.getUint32(8);
    if (tag.byteLength < 12 + 2 * n) return undefined;
    if (n === 0) return (x) => x;
    if (n === 1) {
      const gamma = tag.getUint16(12) / 256;
      return (x) => clamp(x ** gamma);
    }
    const table = Array.from({ length: n }, (_, i) => tag.getUint16(12 + 2 * i) / 65535);
    return (x) => {
      const at = x * (n - 1), i = Math.min(n - 2, Math.floor(at));
      return clamp(table[i]! + (table[i + 1]! - table[i]!) * (at - i));
    };
  }
  if (type === 'para') {
    const kind = tag.getUint16(8);
    const params = [1, 3, 4, 5, 7][kind];
    if (params === undefined || tag.byteLength < 12 + 4 * params) return undefined;
    const [g, a = 1, b = 0, c = 0, d = 0, e = 0, f = 0] = Array.from({ length: params }, (_, i) => tag.getInt32(12 + 4 * i) / 65536);
    const power = (x: number) => (a * x + b > 0 ? (a * x + b) ** g! : 0);
    // ICC.1 10.18: the five parametric functions.
    const curves: ToneCurve[] = [
      (x) => x ** g!,
      (x) => (x >= -b / a ? power(x) : 0),
      (x) => (x >= -b / a ? power(x) + c : c),
      (x) => (x >= d ? power(x) : c * x),
      (x) => (x >= d ? power(x) + e : c * x + f),
    ];
    return (x) => clamp(curves[kind]!(x));
  }
  return undefined;
}

/**
 * `image` (grey, with or without alpha) as a viewer shows it through `curve`: each grey sample to luminance, then
 * sRGB-encoded, at its own depth; alpha kept.
 */
export function throughGreyCurve(image: Image, curve: ToneCurve): Image {
  const max = image.bitDepth === 16 ? 65535 : 255;
  const table = Uint32Array.from({ length: max + 1 }, (_, v) => Math.round(max * srgbEncoded(curve(v / max))));
  const pixels = image.pixels.slice();
  for (let i = 0; i < pixels.length; i += image.channels) pixels[i] = table[pixels[i]!]!;
  return { ...image, pixels };
}
