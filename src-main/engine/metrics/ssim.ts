/**
 * SSIM (Wang et al. 2004: Gaussian window 11, sigma 1.5, K1 0.01, K2 0.03, 'valid' region, as their reference
 * MATLAB code) and MSE of two images given row by row, on values already scaled to [0, 1]. Rows stream through a
 * ring of 11 horizontally filtered rows, so memory is O(width) whatever the height: a 4096² image takes ~2 MB here.
 */

/** Writes row y of an image, scaled to [0, 1], into `out` (length = width). */
export type RowSource = (y: number, out: Float64Array) => void;

const K = 11;
const WINDOW = gaussianWindow(K, 1.5);
const C1 = 0.01 ** 2;
const C2 = 0.03 ** 2;

/** A normalised 1-D Gaussian of `size` taps. */
export function gaussianWindow(size: number, sigma: number): Float64Array {
  const w = new Float64Array(size);
  const r = (size - 1) / 2;
  let sum = 0;
  for (let i = 0; i < size; i++) sum += w[i] = Math.exp(-((i - r) ** 2) / (2 * sigma * sigma));
  return w.map((v) => v / sum);
}

const ssimTerm = (ma: number, mb: number, va: number, vb: number, cov: number) =>
  ((2 * ma * mb + C1) * (2 * cov + C2)) / ((ma * ma + mb * mb + C1) * (va + vb + C2));

/** Horizontal 'valid' filtering of one row with the symmetric window: w5·x[5] + Σ w_i·(x[i] + x[10 − i]). */
function filterRow(src: Float64Array, dst: Float64Array, ow: number): void {
  const [w0, w1, w2, w3, w4, w5] = WINDOW as unknown as [number, number, number, number, number, number];
  for (let x = 0; x < ow; x++) {
    dst[x] = w5 * src[x + 5]! + w0 * (src[x]! + src[x + 10]!) + w1 * (src[x + 1]! + src[x + 9]!) +
      w2 * (src[x + 2]! + src[x + 8]!) + w3 * (src[x + 3]! + src[x + 7]!) + w4 * (src[x + 4]! + src[x + 6]!);
  }
}

/** Vertical filtering of the ring's rows top..top+10 (slots modulo 11) into `dst`. */
function filterColumn(slots: Float64Array[], top: number, dst: Float64Array, ow: number): void {
  const [w0, w1, w2, w3, w4, w5] = WINDOW as unknown as [number, number, number, number, number, number];
  const r = (i: number) => slots[(top + i) % K]!;
  const r0 = r(0), r1 = r(1), r2 = r(2), r3 = r(3), r4 = r(4), r5 = r(5), r6 = r(6), r7 = r(7), r8 = r(8), r9 = r(9), r10 = r(10);
  for (let x = 0; x < ow; x++) {
    dst[x] = w5 * r5[x]! + w0 * (r0[x]! + r10[x]!) + w1 * (r1[x]! + r9[x]!) + w2 * (r2[x]! + r8[x]!) +
      w3 * (r3[x]! + r7[x]!) + w4 * (r4[x]! + r6[x]!);
  }
}

/**
 * Which pixels count (1) and which are left out (0): written row by row into `out`, from the two rows as scaled.
 * An SSIM window (11x11) counts where any of its pixels does; the MSE is over the pixels that count.
 */
export type Counts = (a: Float64Array, b: Float64Array, out: Float64Array) => void;

/** Mean SSIM and MSE of two images. */
export interface SsimMse { ssim: number; mse: number }

/**
 * Mean SSIM and MSE of two images of `width` x `height`, read row by row; with `counts`, over the part of them it
 * keeps (nothing kept: SSIM 1, MSE 0), and `all`, the figures over every window and pixel, from the same pass.
 */
