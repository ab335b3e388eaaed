/**
 * Predictive coding of integer planes with the adaptive binary coder in arith.ts. Two users:
 *  - the refinement layer: the original samples of a plane given the autoencoder's reconstruction of it, so the
 *    receiver rebuilds them exactly (maxError 0) or within ±maxError of every sample (near-lossless, JPEG-LS style:
 *    the prediction error is quantized in steps of 2·maxError + 1 against a prediction made from already rebuilt
 *    samples, so sender and receiver predict alike);
 *  - the latent maps (entropy.ts), with no reconstruction to lean on (a zero plane).
 *
 * The prediction blends four predictors by how well each did on the neighbouring samples (the idea of JPEG XL's
 * weighted predictor): the median edge detector on rebuilt samples, the reconstruction corrected by the residual of
 * the west and north neighbours, the same with north and north-east, and the reconstruction itself. A per-context
 * bias correction follows; errors are coded in contexts of local activity.
 */
import { activityBucket, BitModels, damaged, IntCoder, RangeDecoder, RangeEncoder } from './arith.js';

const PREDICTORS = 4;
const ACTIVITY = 14;
const SIGN_CONTEXTS = 9;
const BIAS_CONTEXTS = ACTIVITY * 4;

export interface PlaneGeometry {
  readonly width: number;
  readonly height: number;
  /** Largest possible sample (255, 65535, or 2^bits − 1 for latents). */
  readonly top: number;
  /** The plane's smallest sample: near-lossless keeps it exact (black backgrounds stay black). */
  readonly floor: number;
}

type Samples = { [i: number]: number; readonly length: number };

function clamp(v: number, top: number): number {
  return v < 0 ? 0 : v > top ? top : v;
}

/**
 * Walks the plane in raster order; `code(i, pred, ctx, signCtx)` returns the rebuilt sample at i, which the walker
 * stores in `rec` and learns from. All predictor state lives here, so the encoder and the decoder share it exactly.
 */
function walk(g: PlaneGeometry, dec: ArrayLike<number>, rec: Samples, maxError: number,
  code: (i: number, pred: number, ctx: number, signCtx: number) => number): void {
  const { width: w, height: h, top } = g;
  const stride = w + 2;
  // Absolute error of each predictor on the previous and the current row (alternating halves), with a zero border.
  const errs = new Float64Array(PREDICTORS * 2 * stride);
  const rowErr = new Float64Array(2 * stride); // the blended prediction's signed error, in quantization steps
  const biasSum = new Float64Array(BIAS_CONTEXTS);
  const biasCount = new Float64Array(BIAS_CONTEXTS).fill(1);
  const preds = new Float64Array(PREDICTORS);
  const scale = 2 * maxError + 1;
  for (let y = 0; y < h; y++) {
    const cur = (y & 1) * stride;
    const prev = ((y + 1) & 1) * stride;
    const hasN = y > 0;
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      const di = dec[i]!;
      const a = x > 0 ? rec[i - 1]! : hasN ? rec[i - w]! : di;
      const b = hasN ? rec[i - w]! : a;
      const c = x > 0 && hasN ? rec[i - w - 1]! : b;
      const d = hasN && x < w - 1 ? rec[i - w + 1]! : b;
      const da = x > 0 ? dec[i - 1]! : hasN ? dec[i - w]! : di;
      const db = hasN ? dec[i - w]! : da;
      const dd = hasN && x < w - 1 ? dec[i - w + 1]! : db;
      const mx = a > b ? a : b, mn = a > b ? b : a;
      preds[0] = c >= mx ? mn : c <= mn ? mx : a + b - c;
      preds[1] = di + (a - da + (b - db)) / 2;
      preds[2] = di + (b - db + (d - dd)) / 2;
      preds[3] = di;
      const xw = x + 1;
      let sumW = 0, blended = 0;
      for (let k = 0; k < PREDICTORS; k++) {
        const o = k * 2 * stride;
        const e = errs[o + cur + xw - 1]! + errs[o + prev + xw]! + 0.5 * (errs[o + prev + xw - 1]! + errs[o + prev + xw + 1]!) + 0.5;
        const wk = 1 / (e * e);
        sumW += wk;
        blended += wk * preds[k]!;
      }
      blended /= sumW;
      const eW = rowErr[cur + xw - 1]!, eN = rowErr[prev + xw]!;
      const act = Math.abs(eW) + Math.abs(eN) + 0.5 * (Math.abs(rowErr[prev + xw - 1]!) + Math.abs(rowErr[prev + xw + 1]!)) +
        0.25 * (Math.abs(a - c) + Math.abs(b - c) + Math.abs(b - d)) / scale;
      const ctx = activityBucket(Math.round(act * 2), ACTIVITY);
      const bctx = ctx * 4 + (eW > 0 ? 2 : 0) + (eN > 0 ? 1 : 0);
      const pred = clamp(Math.round(blended + biasSum[bctx]! / biasCount[bctx]!), top);
      const signCtx = (eW > 0 ? 1 : eW < 0 ? 2 : 0) + (eN > 0 ? 3 : eN < 0 ? 6 : 0);
      const v = code(i, pred, ctx, signCtx);
      rec[i] = v;
      biasSum[bctx]! += v - blended;
      if (++biasCount[bctx]! > 64) {
        biasSum[bctx]! /= 2;
        biasCount[bctx]! /= 2;
      }
      rowErr[cur + xw] = (v - blended) / scale;
      for (let k = 0; k < PREDICTORS; k++) errs[k * 2 * stride + cur + xw] = Math.abs(v - preds[k]!);
    }
  }
}

