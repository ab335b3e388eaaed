/**
 * Detail restoration for the denoised view of received pixels. The denoiser reads a latent of one value per 2x2
 * pixels, so beside the noise it also drops fine detail the file still carries. The residual (received − denoised) is
 * noise plus that lost detail; a Wiener gain in each 5x5 window keeps the part of it that stands above the noise:
 *   gain = max(0, 1 − σ²(I) / mean(residual²)),  view = denoised + gain · residual,
 * with σ(I) the noise level at the denoised intensity I (Immerkær's estimator in 16 intensity bins, so that speckle
 * and Poisson noise, which grow with the signal, are measured where they are). Flat noisy regions keep the denoiser's
 * output; edges and texture get the received samples back. docs/models.md ("Detail restoration") has the figures.
 */

import { maxValue, sampleRange } from './image.js';
import { IMMERKAER, laplacianDifference } from './impulses.js';

/** Intensity bins of the noise level function. */
const BINS = 16;
/** A bin needs this many samples for its own estimate; emptier ones take the nearest estimated bin's. */
const MIN_SAMPLES = 64;
/** Half-width of the window of residual energy (5x5). */
const RADIUS = 2;
/**
 * The noise level is taken this much larger than estimated, so that a window of pure noise, whose measured energy
 * scatters around σ², gives back little of it (1.25 measured best of 1, 1.25, 1.5 and 2 on the bench's val slices).
 */
const OVER = 1.25;

/** Restores one plane (row-major `width` x `height`) of the view from the received plane; a new plane. */
export function restoreDetail<T extends Uint8Array | Uint16Array>(received: T, denoised: T, width: number, height: number): T {
  const n = width * height;
  const out = denoised.slice() as T;
  if (width < 3 || height < 3) return out;
  const bins = intensityBins(denoised);
  const variance = noiseLevels(received, bins, width, height);
  const residual = new Float64Array(n);
  for (let i = 0; i < n; i++) residual[i] = received[i]! - denoised[i]!;
  const energy = boxMean(residual.map((r) => r * r), width, height, RADIUS);
  const top = maxValue(received instanceof Uint8Array ? 8 : 16);
  for (let i = 0; i < n; i++) {
    const e = energy[i]!;
    const gain = e > 0 ? Math.max(0, 1 - variance[bins[i]!]! / e) : 0;
    out[i] = Math.min(top, Math.max(0, Math.round(denoised[i]! + gain * residual[i]!)));
  }
  return out;
}

/** Each sample's intensity bin: BINS equal parts of the plane's own range. */
function intensityBins(plane: ArrayLike<number>): Uint8Array {
  const [lo, hi] = sampleRange(plane);
  const span = Math.max(1, hi - lo);
  return Uint8Array.from(plane, (v) => Math.min(BINS - 1, Math.floor(((v - lo) / span) * BINS)));
}

/** σ² (times OVER²) of the received plane's noise in each intensity bin (`bins`: each sample's, of the denoised plane). */
function noiseLevels(received: ArrayLike<number>, bins: Uint8Array, width: number, height: number): number[] {
  const sum = new Float64Array(BINS), count = new Float64Array(BINS);
  for (let y = 1; y < height - 1; y++) {
    for (let x = 1; x < width - 1; x++) {
      const i = y * width + x, b = bins[i]!;
      sum[b]! += Math.abs(laplacianDifference(received, width, i));
      count[b]!++;
    }
  }
  const estimated = Array.from(sum, (s, b) => (count[b]! >= MIN_SAMPLES ? (OVER * IMMERKAER * s) / count[b]! : undefined));
  return estimated.map((sigma, b) => {
    for (let d = 0; sigma === undefined && d < BINS; d++) sigma = estimated[b - d] ?? estimated[b + d];
    return (sigma ?? 0) ** 2;
  });
}

/** Mean over the (2·radius + 1)² window around each sample, shrunk at the borders (two separable passes). */
function boxMean(values: Float64Array, width: number, height: number, radius: number): Float64Array {
  const rows = new Float64Array(values.length), out = new Float64Array(values.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let s = 0, c = 0;
      for (let k = Math.max(0, x - radius); k <= Math.min(width - 1, x + radius); k++, c++) s += values[y * width + k]!;
      rows[y * width + x] = s / c;
    }
  }
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let s = 0, c = 0;
      for (let k = Math.max(0, y - radius); k <= Math.min(height - 1, y + radius); k++, c++) s += rows[k * width + x]!;
      out[y * width + x] = s / c;
    }
  }
  return out;
}
