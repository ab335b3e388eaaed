/**
 * An embedded ICC profile of the simplest kind, applied by aeimg rather than by the image library: a grey profile
 * (colour space GRAY: one tone curve, kTRC) and, at 16 bits, an RGB matrix-shaper (three tone curves and three
 * colorants, no lookup tables). sharp applies no profile to a 16-bit grey image, and takes a 16-bit colour one to
 * Display P3 (its 16-bit working space), which a P3 image's stored values already are: such a TIFF or PNG went as
 * colours other than colour-managed viewers show (a gamma-1 grey profile: 73 levels of 255 apart, mid-grey; Display
 * P3: 111; io.ts takes a 16-bit profile with lookup tables on from P3 to sRGB); and at 8 bits libvips' colour engine
 * (lcms) samples a grey curve on a coarse grid, off by up to 9 levels in the dark. The curves are read from the profile
 * (`curv` points or gamma, `para` functions 0-4), each sample is taken through them to linear light (and an RGB one
 * through its colorants to sRGB's), then sRGB-encoded: what a viewer shows on an sRGB display. 8-bit RGB stays with
 * the library's conversion.
 */
import type { Image } from './image.js';
import { throughCurve, throughMatrix, times, XYZ_D50_TO_SRGB, type Matrix } from './png-colour.js';

/** Device grey (0..1) to luminance (0..1). */
export type ToneCurve = (x: number) => number;

/** A profile aeimg applies itself: a grey one's curve, or an RGB one's curves and its matrix to sRGB's linear light. */
export type ShaperProfile = { curve: ToneCurve } | { curves: ToneCurve[]; toSrgb: Matrix };

/** An ICC profile's colour space, from its header ('RGB ', 'GRAY', 'CMYK'); undefined for a header cut short. */
export function iccColourSpace(icc: Uint8Array): string | undefined {
  return icc.length >= 128 ? String.fromCharCode(...icc.subarray(16, 20)) : undefined;
}

/**
 * The profile `icc` of an image of `kind` where aeimg applies it (for a grey image, a grey profile whose kTRC is one of
 * the ICC curve types; for an RGB one, an RGB profile of colorants and curves and no lookup tables); undefined otherwise
 * (another colour space, as the image library ignores a profile that does not fit the image; another kind; a missing
 * or damaged tag), where the image library's conversion stands.
 */
export function shaperProfile(icc: Uint8Array, kind: 'grey' | 'rgb'): ShaperProfile | undefined {
  if (icc.length < 132) return undefined;
  const view = new DataView(icc.buffer, icc.byteOffset, icc.byteLength);
  const text = (at: number) => String.fromCharCode(...icc.subarray(at, at + 4));
  const tags = new Map<string, DataView>();
  for (let i = 0; i < view.getUint32(128) && 132 + 12 * (i + 1) <= icc.length; i++) {
    const entry = 132 + 12 * i;
    const at = view.getUint32(entry + 4), size = view.getUint32(entry + 8);
    if (size >= 12 && at + size <= icc.length) tags.set(text(entry), new DataView(icc.buffer, icc.byteOffset + at, size));
  }
  const curveOf = (sig: string) => { const tag = tags.get(sig); return tag && toneCurve(tag, text(tag.byteOffset - icc.byteOffset)); };
  if (kind === 'grey') {
    const curve = iccColourSpace(icc) === 'GRAY' ? curveOf('kTRC') : undefined;
    return curve ? { curve } : undefined;
  }
  if (iccColourSpace(icc) !== 'RGB ' || ['A2B0', 'A2B1', 'A2B2'].some((t) => tags.has(t))) return undefined;
  const curves = ['rTRC', 'gTRC', 'bTRC'].map(curveOf);
  const colorants = ['rXYZ', 'gXYZ', 'bXYZ'].map((sig) => {
    const tag = tags.get(sig);
    return tag && tag.byteLength >= 20 && text(tag.byteOffset - icc.byteOffset) === 'XYZ ' ? [8, 12, 16].map((o) => tag.getInt32(o) / 65536) : undefined;
  });
  if (!curves.every((c) => c) || !colorants.every((c) => c)) return undefined;
  const toXyz = [0, 1, 2].map((row) => colorants.map((c) => c![row]!)); // colorants are the columns
  return { curves: curves as ToneCurve[], toSrgb: times(XYZ_D50_TO_SRGB, toXyz) };
}

/** A `curv` or `para` tag (ICC.1 10.6, 10.18) as a curve of 0..1, clipped to 0..1; undefined where damaged. */
export function toneCurve(tag: DataView, type: string): ToneCurve | undefined {
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
 * `image` as a viewer shows it through `profile`: each sample to linear light (an RGB image's colours to sRGB's), then
 * sRGB-encoded, at its own depth; alpha kept.
 */
export function throughProfile(image: Image, profile: ShaperProfile): Image {
  const max = image.bitDepth === 16 ? 65535 : 255;
  const linear = (curve: ToneCurve) => Float64Array.from({ length: max + 1 }, (_, v) => curve(v / max));
  return ('curves' in profile ? throughMatrix(image, profile.curves.map(linear), profile.toSrgb) : throughCurve(image, linear(profile.curve))).image;
}
