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

function gaussianWindow(size: number, sigma: number): Float64Array {
  const w = new Float64Array(size);
  const r = (size - 1) / 2;
  let sum = 0;
  for (let i = 0; i < size; i++) sum += w[i] = Math.exp(-((i - r) ** 2) / (2 * sigma * sigma));
  return w.map((v) => v / sum);
}

const ssimTerm = (ma: number, mb: number, va: number, vb: number, cov: number) =>
  ((2 * ma * mb + C1) * (2 * cov + C2)) / ((ma * ma + mb * mb + C1) * (va + vb + C2));

/** Mean SSIM and MSE of two images of `width` x `height`, read row by row. */
export function ssimRows(a: RowSource, b: RowSource, width: number, height: number): { ssim: number; mse: number } {
  const ra = new Float64Array(width);
  const rb = new Float64Array(width);
  if (height < K || width < K) return globalSsim(a, b, width, height, ra, rb);
  const ow = width - K + 1;
  // ring[slot][map]: the five horizontally filtered maps (a, b, a², b², ab) of one input row.
  const ring = Array.from({ length: K }, () => Array.from({ length: 5 }, () => new Float64Array(ow)));
  const acc = Array.from({ length: 5 }, () => new Float64Array(ow));
  let se = 0;
  let sum = 0;
  for (let y = 0; y < height; y++) {
    a(y, ra);
    b(y, rb);
    for (let x = 0; x < width; x++) se += (ra[x]! - rb[x]!) ** 2;
    const [hA, hB, hAA, hBB, hAB] = ring[y % K] as Float64Array[] as [Float64Array, Float64Array, Float64Array, Float64Array, Float64Array];
    for (let x = 0; x < ow; x++) {
      let sa = 0, sb = 0, saa = 0, sbb = 0, sab = 0;
      for (let i = 0; i < K; i++) {
        const w = WINDOW[i]!, va = ra[x + i]!, vb = rb[x + i]!;
        sa += w * va; sb += w * vb; saa += w * va * va; sbb += w * vb * vb; sab += w * va * vb;
      }
      hA[x] = sa; hB[x] = sb; hAA[x] = saa; hBB[x] = sbb; hAB[x] = sab;
    }
    if (y < K - 1) continue;
    for (const m of acc) m.fill(0);
    const top = y - K + 1;
    for (let i = 0; i < K; i++) {
      const w = WINDOW[i]!;
      const slot = ring[(top + i) % K]!;
      for (let m = 0; m < 5; m++) {
        const src = slot[m]!, dst = acc[m]!;
        for (let x = 0; x < ow; x++) dst[x] = dst[x]! + w * src[x]!;
      }
    }
    const [mA, mB, sAA, sBB, sAB] = acc as [Float64Array, Float64Array, Float64Array, Float64Array, Float64Array];
    for (let x = 0; x < ow; x++) {
      const ma = mA[x]!, mb = mB[x]!;
      sum += ssimTerm(ma, mb, sAA[x]! - ma * ma, sBB[x]! - mb * mb, sAB[x]! - ma * mb);
    }
  }
  return { ssim: sum / (ow * (height - K + 1)), mse: se / (width * height) };
}

/** Images smaller than the window: one global window with uniform weights. */
function globalSsim(a: RowSource, b: RowSource, width: number, height: number, ra: Float64Array, rb: Float64Array) {
  const n = width * height;
  let ma = 0, mb = 0, saa = 0, sbb = 0, sab = 0, se = 0;
  for (let y = 0; y < height; y++) {
    a(y, ra);
    b(y, rb);
    for (let x = 0; x < width; x++) {
      const va = ra[x]!, vb = rb[x]!;
      ma += va; mb += vb; saa += va * va; sbb += vb * vb; sab += va * vb; se += (va - vb) ** 2;
    }
  }
  ma /= n; mb /= n;
  return { ssim: ssimTerm(ma, mb, saa / n - ma * ma, sbb / n - mb * mb, sab / n - ma * mb), mse: se / n };
}

/** Mean SSIM of two maps already scaled to [0, 1] (row-major, height x width). */
export function ssimPlane(a: ArrayLike<number>, b: ArrayLike<number>, height: number, width: number): number {
  const rows = (m: ArrayLike<number>): RowSource => (y, out) => { for (let x = 0; x < width; x++) out[x] = m[y * width + x]!; };
  return ssimRows(rows(a), rows(b), width, height).ssim;
}

export function psnrFromMse(mse: number): number {
  return mse === 0 ? Infinity : 10 * Math.log10(1 / mse);
}
