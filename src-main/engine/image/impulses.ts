/**
 * Impulse (salt-and-pepper) repair for the denoised view, and, since aeimg 0.7, before the encoder of a network-only
 * file whose image has no other noise (codec/impulse-map.ts carries where the impulses were): a switching median. Only
 * samples at a plane's extremes that stand alone are changed; every other sample is left as it is, so the view does
 * not blur what is not noise.
 *  - A candidate is a sample within `tolerance` of the plane's minimum or maximum (`tolerance` is the file's error
 *    bound: a within-1 file may carry an impulse at 254 for 255).
 *  - It is an impulse when its cluster, the candidates of the same extreme it touches (8-connected), has at most
 *    MAX_CLUSTER samples: a dark background or a saturated region is many such samples together, and its edge is kept;
 *    at 5% noise, impulses touch each other in pairs, lines and 2x2 blocks.
 *  - It is repaired only when it differs from the median of the other samples around it that are not impulses (3x3,
 *    else 5x5) by more than 1/32 of the plane's range, and then becomes that median: the brightest sample of a
 *    bone is not an impulse, a bright one in a dark background is.
 * The network alone cannot do this from a latent: the encoder has mixed an impulse into its neighbours (docs/models.md).
 */

import { colourChannels, extractChannel, interleave, sampleRange, type Image } from './image.js';

/**
 * The largest cluster taken for impulses. Measured on the bench's 6 val slices of every source and the 9 grey DICOM
 * fixtures of 64 px and more, 5% salt-and-pepper (docs/models.md, "Impulse repair"): clusters of up to 4 (a 2x2 block)
 * give a mean SSIM of 0.9958 against the 3x3 median's 0.9787, beat the median on all 39 images, and change 219 samples
 * in all on the same images without noise; 6 and 9 gained under 0.0006 and changed about twice as many. (Aeimg 0.5–0.6
 * took samples with at most one such neighbour, in two passes: 0.9908, below the median on 8 of the 39 images, and
 * 777 clean samples changed.)
 */
const MAX_CLUSTER = 4;

/** Repairs one plane (row-major `width` x `height`) in place; returns how many samples it changed. */
export function repairImpulses(plane: Uint8Array | Uint16Array, width: number, height: number, tolerance = 0): number {
  const [lo, hi] = sampleRange(plane);
  if (hi - lo <= 2 * tolerance + 1) return 0;
  // 1: dark extreme, 2: bright extreme, 0: neither.
  const kind = new Uint8Array(plane.length);
  for (let i = 0; i < plane.length; i++) kind[i] = plane[i]! <= lo + tolerance ? 1 : plane[i]! >= hi - tolerance ? 2 : 0;
  const jump = (hi - lo) / 32;
  const impulses = smallClusters(kind, width, height);
  const isImpulse = new Uint8Array(plane.length);
  for (const i of impulses) isImpulse[i] = 1;
  const repaired = impulses.map((i) => {
    const m = medianAround(plane, isImpulse, width, height, i);
    return m !== undefined && Math.abs(plane[i]! - m) > jump ? m : plane[i]!;
  });
  // Written after all are found, so a repair never feeds another's median.
  let changed = 0;
  impulses.forEach((i, k) => {
    if (plane[i] === repaired[k]) return;
    changed++;
    plane[i] = repaired[k]!;
  });
  return changed;
}

/**
 * The candidates (`kind` 1 dark, 2 bright, 0 neither) whose 8-connected cluster of candidates of their own kind has at
 * most `largest` samples (MAX_CLUSTER: what the repair takes for impulses).
 */
export function smallClusters(kind: Uint8Array, width: number, height: number, largest = MAX_CLUSTER): number[] {
  const seen = new Uint8Array(kind.length);
  const out: number[] = [];
  const cluster: number[] = [];
  const stack: number[] = [];
  for (let start = 0; start < kind.length; start++) {
    const k = kind[start]!;
    if (!k || seen[start]) continue;
    // The whole cluster is visited (and marked) even once it is too big; only its first samples are kept.
    cluster.length = 0;
    let size = 0;
    stack.push(start);
    seen[start] = 1;
    while (stack.length) {
      const i = stack.pop()!;
      if (++size <= largest) cluster.push(i);
      const y = Math.floor(i / width), x = i - y * width;
      for (let yy = Math.max(0, y - 1); yy <= Math.min(height - 1, y + 1); yy++) {
        for (let xx = Math.max(0, x - 1); xx <= Math.min(width - 1, x + 1); xx++) {
          const j = yy * width + xx;
          if (!seen[j] && kind[j] === k) {
            seen[j] = 1;
            stack.push(j);
          }
        }
      }
    }
    if (size <= largest) out.push(...cluster);
  }
  return out;
}

