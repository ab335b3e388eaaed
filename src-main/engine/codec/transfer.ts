/**
 * What the network sees of an image of more than 8 bits: a piecewise-linear companding of its samples into [0, 1]
 * that spends the network's precision where readers look, instead of a plain min..max squash (issue #14, item 3).
 *  - CT in HU: the soft-tissue window (−160..240 HU, which holds the brain, subdural and stroke presets) gets 60% of
 *    the range; air and lung below it and bone above share the rest in proportion, so they keep about the precision
 *    of the linear squash.
 *  - Other images of more than 8 bits: the 1st–99th percentile window (the one readers' figures use) gets 90%.
 *  - 8-bit images: linear, as before.
 * Knots are (sample, y) pairs with y in 1/1024 steps, increasing in both; the record carries them, so the decoder
 * inverts exactly what the encoder applied, whatever later versions choose.
 */
import { realToSample, type DisplayModel } from '../../../src-shared/windows.js';

/** One plane's transfer: knots [sample, y·1024], the first at the plane's minimum (y 0), the last at its maximum (1024). */
export type Knots = [number, number][];

export const TRANSFER_STEPS = 1024;

/** Soft tissue 40/400 in HU: the window that holds the brain, subdural and stroke presets. */
const CT_EMPHASIS: [number, number] = [-160, 240];
const CT_SHARE = 0.6;
const PERCENTILE_SHARE = 0.9;

/** The 1st and 99th percentile of a plane's samples (a histogram over the plane's range). */
function percentiles(samples: ArrayLike<number>, lo: number, hi: number): [number, number] {
  const span = hi - lo + 1;
  const hist = new Uint32Array(span);
  for (let i = 0; i < samples.length; i++) hist[samples[i]! - lo]!++;
  const find = (q: number) => {
    const target = q * samples.length;
    let acc = 0;
    for (let k = 0; k < span; k++) {
      acc += hist[k]!;
      if (acc >= target) return lo + k;
    }
    return hi;
  };
  return [find(0.01), find(0.99)];
}

/**
 * The knots for one plane of samples in [lo, hi], or undefined for a linear squash (8-bit images, flat planes, or an
 * emphasis window that does not fall inside the plane's range).
 */
export function chooseKnots(samples: ArrayLike<number>, lo: number, hi: number, bitDepth: number, display?: DisplayModel): Knots | undefined {
  if (bitDepth <= 8 || hi - lo < 64) return undefined;
  let a: number, b: number, share: number;
  if (display?.units === 'HU' && display.mapping) {
    const m = display.mapping;
    [a, b] = CT_EMPHASIS.map((v) => realToSample(v, m)).sort((x, y) => x - y) as [number, number];
    share = CT_SHARE;
  } else {
    [a, b] = percentiles(samples, lo, hi);
    share = PERCENTILE_SHARE;
  }
  a = Math.max(lo, Math.round(a));
  b = Math.min(hi, Math.round(b));
  if (b - a < 16) return undefined;
  const below = a - lo, above = hi - b;
  const rest = 1 - share;
  // At least one step per segment, so the curve is strictly increasing (and invertible) however thin a tail is.
  const yA = Math.max(1, below + above > 0 ? Math.round((rest * below) / (below + above) * TRANSFER_STEPS) : 0);
  const yB = Math.min(TRANSFER_STEPS - 1, TRANSFER_STEPS - (below + above > 0 ? Math.round((rest * above) / (below + above) * TRANSFER_STEPS) : 0));
  const knots: Knots = [[lo, 0]];
  if (a > lo) knots.push([a, yA]);
  if (b < hi) knots.push([b, yB]);
  knots.push([hi, TRANSFER_STEPS]);
  // What a reader refuses is never written.
  if (!validKnots(knots, lo, hi)) throw new Error(`transfer: invalid knots ${JSON.stringify(knots)}`);
  return knots;
}

/** Sample → [0, 1] through the knots. */
export function forward(knots: Knots, s: number): number {
  let k = 1;
  while (k < knots.length - 1 && s > knots[k]![0]) k++;
  const [x0, y0] = knots[k - 1]!, [x1, y1] = knots[k]!;
  const t = x1 > x0 ? (s - x0) / (x1 - x0) : 0;
  return (y0 + t * (y1 - y0)) / TRANSFER_STEPS;
}

/** [0, 1] → sample (not rounded), the inverse of forward. */
export function inverse(knots: Knots, y: number): number {
  const v = Math.min(1, Math.max(0, y)) * TRANSFER_STEPS;
  let k = 1;
  while (k < knots.length - 1 && v > knots[k]![1]) k++;
  const [x0, y0] = knots[k - 1]!, [x1, y1] = knots[k]!;
  const t = y1 > y0 ? (v - y0) / (y1 - y0) : 0;
  return x0 + t * (x1 - x0);
}

/** The knots of a record as read from a file: increasing, from the plane's minimum (y 0) to its maximum (y 1024). */
export function validKnots(k: unknown, lo: number, hi: number): k is Knots {
  if (!Array.isArray(k) || k.length < 2 || k.length > 8) return false;
  for (let i = 0; i < k.length; i++) {
    const p = k[i] as unknown;
    if (!Array.isArray(p) || p.length !== 2 || !p.every((v) => Number.isInteger(v))) return false;
    if (i > 0 && (p[0] <= (k[i - 1] as number[])[0]! || p[1] <= (k[i - 1] as number[])[1]!)) return false;
  }
  const first = k[0] as number[], last = k[k.length - 1] as number[];
  return first[0] === lo && first[1] === 0 && last[0] === hi && last[1] === TRANSFER_STEPS;
}

