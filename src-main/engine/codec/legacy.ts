/**
 * Reading files written before the adaptive coder (aeimg 0.1): latent maps and lossless residuals coded as
 * zig-zag byte planes under brotli, after a median edge detector (MED) prediction. Decode only; new files use
 * entropy.ts and refinement.ts. Records without `latent.coding` are these.
 */
import { brotliDecompressSync } from 'node:zlib';
import { AeimgError, ErrorCode } from '../errors.js';

interface MapGeometry {
  count: number;
  height: number;
  width: number;
  /** Bits per value, 1..16. */
  bits: number;
  /** MED spatial prediction (latents) or none (residuals). */
  predict: boolean;
}

function med(a: number, b: number, c: number): number {
  if (c >= Math.max(a, b)) return Math.min(a, b);
  if (c <= Math.min(a, b)) return Math.max(a, b);
  return a + b - c;
}

/** MED prediction from the causal neighbours; the first row uses a for b, the first column b for a. */
function predictMed(m: ArrayLike<number>, i: number, x: number, y: number, w: number, first: number): number {
  const a = x > 0 ? m[i - 1]! : y > 0 ? m[i - w]! : first;
  const b = y > 0 ? m[i - w]! : a;
  const c = x > 0 && y > 0 ? m[i - w - 1]! : b;
  return med(a, b, c);
}

export function decodeMapsV1(data: Buffer, g: MapGeometry): Uint16Array[] {
  const { count, height: h, width: w, bits } = g;
  const n = h * w;
  const bpv = bits <= 8 ? 1 : 2;
  const expected = count * n * bpv;
  let raw: Buffer;
  try {
    raw = brotliDecompressSync(data, { maxOutputLength: expected + 1 });
  } catch {
    throw new AeimgError(ErrorCode.Malformed, 'its coded image data is damaged.');
  }
  if (raw.length !== expected) throw new AeimgError(ErrorCode.Malformed, 'its coded image data has the wrong length.');
  const size = 2 ** bits;
  const half = size / 2;
  const maps: Uint16Array[] = [];
  for (let k = 0; k < count; k++) {
    const m = new Uint16Array(n);
    const base = k * n * bpv;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const i = y * w + x;
        const z = bpv === 1 ? raw[base + i]! : (raw[base + i]! << 8) | raw[base + n + i]!;
        const e = z & 1 ? -(z + 1) / 2 : z / 2;
        const p = g.predict ? predictMed(m, i, x, y, w, half) : 0;
        let v = (p + e) % size;
        if (v < 0) v += size;
        m[i] = v;
      }
    }
    maps.push(m);
  }
  return maps;
}

/**
 * The v1 lossless residual of each colour plane: MED on the original's causal neighbours plus the decoder's local
 * detail, residuals mod 2^bits. Rebuilds the exact planes from the decoded ones.
 */
export function applyResidualV1(blob: Buffer, decoded: ArrayLike<number>[], h: number, w: number, bits: number, out: { [i: number]: number }[]): void {
  const maps = decodeMapsV1(blob, { count: decoded.length, height: h, width: w, bits, predict: false });
  const size = 2 ** bits;
  const top = size - 1;
  const mid = size >> 1;
  decoded.forEach((dec, c) => {
    const orig = out[c]!;
    const residual = maps[c]!;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const i = y * w + x;
        const p = Math.min(top, Math.max(0, predictMed(orig as ArrayLike<number>, i, x, y, w, mid) + dec[i]! - predictMed(dec, i, x, y, w, mid)));
        orig[i] = (p + residual[i]!) % size;
      }
    }
  });
}