/** The median of the samples around `i` that are not impulses (3x3, else 5x5); undefined if there are none. */
function medianAround(plane: Uint8Array | Uint16Array, isImpulse: Uint8Array, width: number, height: number, i: number): number | undefined {
  const y = Math.floor(i / width), x = i - y * width;
  const values: number[] = [];
  for (const r of [1, 2]) {
    values.length = 0;
    for (let yy = Math.max(0, y - r); yy <= Math.min(height - 1, y + r); yy++) {
      for (let xx = Math.max(0, x - r); xx <= Math.min(width - 1, x + r); xx++) {
        if (!isImpulse[yy * width + xx]) values.push(plane[yy * width + xx]!);
      }
    }
    if (values.length) {
      values.sort((a, b) => a - b);
      return Math.round((values[(values.length - 1) >> 1]! + values[values.length >> 1]!) / 2);
    }
  }
  return undefined;
}

/**
 * Immerkær's estimate of a plane's Gaussian noise σ ("Fast noise variance estimation", 1996: a Laplacian-difference
 * mask, mean absolute response), on the scale of the plane's range (0..1). Edges add to it, so it is an upper bound.
 */
export function noiseSigma(plane: ArrayLike<number>, width: number, height: number): number {
  if (width < 3 || height < 3) return 0;
  const [lo, hi] = sampleRange(plane);
  if (hi <= lo) return 0;
  let sum = 0;
  for (let y = 1; y < height - 1; y++) {
    for (let x = 1; x < width - 1; x++) sum += Math.abs(laplacianDifference(plane, width, y * width + x));
  }
  return (IMMERKAER * sum) / ((width - 2) * (height - 2)) / (hi - lo);
}

/** Mean |laplacianDifference| times this is Gaussian noise's σ: the mask's gain is 6, and E|N(0, 1)| = √(2/π). */
export const IMMERKAER = Math.sqrt(Math.PI / 2) / 6;

/** Immerkær's mask at interior sample `i`: [1 −2 1; −2 4 −2; 1 −2 1], zero on any plane linear in x and y. */
export function laplacianDifference(plane: ArrayLike<number>, width: number, i: number): number {
  const a = i - width, b = i + width;
  return plane[a - 1]! - 2 * plane[a]! + plane[a + 1]! - 2 * plane[i - 1]! + 4 * plane[i]! - 2 * plane[i + 1]!
    + plane[b - 1]! - 2 * plane[b]! + plane[b + 1]!;
}

/**
 * When the repair alone is the denoised view: it changed at least this share of the samples (impulse noise was there)
 * and left no other noise above this σ (noiseSigma, 0..1 of the range). Measured on 4 val slices of
 * every source (docs/models.md, "Impulse repair"; the repair of 0.6.1): clean slices 0.0007–0.0035, and 0.017 for a
 * textured CT; after repairing 5% salt-and-pepper (2.5–4.3% of the samples changed) 0.0013–0.0047, and 0.020 for that
 * CT. Speckle and Poisson noise give 0.0035–0.034 with at most 0.36% changed; Gaussian noise 0.062–0.089, with
 * 0.5–2.8% changed where it clips at the extremes. On a
 * repaired slice the network would only lose detail: its own error on clean slices is about a 3x3 median's on impulses.
 */
const IMPULSE_SHARE = 0.01;
const QUIET_SIGMA = 0.025;

/**
 * A copy of the image with each colour plane's impulses repaired (repairImpulses), alpha as it is, and its planes
 * (the restoration's received pixels); `sigmas`: each colour plane's noise σ after the repair; `quiet` when impulses
 * were repaired and no other noise is left (the view is then the repair alone).
 */
export function withoutImpulses(image: Image, tolerance: number): { image: Image; planes: (Uint8Array | Uint16Array)[]; sigmas: number[]; quiet: boolean } {
  let changed = 0;
  const sigmas: number[] = [];
  const planes = Array.from({ length: image.channels }, (_, c) => {
    const plane = extractChannel(image, c);
    if (c < colourChannels(image)) {
      changed += repairImpulses(plane, image.width, image.height, tolerance);
      sigmas.push(noiseSigma(plane, image.width, image.height));
    }
    return plane;
  });
  const quiet = changed >= IMPULSE_SHARE * image.width * image.height * colourChannels(image) && Math.max(...sigmas) < QUIET_SIGMA;
  return { image: interleave(planes, image.width, image.height, image.bitDepth), planes, sigmas, quiet };
}

