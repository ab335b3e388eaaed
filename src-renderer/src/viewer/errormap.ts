/**
 * The sender's error map: |original − decoded| per pixel in stored units (the samples differ from stored values by a
 * constant offset, or are inverted for MONOCHROME1, so their difference is the stored difference), shown through a
 * colour scale from 0 (black) to the largest error (pale yellow), with a legend in the same units.
 */
import type { ImagePixels } from '../../../src-shared/api';

/** Dark to light, each stop lighter than the one before (an inferno-like scale): equal steps read as equal errors. */
export const ERROR_SCALE: readonly [number, number, number][] = [
  [0, 0, 0], [40, 11, 84], [140, 41, 129], [221, 81, 58], [249, 163, 38], [252, 255, 164],
];

export interface ErrorMap {
  width: number;
  height: number;
  /** Largest absolute error over each pixel's channels, in stored units. */
  errors: Uint16Array;
  max: number;
}

/** Absolute difference of two images of the same size, the largest over each pixel's channels. */
export function absoluteDifference(a: ImagePixels, b: ImagePixels): ErrorMap {
  if (a.width !== b.width || a.height !== b.height || a.channels !== b.channels) throw new Error('the two images differ in size');
  const n = a.width * a.height, ch = a.channels;
  const errors = new Uint16Array(n);
  let max = 0;
  for (let i = 0; i < n; i++) {
    let e = 0;
    for (let c = 0; c < ch; c++) e = Math.max(e, Math.abs(a.pixels[i * ch + c]! - b.pixels[i * ch + c]!));
    errors[i] = e;
    if (e > max) max = e;
  }
  return { width: a.width, height: a.height, errors, max };
}

/** The colour of an error of `e` on a scale that ends at `max` (0: black; a bit-exact image is all black). */
export function errorColour(e: number, max: number): [number, number, number] {
  if (max <= 0 || e <= 0) return [...ERROR_SCALE[0]!];
  const t = Math.min(1, e / max) * (ERROR_SCALE.length - 1);
  const k = Math.min(ERROR_SCALE.length - 2, Math.floor(t)), f = t - k;
  const [lo, hi] = [ERROR_SCALE[k]!, ERROR_SCALE[k + 1]!];
  return [0, 1, 2].map((c) => Math.round(lo[c]! + (hi[c]! - lo[c]!) * f)) as [number, number, number];
}

/** The error map as an 8-bit RGB image, to draw with an identity window (centre 128, width 256). */
export function errorMapImage(map: ErrorMap): ImagePixels {
  const out = new Uint8Array(map.width * map.height * 3);
  const colours = Array.from({ length: map.max + 1 }, (_, e) => errorColour(e, map.max));
  for (let i = 0; i < map.errors.length; i++) out.set(colours[map.errors[i]!]!, i * 3);
  return { width: map.width, height: map.height, channels: 3, bitDepth: 8, pixels: out };
}

/** The legend's marks: 0, the largest error, and whole values between where there is room (at most five). */
export function legendTicks(max: number): number[] {
  if (max <= 0) return [0];
  if (max <= 4) return Array.from({ length: max + 1 }, (_, i) => i);
  return [0, 0.25, 0.5, 0.75, 1].map((f) => Math.round(f * max)).filter((v, i, all) => all.indexOf(v) === i);
}

/** A CSS gradient of the scale, for the legend bar. */
export function legendGradient(): string {
  return `linear-gradient(to right, ${ERROR_SCALE.map(([r, g, b], i) => `rgb(${r} ${g} ${b}) ${(i / (ERROR_SCALE.length - 1)) * 100}%`).join(', ')})`;
}
