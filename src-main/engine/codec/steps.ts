/**
 * Sample steps (aeimg 0.9, docs/format.md "steps"): a plane whose samples all lie on a grid `min + k·step` (a CT whose
 * values step by 16, an 8-bit image saved as 16-bit by multiplying by 257, 12-bit data shifted into the high bits) is
 * coded as its grid indices `k`, which the plane coder predicts as well as any image, and rebuilt as `min + k·step`.
 * Only for images coded without a latent (the guaranteed levels): a `within-N` image is coded within ±floor(N/step) of
 * the indices, so every sample stays within ±N.
 */
import { allocPixels, colourChannels, extractChannel, interleave, type Image } from '../image/image.js';
import type { ImageRecord } from './record.js';

const gcd = (a: number, b: number): number => {
  while (b) [a, b] = [b, a % b];
  return a;
};

/** Per colour plane, the largest step every sample's distance from the plane's minimum is a multiple of (1 when none). */
export function sampleSteps(image: Image, planes: readonly (readonly [number, number])[]): number[] {
  return planes.map(([lo], c) => {
    let g = 0;
    const plane = image.channels === 1 ? image.pixels : extractChannel(image, c);
    for (let i = 0; i < plane.length && g !== 1; i++) g = gcd(g, plane[i]! - lo);
    return Math.max(1, g);
  });
}

/** Whether the steps change anything (some plane steps by more than 1). */
export const stepped = (steps?: readonly number[]): steps is number[] => steps !== undefined && steps.some((g) => g > 1);

/**
 * What the plane coder codes for a stepped image, on both sides: the planes' [min, max] as grid indices,
 * [0, (max − min) / step], and the bound on the indices that keeps each plane's samples within ±maxError.
 */
export function indexCoding(planes: readonly (readonly [number, number])[], steps: readonly number[], maxError: number) {
  return {
    planes: planes.map(([lo, hi], c): [number, number] => [0, (hi - lo) / steps[c]!]),
    maxError: Math.min(...steps.map((g) => Math.floor(maxError / g))),
  };
}

/** Samples → grid indices (colour planes; alpha unchanged), or back with `inverse`. */
export function mapSteps(image: Image, planes: readonly (readonly [number, number])[], steps: readonly number[], inverse = false): Image {
  const { width, height, bitDepth } = image;
  const out = Array.from({ length: image.channels }, (_, c) => {
    const plane = extractChannel(image, c);
    if (c >= colourChannels(image)) return plane;
    const [lo] = planes[c]!;
    const g = steps[c]!;
    const mapped = allocPixels(width, height, 1, bitDepth);
    for (let i = 0; i < plane.length; i++) mapped[i] = inverse ? lo + plane[i]! * g : (plane[i]! - lo) / g;
    return mapped;
  });
  return interleave(out, width, height, bitDepth);
}

/**
 * The record as the plane coder sees a stepped image: index planes, and the refinement's bound on the indices. The
 * refinement's check stays that of the samples the receiver rebuilds.
 */
export function indexView(record: ImageRecord): ImageRecord {
  const { planes, maxError } = indexCoding(record.planes, record.steps!, record.refinement!.maxError);
  return { ...record, planes, refinement: { ...record.refinement!, maxError } };
}