/** The adaptive state of one plane's coding (fresh per plane). */
function models() {
  return { ints: new IntCoder(ACTIVITY, SIGN_CONTEXTS), atFloor: new BitModels(ACTIVITY * 2) };
}

/**
 * Codes `orig` given the reconstruction `dec` into `enc`; returns the samples the receiver will rebuild
 * (equal to `orig` when maxError is 0).
 */
export function encodePlane(enc: RangeEncoder, g: PlaneGeometry, orig: ArrayLike<number>, dec: ArrayLike<number>, maxError: number): Uint8Array | Uint16Array {
  const m = models();
  // Samples fit the plane's own type: a 64-Mpx plane costs 64 or 128 MB here, not 512.
  const rec = g.top > 255 ? new Uint16Array(g.width * g.height) : new Uint8Array(g.width * g.height);
  const scale = 2 * maxError + 1;
  walk(g, dec, rec, maxError, (i, pred, ctx, signCtx) => {
    // Near-lossless: where the floor is a possible value, one bit says whether the sample is exactly the floor, so
    // backgrounds stay exact instead of picking up ±maxError noise (which SSIM punishes hard in flat regions).
    if (maxError > 0 && pred - g.floor <= maxError) {
      const isFloor = orig[i] === g.floor ? 1 : 0;
      enc.encodeBit(m.atFloor, ctx * 2 + (rec[i - 1] === g.floor ? 1 : 0), isFloor);
      if (isFloor) return g.floor;
    }
    const e = orig[i]! - pred;
    const q = e >= 0 ? Math.floor((e + maxError) / scale) : -Math.floor((maxError - e) / scale);
    m.ints.encode(enc, q, ctx, signCtx);
    return clamp(pred + q * scale, g.top);
  });
  return rec;
}

/** Rebuilds a plane coded by encodePlane into `out`. */
export function decodePlane(rd: RangeDecoder, g: PlaneGeometry, dec: ArrayLike<number>, maxError: number, out: Samples): void {
  const m = models();
  const scale = 2 * maxError + 1;
  walk(g, dec, out, maxError, (i, pred, ctx, signCtx) => {
    if (maxError > 0 && pred - g.floor <= maxError && rd.decodeBit(m.atFloor, ctx * 2 + (out[i - 1] === g.floor ? 1 : 0))) return g.floor;
    return clamp(pred + m.ints.decode(rd, ctx, signCtx) * scale, g.top);
  });
  if (rd.overrun) throw damaged();
}

/** Codes several planes (each with its reconstruction) into one stream; returns it and the rebuilt planes. */
export function encodePlanes(planes: { geometry: PlaneGeometry; orig: ArrayLike<number>; dec: ArrayLike<number> }[], maxError: number):
{ data: Buffer; rebuilt: (Uint8Array | Uint16Array)[] } {
  const enc = new RangeEncoder(planes.reduce((n, p) => n + p.geometry.width * p.geometry.height, 0) >> 1);
  const rebuilt = planes.map((p) => encodePlane(enc, p.geometry, p.orig, p.dec, maxError));
  return { data: enc.finish(), rebuilt };
}

/** Decodes the stream of encodePlanes into the given output planes. */
export function decodePlanes(data: Uint8Array, planes: { geometry: PlaneGeometry; dec: ArrayLike<number>; out: Samples }[], maxError: number): void {
  const rd = new RangeDecoder(data);
  for (const p of planes) decodePlane(rd, p.geometry, p.dec, maxError, p.out);
}
