/**
 * What the network sees of an image of more than 8 bits: a piecewise-linear companding of its samples into [0, 1]
 * that spends the network's precision where readers look, instead of a plain min..max squash (issue #14, item 3).
 *  - CT in HU: nested windows (CT_WINDOWS): the brain preset 0..80 HU gets 35% of the range, and the soft-tissue window
 *    −160..240 HU 60% in all; air and lung below it and bone above share the rest in proportion. A brain-window HU gets
 *    about 17 times the range of a linear squash of a 12-bit CT. (0.4.0 gave −160..240 HU 60%, with no inner window.)
 *  - Other images of more than 8 bits: the 1st–99th percentile window (the one readers' figures use) gets 90%.
 *  - 8-bit images: linear, as before.
 * Knots are (sample, y) pairs with y in 1/1024 steps, increasing in both; the record carries them, so the decoder
 * inverts exactly what the encoder applied, whatever later versions choose.
 */
import { realToSample, type DisplayModel } from '../../../src-shared/windows.js';

/** One plane's transfer: knots [sample, y·1024], the first at the plane's minimum (y 0), the last at its maximum (1024). */
export type Knots = [number, number][];

export const TRANSFER_STEPS = 1024;

/**
 * CT's emphasis windows in HU, innermost first, each with the share of the range it gets (the inner share included):
 * the brain preset 40/80 itself (0..80 HU: grey and white matter, fresh blood; the stroke preset 40/40 lies inside it),
 * then soft tissue 40/400 (−160..240 HU, which holds the subdural preset). Air, lung and bone share the rest in
 * proportion to their spans. Measured on the 46 CT slices of slices16/val at `max` with mrct-grey-v3 (docs/models.md):
 * the brain preset as the inner window gave a mean brain-window SSIM of 0.9415 against 0.9377 for −20..100 HU (both
 * 40% inside 75%); 35% inside 60% keeps 0.9405 and the worst preset (0.921), and lifts the whole stored range from
 * 0.963 to 0.975, bone and air having more of the range, for 7% more bits.
 */
const CT_WINDOWS: Emphasis[] = [[0, 80, 0.35], [-160, 240, 0.6]];
const PERCENTILE_SHARE = 0.9;

/** A window [a, b] in real units and the share of the network's range it gets. */
type Emphasis = [number, number, number];

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
 * Knots for nested windows (in samples, innermost first, shares increasing outwards) over [lo, hi]: each zone, the part
 * of a window outside the next inner one, spreads its share evenly over its samples; zones the plane does not reach
 * give their share to the others. Every segment gets at least one step, so the curve inverts however thin a tail is.
 */
function nestedKnots(windows: Emphasis[], lo: number, hi: number): Knots | undefined {
  const clipped = windows.map(([a, b, s]) => [Math.max(lo, Math.round(Math.min(a, b))), Math.min(hi, Math.round(Math.max(a, b))), s] as Emphasis)
    .filter(([a, b]) => b - a >= 16);
  if (clipped.length === 0) return undefined;
  const xs = [...new Set([lo, hi, ...clipped.flatMap(([a, b]) => [a, b])])].sort((p, q) => p - q);
  // The zone of a segment is the innermost window holding it (clipped.length for none); its share and span.
  const zoneOf = (x0: number, x1: number) => {
    const k = clipped.findIndex(([a, b]) => a <= x0 && x1 <= b);
    return k < 0 ? clipped.length : k;
  };
  const zoneShare = (k: number) => (k === clipped.length ? 1 : clipped[k]![2]) - (k > 0 ? clipped[k - 1]![2] : 0);
  const zoneSpan = new Array<number>(clipped.length + 1).fill(0);
  for (let i = 1; i < xs.length; i++) zoneSpan[zoneOf(xs[i - 1]!, xs[i]!)]! += xs[i]! - xs[i - 1]!;
  const weights = xs.slice(1).map((x1, i) => {
    const k = zoneOf(xs[i]!, x1);
    return Math.max(0, zoneShare(k)) * (x1 - xs[i]!) / zoneSpan[k]!;
  });
  const total = weights.reduce((p, q) => p + q, 0);
  const ys = [0];
  let acc = 0;
  for (const w of weights) ys.push(Math.round(((acc += w) / total) * TRANSFER_STEPS));
  ys[ys.length - 1] = TRANSFER_STEPS;
  for (let i = 1; i < ys.length; i++) ys[i] = Math.max(ys[i]!, ys[i - 1]! + 1);
  for (let i = ys.length - 2; i >= 0; i--) ys[i] = Math.min(ys[i]!, ys[i + 1]! - 1);
  if (ys[0]! < 0) return undefined; // more segments than steps: cannot happen with ≤ 8 knots
  return xs.map((x, i) => [x, ys[i]!]);
}

/**
 * The knots for one plane of samples in [lo, hi], or undefined for a linear squash (8-bit images, flat planes, or
 * emphasis windows that do not fall inside the plane's range).
 */
export function chooseKnots(samples: ArrayLike<number>, lo: number, hi: number, bitDepth: number, display?: DisplayModel): Knots | undefined {
  if (bitDepth <= 8 || hi - lo < 64) return undefined;
  let windows: Emphasis[];
  if (display?.units === 'HU' && display.mapping) {
    const m = display.mapping;
    windows = CT_WINDOWS.map(([a, b, s]) => [realToSample(a, m), realToSample(b, m), s]);
  } else {
    const [a, b] = percentiles(samples, lo, hi);
    windows = [[a, b, PERCENTILE_SHARE]];
  }
  const knots = nestedKnots(windows, lo, hi);
  // What a reader refuses is never written.
  if (knots && !validKnots(knots, lo, hi)) throw new Error(`transfer: invalid knots ${JSON.stringify(knots)}`);
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

