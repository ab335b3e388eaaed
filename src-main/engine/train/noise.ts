/**
 * The four noises of the paper's Table 6, at scikit-image `random_noise` defaults, on samples scaled to [0, 1]:
 *   saltpepper: amount 0.05 (half salt, half pepper); speckle: x + x·N(0, 0.1); gaussian: x + N(0, 0.1);
 *   poisson: Poisson(x · 256) / 256. Results are clipped to [0, 1]. Seeded, so evaluations repeat exactly.
 * scripts/train_torch.py applies the same definitions during denoising training.
 */
import { mapColourPlanes, maxValue, sampleRange, type Image } from '../image/image.js';
import { gaussianWindow } from '../metrics/ssim.js';

export const NOISES = ['saltpepper', 'speckle', 'poisson', 'gaussian'] as const;
export type NoiseKind = (typeof NOISES)[number];

/** mulberry32: a small, fast, seeded PRNG (not for cryptography). */
export function seededUniform(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function normal(u: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
}

/** Poisson sample: Knuth's method below 30, a rounded normal N(λ, λ) above (error negligible at image scales). */
function poisson(lambda: number, u: () => number): number {
  if (lambda < 30) {
    const l = Math.exp(-lambda);
    let k = 0;
    let p = u();
    while (p > l) {
      k++;
      p *= u();
    }
    return k;
  }
  return Math.max(0, Math.round(lambda + Math.sqrt(lambda) * normal(u)));
}

/** Returns a noisy copy of `x` (values in [0, 1]). */
export function addNoise(x: Float32Array, kind: NoiseKind, seed: number): Float32Array {
  const u = seededUniform(seed);
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    let y: number;
    switch (kind) {
      case 'saltpepper': {
        const r = u();
        y = r < 0.025 ? 0 : r > 0.975 ? 1 : v;
        break;
      }
      case 'speckle': y = v + v * 0.1 * normal(u); break;
      case 'gaussian': y = v + 0.1 * normal(u); break;
      case 'poisson': y = poisson(v * 256, u) / 256; break;
    }
    out[i] = y < 0 ? 0 : y > 1 ? 1 : y;
  }
  return out;
}

/** 3x3 median filter with replicated edges: the classic baseline for denoising. */
export function median3x3(x: ArrayLike<number>, height: number, width: number): Float32Array {
  const out = new Float32Array(height * width);
  const w9 = new Float64Array(9);
  for (let y = 0; y < height; y++) {
    for (let xx = 0; xx < width; xx++) {
      let k = 0;
      for (let dy = -1; dy <= 1; dy++) {
        const yy = Math.min(height - 1, Math.max(0, y + dy));
        for (let dx = -1; dx <= 1; dx++) w9[k++] = x[yy * width + Math.min(width - 1, Math.max(0, xx + dx))]!;
      }
      w9.sort();
      out[y * width + xx] = w9[4]!;
    }
  }
  return out;
}

/**
 * A noisy copy of an image, what `aeimg eval` and `npm run bench` both measure denoising on: each colour plane on a
 * [0, 1] scale (8-bit: 0..255; more bits: the plane's own stored range, as the paper normalised its images and as
 * scripts/train_torch.py --noise-linear16 trains: a 12-bit MR using 0..800 of 0..65535 would otherwise get 80 times
 * the Gaussian noise), so salt is the plane's maximum and pepper its minimum; re-quantized; alpha as it is. Plane c
 * takes seed + c.
 */
export function noisyImage(image: Image, kind: NoiseKind, seed: number): Image {
  return mapColourPlanes(image, (src, c) => {
    const [lo, hi] = image.bitDepth === 16 ? sampleRange(src) : [0, 255];
    const span = Math.max(1, hi - lo);
    const noisy = addNoise(Float32Array.from(src, (v) => (v - lo) / span), kind, seed + c);
    return src.map((_, i) => lo + Math.round(noisy[i]! * span));
  });
}

/**
 * A copy with white Gaussian noise of σ sample units on each colour plane (for CT in HU: σ HU / rescale slope), rounded
 * and clipped to the bit depth; alpha as it is. A first approximation of a scanner's quantum noise at a given dose, for
 * figures at the noise levels readers meet (the paper's noises, on a 12-bit CT's stored range, are hundreds of HU).
 */
export function withGaussianNoise(image: Image, sigma: number, seed: number): Image {
  const top = maxValue(image.bitDepth);
  return mapColourPlanes(image, (src, c) => {
    const u = seededUniform(seed + c);
    return src.map((v) => Math.min(top, Math.max(0, Math.round(v + sigma * normal(u)))));
  });
}

/**
 * Like withGaussianNoise, but with the grain of a CT's noise: white noise through a difference of Gaussians (σ 1 and 3
 * pixels), scaled to σ. Filtered back-projection gives a noise power spectrum that rises from nothing at the lowest
 * frequencies to a peak at middle ones and falls again where the reconstruction kernel cuts; this one peaks near 0.1
 * cycles/pixel, so the noise comes in blobs of 3–5 pixels that look like fine texture, not single-pixel speckle.
 */
export function withGrainNoise(image: Image, sigma: number, seed: number): Image {
  const top = maxValue(image.bitDepth);
  const { width: w, height: h } = image;
  return mapColourPlanes(image, (src, c) => {
    const u = seededUniform(seed + c);
    const white = Float64Array.from({ length: w * h }, () => normal(u));
    const fine = gaussianBlur(white, w, h, 1), coarse = gaussianBlur(white, w, h, 3);
    const band = fine.map((v, i) => v - coarse[i]!);
    const scale = sigma / Math.sqrt(band.reduce((a, v) => a + v * v, 0) / band.length);
    return src.map((v, i) => Math.min(top, Math.max(0, Math.round(v + scale * band[i]!))));
  });
}

/** A separable Gaussian blur (σ pixels, radius 3σ), edges replicated. */
function gaussianBlur(src: Float64Array, w: number, h: number, sigma: number): Float64Array {
  const r = Math.ceil(3 * sigma);
  const kn = gaussianWindow(2 * r + 1, sigma);
  const pass = (a: Float64Array, step: number, len: number, lines: number, lineStep: number) => {
    const out = new Float64Array(a.length);
    for (let l = 0; l < lines; l++) {
      for (let x = 0; x < len; x++) {
        let acc = 0;
        for (let t = -r; t <= r; t++) acc += kn[t + r]! * a[l * lineStep + Math.min(len - 1, Math.max(0, x + t)) * step]!;
        out[l * lineStep + x * step] = acc;
      }
    }
    return out;
  };
  return pass(pass(src, 1, w, h, w), w, h, w, 1);
}
