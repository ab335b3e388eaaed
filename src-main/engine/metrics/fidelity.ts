/**
 * Image fidelity: SSIM (Wang et al. 2004: Gaussian window 11, sigma 1.5, K1 0.01, K2 0.03, 'valid' region,
 * as their reference MATLAB code), PSNR and MSE, on samples divided by the data range L.
 * L is 255 for 8-bit images; for 16-bit images it is the range the original actually uses (max - min),
 * because a 12-bit CT in a 16-bit container would otherwise look perfect at any error.
 */
import { colourChannels, extractChannel, type Image } from '../image/image.js';

export interface Fidelity {
  ssim: number;
  psnr: number;
  mse: number;
}

const WINDOW = gaussianWindow(11, 1.5);

function gaussianWindow(size: number, sigma: number): Float64Array {
  const w = new Float64Array(size);
  const r = (size - 1) / 2;
  let sum = 0;
  for (let i = 0; i < size; i++) sum += w[i] = Math.exp(-((i - r) ** 2) / (2 * sigma * sigma));
  return w.map((v) => v / sum);
}

/** Separable 'valid' filtering of a height x width map. */
function filterValid(src: Float64Array, height: number, width: number, w: Float64Array): Float64Array {
  const k = w.length;
  const ow = width - k + 1;
  const oh = height - k + 1;
  const tmp = new Float64Array(height * ow);
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < ow; x++) {
      let s = 0;
      for (let i = 0; i < k; i++) s += w[i]! * src[row + x + i]!;
      tmp[y * ow + x] = s;
    }
  }
  const out = new Float64Array(oh * ow);
  for (let y = 0; y < oh; y++) {
    for (let x = 0; x < ow; x++) {
      let s = 0;
      for (let i = 0; i < k; i++) s += w[i]! * tmp[(y + i) * ow + x]!;
      out[y * ow + x] = s;
    }
  }
  return out;
}

/** Mean SSIM of two maps already scaled to [0, 1] by the data range. */
export function ssimPlane(a: ArrayLike<number>, b: ArrayLike<number>, height: number, width: number): number {
  const c1 = 0.01 ** 2;
  const c2 = 0.03 ** 2;
  const n = height * width;
  if (height < WINDOW.length || width < WINDOW.length) {
    // Too small for the window: one global window (uniform weights).
    let ma = 0, mb = 0;
    for (let i = 0; i < n; i++) { ma += a[i]!; mb += b[i]!; }
    ma /= n; mb /= n;
    let va = 0, vb = 0, cov = 0;
    for (let i = 0; i < n; i++) { va += (a[i]! - ma) ** 2; vb += (b[i]! - mb) ** 2; cov += (a[i]! - ma) * (b[i]! - mb); }
    va /= n; vb /= n; cov /= n;
    return ((2 * ma * mb + c1) * (2 * cov + c2)) / ((ma * ma + mb * mb + c1) * (va + vb + c2));
  }
  const A = Float64Array.from(a as ArrayLike<number>);
  const B = Float64Array.from(b as ArrayLike<number>);
  const AA = A.map((v) => v * v);
  const BB = B.map((v) => v * v);
  const AB = A.map((v, i) => v * B[i]!);
  const [mA, mB, sAA, sBB, sAB] = [A, B, AA, BB, AB].map((m) => filterValid(m, height, width, WINDOW)) as Float64Array[];
  let sum = 0;
  for (let i = 0; i < mA!.length; i++) {
    const ma = mA![i]!, mb = mB![i]!;
    const va = sAA![i]! - ma * ma, vb = sBB![i]! - mb * mb, cov = sAB![i]! - ma * mb;
    sum += ((2 * ma * mb + c1) * (2 * cov + c2)) / ((ma * ma + mb * mb + c1) * (va + vb + c2));
  }
  return sum / mA!.length;
}

export function psnrFromMse(mse: number): number {
  return mse === 0 ? Infinity : 10 * Math.log10(1 / mse);
}

/** The data range used for an image's fidelity figures (see the file comment). */
export function dataRange(image: Image): number {
  if (image.bitDepth === 8) return 255;
  let lo = 65535, hi = 0;
  const n = colourChannels(image);
  for (let i = 0; i < image.pixels.length; i++) {
    if (image.channels !== n && i % image.channels === n) continue; // skip alpha
    const v = image.pixels[i]!;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return Math.max(1, hi - lo);
}

/** Fidelity of `decoded` against `original` (same geometry), averaged over colour channels. */
export function compareImages(original: Image, decoded: Image): Fidelity {
  if (original.width !== decoded.width || original.height !== decoded.height || original.channels !== decoded.channels) {
    throw new Error('compareImages: geometry differs');
  }
  const L = dataRange(original);
  const { width, height } = original;
  let ssim = 0, mse = 0;
  const n = colourChannels(original);
  for (let c = 0; c < n; c++) {
    const a = Float64Array.from(extractChannel(original, c), (v) => v / L);
    const b = Float64Array.from(extractChannel(decoded, c), (v) => v / L);
    ssim += ssimPlane(a, b, height, width);
    let se = 0;
    for (let i = 0; i < a.length; i++) se += (a[i]! - b[i]!) ** 2;
    mse += se / a.length;
  }
  ssim /= n;
  mse /= n;
  return { ssim, psnr: psnrFromMse(mse), mse };
}
