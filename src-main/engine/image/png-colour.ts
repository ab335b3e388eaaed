/**
 * A PNG's colour space declared by its gamma (gAMA) and chromaticities (cHRM) rather than by a profile (iCCP) or the
 * sRGB chunk. Browsers and other colour-managed viewers show such a file through them: a gamma of 1.0 (a linear export)
 * shows a stored 16 as 71. libvips reads only profiles, so aeimg read the stored values and sent an image darker or
 * lighter than the sender had seen, without a word. Here the image is converted to sRGB as those viewers convert it,
 * as an embedded profile is (the sender told how far: io.ts asSent).
 *
 * A gamma within 5% of 1/2.2 with no chromaticities or sRGB's is what writers put beside sRGB data (ImageMagick's
 * PNGs): read as sRGB, as libpng and browsers read a gamma alone; browsers give such a file with sRGB's
 * chromaticities a pure 2.2 curve, which moves dark samples by up to 9 levels (docs/decisions.md).
 */
import { AeimgError, ErrorCode } from '../errors.js';
import type { Image } from './image.js';
import { pngChunks } from './png-chunks.js';

/** What a PNG declares of its colours without a profile: its gamma, and its primaries and white where it gives them. */
export interface PngColour {
  /** The encoding gamma (gAMA / 100000): samples are linear light to this power. */
  gamma: number;
  /** cHRM's white point and red, green and blue primaries as x, y pairs. */
  chromaticities?: number[];
  /** How the sender is told: "a gamma of 1 (its gAMA chunk)". */
  said: string;
}

const SRGB_CHROMATICITIES = [0.3127, 0.329, 0.64, 0.33, 0.3, 0.6, 0.15, 0.06];
/** libpng's tolerance for a gamma that is sRGB's (PNG_GAMMA_THRESHOLD_FIXED): 5%. */
const SRGB_GAMMA_TOLERANCE = 0.05;

/**
 * The colour space `png`'s gAMA and cHRM chunks declare, where they are what a viewer converts by: undefined where it
 * has a profile, an sRGB chunk or sRGB's cICP (a viewer goes by those), no gamma (chromaticities alone are not applied), or a
 * gamma and chromaticities that are sRGB's. Chunks after the palette or image data, and a second one, are not read,
 * as libpng does not. Throws where a cICP chunk codes the image otherwise (cicpRefusal).
 */
export function pngDeclaredColour(png: Uint8Array): PngColour | undefined {
  let gamma: number | undefined, chromaticities: number[] | undefined;
  for (const { type, data } of pngChunks(png)) {
    if (!data || type === 'PLTE' || type === 'IDAT' || type === 'IEND') break;
    if (type === 'cICP') {
      const refusal = cicpRefusal(data);
      if (refusal) throw refusal;
      return undefined;
    }
    if (type === 'iCCP' || type === 'sRGB') return undefined;
    const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    if (type === 'gAMA' && gamma === undefined && data.length === 4 && view.getUint32(0) > 0) gamma = view.getUint32(0) / 100000;
    if (type === 'cHRM' && chromaticities === undefined && data.length === 32) {
      const xy = Array.from({ length: 8 }, (_, i) => view.getUint32(4 * i) / 100000);
      if (primariesToXyzD50(xy)) chromaticities = xy; // degenerate ones are not applied (libpng drops them)
    }
  }
  if (gamma === undefined) return undefined;
  const srgbGamma = Math.abs(gamma * 2.2 - 1) < SRGB_GAMMA_TOLERANCE;
  const srgbPrimaries = !chromaticities || chromaticities.every((v, i) => Math.abs(v - SRGB_CHROMATICITIES[i]!) < 0.001);
  if (srgbGamma && srgbPrimaries) return undefined;
  const said = `a gamma of ${Number(gamma.toFixed(5))} ${srgbPrimaries ? '(its gAMA chunk)' : 'and primaries other than sRGB\'s (its gAMA and cHRM chunks)'}`;
  return { gamma, ...(srgbPrimaries ? {} : { chromaticities }), said };
}

