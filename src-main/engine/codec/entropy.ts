/**
 * Lossless coding of integer maps (quantized latents, residuals): an optional LOCO-I/JPEG-LS median edge
 * detector (MED) prediction, zig-zag mapping of the prediction error, byte planes, then brotli.
 */
import { brotliCompressSync, brotliDecompressSync, constants } from 'node:zlib';
import { AeimgError, ErrorCode } from '../errors.js';

export interface MapGeometry {
  count: number;
  height: number;
  width: number;
  /** Bits per value, 1..16. */
  bits: number;
  /** MED spatial prediction (smooth maps) or none (noise-like maps). */
  predict: boolean;
}

function med(a: number, b: number, c: number): number {
  if (c >= Math.max(a, b)) return Math.min(a, b);
  if (c <= Math.min(a, b)) return Math.max(a, b);
  return a + b - c;
}

/**
 * MED prediction of sample i = y·w + x from its causal neighbours: left a, above b, above-left c; the first row
 * uses a for b, the first column b for a, and the first sample `first`. Shared by every map coder in aeimg.
 */
export function predictMed(m: ArrayLike<number>, i: number, x: number, y: number, w: number, first: number): number {
  const a = x > 0 ? m[i - 1]! : y > 0 ? m[i - w]! : first;
  const b = y > 0 ? m[i - w]! : a;
  const c = x > 0 && y > 0 ? m[i - w - 1]! : b;
  return med(a, b, c);
}

function bytesPerValue(bits: number): 1 | 2 {
  return bits <= 8 ? 1 : 2;
}

/** Codes `count` maps of height x width values in [0, 2^bits). */
export function encodeMaps(maps: ArrayLike<number>[], g: MapGeometry): Buffer {
  const { height: h, width: w, bits } = g;
  const size = 2 ** bits;
  const half = size / 2;
  const n = h * w;
  const bpv = bytesPerValue(bits);
  const out = Buffer.alloc(maps.length * n * bpv);
  maps.forEach((m, k) => {
    const base = k * n * bpv;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const i = y * w + x;
        const p = g.predict ? predictMed(m, i, x, y, w, half) : 0;
        let e = (m[i]! - p) % size;
        if (e < 0) e += size;
        if (e >= half) e -= size;
        const z = e >= 0 ? 2 * e : -2 * e - 1;
        if (bpv === 1) out[base + i] = z;
        else {
          out[base + i] = z >> 8;
          out[base + n + i] = z & 0xff;
        }
      }
    }
  });
  // Measured on val latents: quality 10 is within 0.3% of 11 at half the time; 5 costs 2.6% and is 15x faster.
  const quality = out.length <= 1 << 20 ? 10 : 5;
  return brotliCompressSync(out, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: quality,
      [constants.BROTLI_PARAM_LGWIN]: 24,
      [constants.BROTLI_PARAM_SIZE_HINT]: out.length,
    },
  });
}

export function decodeMaps(data: Buffer, g: MapGeometry): Uint16Array[] {
  const { count, height: h, width: w, bits } = g;
  const n = h * w;
  const bpv = bytesPerValue(bits);
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