export function ssimRows(a: RowSource, b: RowSource, width: number, height: number, counts?: Counts): SsimMse & { all: SsimMse } {
  const ra = new Float64Array(width);
  const rb = new Float64Array(width);
  const rc = new Float64Array(width).fill(1);
  if (height < K || width < K) return globalSsim(a, b, width, height, ra, rb, rc, counts);
  const ow = width - K + 1;
  // ring[map][slot]: the six horizontally filtered maps (a, b, a², b², ab, counts) of the last 11 input rows.
  const maps = counts ? 6 : 5;
  const ring = Array.from({ length: maps }, () => Array.from({ length: K }, () => new Float64Array(ow)));
  const products = Array.from({ length: 3 }, () => new Float64Array(width));
  const [aa, bb, ab] = products as [Float64Array, Float64Array, Float64Array];
  const vertical = Array.from({ length: maps }, () => new Float64Array(ow));
  let se = 0, pixels = 0, seAll = 0;
  let sum = 0, windows = 0, sumAll = 0;
  for (let y = 0; y < height; y++) {
    a(y, ra);
    b(y, rb);
    counts?.(ra, rb, rc);
    for (let x = 0; x < width; x++) {
      const va = ra[x]!, vb = rb[x]!, c = rc[x]!, d = (va - vb) ** 2;
      se += c * d;
      seAll += d;
      pixels += c;
      aa[x] = va * va; bb[x] = vb * vb; ab[x] = va * vb;
    }
    const slot = y % K;
    filterRow(ra, ring[0]![slot]!, ow);
    filterRow(rb, ring[1]![slot]!, ow);
    filterRow(aa, ring[2]![slot]!, ow);
    filterRow(bb, ring[3]![slot]!, ow);
    filterRow(ab, ring[4]![slot]!, ow);
    if (counts) filterRow(rc, ring[5]![slot]!, ow);
    if (y < K - 1) continue;
    // The vertical filter (symmetric too) over rows top..top+10 of each map, then the SSIM of each window. Every
    // tap of the Gaussian is positive, so a window's filtered count is above 0 exactly where one of its pixels counts.
    const top = y - K + 1;
    for (let m = 0; m < maps; m++) filterColumn(ring[m]!, top, vertical[m]!, ow);
    const [mA, mB, sAA, sBB, sAB, cW] = vertical as [Float64Array, Float64Array, Float64Array, Float64Array, Float64Array, Float64Array?];
    for (let x = 0; x < ow; x++) {
      const ma = mA[x]!, mb = mB[x]!;
      const s = ssimTerm(ma, mb, sAA[x]! - ma * ma, sBB[x]! - mb * mb, sAB[x]! - ma * mb);
      sumAll += s;
      if (cW && !(cW[x]! > 0)) continue;
      sum += s;
      windows++;
    }
  }
  const n = ow * (height - K + 1);
  const all = { ssim: sumAll / n, mse: seAll / (width * height) };
  return windows === 0 ? { ssim: 1, mse: 0, all } : { ssim: sum / windows, mse: se / pixels, all };
}

/** Images smaller than the window: one global window with uniform weights, kept where any pixel counts. */
function globalSsim(a: RowSource, b: RowSource, width: number, height: number, ra: Float64Array, rb: Float64Array, rc: Float64Array, counts?: Counts) {
  const n = width * height;
  let ma = 0, mb = 0, saa = 0, sbb = 0, sab = 0, se = 0, seAll = 0, pixels = 0;
  for (let y = 0; y < height; y++) {
    a(y, ra);
    b(y, rb);
    counts?.(ra, rb, rc);
    for (let x = 0; x < width; x++) {
      const va = ra[x]!, vb = rb[x]!, c = rc[x]!, d = (va - vb) ** 2;
      ma += va; mb += vb; saa += va * va; sbb += vb * vb; sab += va * vb; se += c * d; seAll += d; pixels += c;
    }
  }
  ma /= n; mb /= n;
  const all = { ssim: ssimTerm(ma, mb, saa / n - ma * ma, sbb / n - mb * mb, sab / n - ma * mb), mse: seAll / n };
  return pixels === 0 ? { ssim: 1, mse: 0, all } : { ...all, mse: se / pixels, all };
}

/** Mean SSIM of two maps already scaled to [0, 1] (row-major, height x width). */
export function ssimPlane(a: ArrayLike<number>, b: ArrayLike<number>, height: number, width: number): number {
  const rows = (m: ArrayLike<number>): RowSource => (y, out) => { for (let x = 0; x < width; x++) out[x] = m[y * width + x]!; };
  return ssimRows(rows(a), rows(b), width, height).ssim;
}

export function psnrFromMse(mse: number): number {
  return mse === 0 ? Infinity : 10 * Math.log10(1 / mse);
}