const PRIMARIES: Record<number, string> = { 1: 'BT.709', 9: 'BT.2020', 11: 'DCI-P3', 12: 'Display P3' };
const TRANSFERS: Record<number, string> = { 1: 'BT.709', 8: 'linear', 13: 'sRGB', 16: 'PQ (HDR)', 18: 'HLG (HDR)' };

/**
 * A cICP chunk (PNG's third edition: how an HDR or wide-gamut image is coded) other than sRGB's own code points (BT.709
 * primaries, the sRGB transfer, full range): browsers show such a PNG through it, and aeimg does not convert it, so it is
 * refused by name rather than sent as values shown otherwise (as a JPEG 2000 file's sYCC or profile is, since 0.28).
 */
function cicpRefusal(data: Uint8Array): AeimgError | undefined {
  const [primaries, transfer, matrix, fullRange] = data;
  if (data.length === 4 && primaries === 1 && transfer === 13 && matrix === 0 && fullRange === 1) return undefined;
  const named = (codes: Record<number, string>, v: number | undefined) => (v === undefined ? 'none' : codes[v] ? `${v}, ${codes[v]}` : `${v}`);
  const coding = `primaries ${named(PRIMARIES, primaries)}; transfer ${named(TRANSFERS, transfer)}${fullRange === 0 ? '; narrow range' : ''}`;
  return new AeimgError(ErrorCode.BadInput, `is a PNG coded for HDR or wide-gamut display (its cICP chunk: ${coding}), which aeimg does not convert ` +
    'to what a viewer shows: export it as an ordinary (sRGB) PNG, or send the DICOM file.');
}

/** Linear light (0..1) as sRGB encodes it (0..1). */
export function srgbEncoded(l: number): number {
  return l <= 0.0031308 ? 12.92 * l : 1.055 * l ** (1 / 2.4) - 0.055;
}

export type Matrix = number[][];
const D50 = [0.9642, 1, 0.8249];
const BRADFORD: Matrix = [[0.8951, 0.2664, -0.1614], [-0.7502, 1.7135, 0.0367], [0.0389, -0.0685, 1.0296]];

export const times = (a: Matrix, b: Matrix): Matrix => a.map((row) => b[0]!.map((_, j) => row.reduce((s, v, k) => s + v * b[k]![j]!, 0)));
const apply = (m: Matrix, v: number[]) => m.map((row) => row.reduce((s, x, k) => s + x * v[k]!, 0));
function inverse(m: Matrix): Matrix | undefined {
  const [[a, b, c], [d, e, f], [g, h, i]] = m as [[number, number, number], [number, number, number], [number, number, number]];
  const det = a * (e * i - f * h) - b * (d * i - f * g) + c * (d * h - e * g);
  if (!Number.isFinite(det) || Math.abs(det) < 1e-9) return undefined;
  return [[e * i - f * h, c * h - b * i, b * f - c * e], [f * g - d * i, a * i - c * g, c * d - a * f], [d * h - e * g, b * g - a * h, a * e - b * d]]
    .map((row) => row.map((v) => v / det));
}

/** The RGB to XYZ (D50, Bradford-adapted) matrix of white and primaries given as x, y pairs; undefined if degenerate. */
function primariesToXyzD50([wx, wy, ...rgb]: number[]): Matrix | undefined {
  const xyz = (x: number, y: number) => [x / y, 1, (1 - x - y) / y];
  if (wy! <= 0 || [1, 3, 5].some((i) => rgb[i]! <= 0)) return undefined;
  const primaries: Matrix = [0, 1, 2].map((row) => [0, 2, 4].map((i) => xyz(rgb[i]!, rgb[i + 1]!)[row]!));
  const inv = inverse(primaries);
  if (!inv) return undefined;
  const white = xyz(wx!, wy!);
  const scale = apply(inv, white);
  const toXyz = primaries.map((row) => row.map((v, j) => v * scale[j]!));
  const cone = apply(BRADFORD, white), coneD50 = apply(BRADFORD, D50);
  const adapt = times(times(inverse(BRADFORD)!, [0, 1, 2].map((r) => [0, 1, 2].map((c) => (r === c ? coneD50[r]! / cone[r]! : 0)))), BRADFORD);
  const m = times(adapt, toXyz);
  return m.every((row) => row.every(Number.isFinite)) ? m : undefined;
}

/**
 * `image` as a colour-managed viewer shows it under `colour`: each sample taken to linear light by the file's gamma,
 * its primaries' colours to sRGB's (a grey image's and sRGB primaries' stay as they are), then sRGB-encoded; alpha is
 * kept. `shift`: the largest move of a sample. Computed here rather than through a profile the image library would
 * apply: its colour engine samples a grey image's curve on a coarse grid (a stored 1 of gamma 1 came out 6, where it
 * is 13), and at 16 bits it applies none to grey (grey-profile.ts).
 */
export function asViewersShow(image: Image, colour: PngColour): { image: Image; shift: number } {
  const max = image.bitDepth === 16 ? 65535 : 255;
  const linear = Float64Array.from({ length: max + 1 }, (_, v) => (v / max) ** (1 / colour.gamma));
  if (image.channels >= 3 && colour.chromaticities) {
    return throughMatrix(image, [linear, linear, linear], times(XYZ_D50_TO_SRGB, primariesToXyzD50(colour.chromaticities)!));
  }
  return throughCurve(image, linear);
}

/**
 * `image` with each colour sample (grey, or red, green and blue alike; alpha kept) taken to linear light by `linear`
 * (indexed by sample), then sRGB-encoded. `shift`: the largest move.
 */
export function throughCurve(image: Image, linear: Float64Array): { image: Image; shift: number } {
  const max = image.bitDepth === 16 ? 65535 : 255;
  const table = Uint32Array.from(linear, (l) => Math.round(max * srgbEncoded(l)));
  const pixels = image.pixels.slice();
  const colours = image.channels >= 3 ? 3 : 1;
  let shift = 0;
  for (let i = 0; i < pixels.length; i += image.channels) {
    for (let c = i; c < i + colours; c++) {
      const v = pixels[c]!;
      pixels[c] = table[v]!;
      shift = Math.max(shift, Math.abs(table[v]! - v));
    }
  }
  return { image: { ...image, pixels }, shift };
}

/** Linear light in D50-adapted XYZ (an ICC profile's connection space) to sRGB's linear light. */
export const XYZ_D50_TO_SRGB = inverse(primariesToXyzD50(SRGB_CHROMATICITIES)!)!;

/**
 * An RGB `image` (alpha kept) through a matrix-shaper: each channel to linear light by its table (indexed by sample),
 * the three mixed by `matrix` into sRGB's linear light, clipped to its gamut, sRGB-encoded. `shift`: the largest move.
 */
export function throughMatrix(image: Image, linears: Float64Array[], matrix: Matrix): { image: Image; shift: number } {
  const max = image.bitDepth === 16 ? 65535 : 255;
  // Linear light encoded through a table fine enough for the output's depth (a pow per sample took 3.4 s for 12 MP).
  const steps = max === 255 ? 1 << 16 : 1 << 20;
  const encoded = Uint16Array.from({ length: steps + 1 }, (_, i) => Math.round(max * srgbEncoded(i / steps)));
  const clip = (l: number) => encoded[Math.round((Number.isFinite(l) ? Math.min(1, Math.max(0, l)) : 0) * steps)]!;
  const [lr, lg, lb] = linears as [Float64Array, Float64Array, Float64Array];
  const pixels = image.pixels.slice();
  let shift = 0;
  for (let i = 0; i < pixels.length; i += image.channels) {
    const r = lr[pixels[i]!]!, g = lg[pixels[i + 1]!]!, b = lb[pixels[i + 2]!]!;
    for (let c = 0; c < 3; c++) {
      const v = clip(matrix[c]![0]! * r + matrix[c]![1]! * g + matrix[c]![2]! * b);
      shift = Math.max(shift, Math.abs(v - pixels[i + c]!));
      pixels[i + c] = v;
    }
  }
  return { image: { ...image, pixels }, shift };
}
