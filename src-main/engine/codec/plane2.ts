/**
 * The plane coder 'wp2': lossless and near-lossless (every sample within ±maxError, JPEG-LS NEAR style) coding of
 * integer planes with no reconstruction to lean on (images coded without a latent). Normative description:
 * docs/format.md, "The range coder and the plane coder".
 *
 * Prediction: four sub-predictors in the manner of JPEG XL's weighted predictor (W + NE − N, and N or W corrected by
 * the neighbours' errors of the final prediction), blended with weights inverse to each one's recent error around
 * the sample, then corrected by the mean error of a context of texture (CALIC's idea). Coding: the quantized error
 * as zero flag, sign, unary magnitude class and the top mantissa bits, every bit's probability a logistic mix of two
 * adaptive models under different contexts (the expected error, and the predictors' disagreement with the largest
 * neighbouring error), as in lossless coders of the paq family. Everything is integer or IEEE double arithmetic with
 * no transcendental functions (the logistic tables are built from integers), so sender and receiver agree exactly;
 * the encoder and the decoder run the same walker (`run`).
 */
import { damaged, RangeDecoder, RangeEncoder } from './arith.js';
import type { PlaneGeometry } from './refinement.js';

export interface PlaneGeometry2 extends PlaneGeometry {
  /** The plane's largest sample (the record's plane range); `top` when absent. */
  readonly ceiling?: number;
}

type Samples = { [i: number]: number; readonly length: number };

// ---------------------------------------------------------------------------------------------------------------
// Logistic mixing. stretch(p) = ln(p / (1 − p)) and its inverse squash, as integer tables (lpaq1's interpolation
// table of squash, 12-bit domain, scaled here to 16-bit probabilities).

const SQUASH_POINTS = [1, 2, 3, 6, 10, 16, 27, 45, 73, 120, 194, 310, 488, 747, 1101, 1546, 2047, 2549, 2994, 3348, 3607,
  3785, 3901, 3975, 4024, 4050, 4068, 4079, 4085, 4089, 4092, 4093, 4094];

/** squash(d) for d in −2047..2047 (stretch units of 1/256), as a 16-bit probability. */
const SQUASH = new Int32Array(4096);
/** stretch(p) for a 12-bit probability p (a 16-bit one shifted right by 4). */
const STRETCH = new Int16Array(4096);
{
  for (let d = -2047; d <= 2047; d++) {
    const w = d & 127;
    const k = (d >> 7) + 16;
    SQUASH[d + 2047] = (SQUASH_POINTS[k]! * (128 - w) + SQUASH_POINTS[k + 1]! * w) * 16 / 128 | 0;
  }
  let pi = 0;
  for (let d = -2047; d <= 2047; d++) {
    const v = SQUASH[d + 2047]! >> 4;
    for (let j = pi; j <= v; j++) STRETCH[j] = d;
    pi = v + 1;
  }
  for (let j = pi; j < 4096; j++) STRETCH[j] = 2047;
}

/** Adaptation rate of a model that has seen n bits: 1/(n + 1.5), down to 1/LIMIT (scaled by 2^16). */
const LIMIT = 255;
const RATE = new Int32Array(LIMIT + 1);
for (let n = 0; n <= LIMIT; n++) RATE[n] = Math.floor(65536 / (n + 1.5));

const MIX_INPUTS = 3;
const LEARN = 0.006;

/** The binary decisions: the models under two contexts each, mixed, coded (or decoded). */
class Bits {
  readonly p: Uint16Array; // probability of a 1, 16 bits
  readonly n: Uint8Array;
  readonly w: Float64Array;
  /** The sample's expected-error class (0..3), which picks the mixer's weights along with the kind of bit. */
  energy = 0;

  constructor(models: number, sets: number, private readonly enc: RangeEncoder | undefined, private readonly dec: RangeDecoder | undefined) {
    this.p = new Uint16Array(models).fill(32768);
    this.n = new Uint8Array(models);
    this.w = new Float64Array(sets * 4 * MIX_INPUTS);
    for (let s = 0; s < sets * 4; s++) {
      this.w[s * MIX_INPUTS] = 0.55;
      this.w[s * MIX_INPUTS + 1] = 0.55;
    }
  }

  /** Codes `bit` (ignored when decoding) under models ia and ib with mixer weight set s; returns the bit. */
  code(s: number, ia: number, ib: number, bit: number): number {
    const sa = STRETCH[this.p[ia]! >> 4]!;
    const sb = STRETCH[this.p[ib]! >> 4]!;
    const wo = (s * 4 + this.energy) * MIX_INPUTS;
    const w = this.w;
    let dot = Math.round(w[wo]! * sa + w[wo + 1]! * sb + w[wo + 2]! * 256);
    dot = dot < -2047 ? -2047 : dot > 2047 ? 2047 : dot;
    let p1 = SQUASH[dot + 2047]!;
    p1 = p1 < 48 ? 48 : p1 > 65488 ? 65488 : p1;
    if (this.enc) this.enc.encodeProbability(65536 - p1, bit);
    else bit = this.dec!.decodeProbability(65536 - p1);
    const err = ((bit ? 65536 : 0) - p1) * LEARN / 65536;
    w[wo]! += err * sa / 256;
    w[wo + 1]! += err * sb / 256;
    w[wo + 2]! += err;
    this.learn(ia, bit);
    this.learn(ib, bit);
    return bit;
  }

  /** A bit with probability 1/2. */
  flat(bit: number): number {
    if (this.enc) this.enc.encodeProbability(32768, bit);
    else bit = this.dec!.decodeProbability(32768);
    return bit;
  }

  private learn(i: number, bit: number): void {
    const n = this.n[i]!;
    const p = this.p[i]!;
    this.p[i] = p + (((bit ? 65535 : 0) - p) * RATE[n]! >> 16);
    if (n < LIMIT) this.n[i] = n + 1;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Contexts.

const PREDICTORS = 4;
/** Buckets of the expected error (two per octave). */
const EB = 24;
/** Buckets of the second context's feature. */
const FB = 20;
const CLASSES = 18;
const MANT = 3; // mantissa bits below the leading one coded in context; lower ones near 1/2, coded with a flat model
const TEXTURE = 64;
const BIAS_E = 6;

// Model layout (first context set "A", second "B").
const ZA = 0;
const ZB = ZA + EB;
const SA = ZB + FB;
const SB = SA + 9 * 4;
const CA = SB + TEXTURE * 2;
const CB = CA + EB * CLASSES;
const MA = CB + FB * CLASSES;
const MB = MA + 8 * CLASSES * (1 << MANT);
const FA = MB + CLASSES * (1 << MANT);
const FBM = FA + EB * 2;
const TA = FBM + 16 * 4;
const TB = TA + EB * 2;
const MODELS = TB + 16 * 4;
// Mixer weight sets (each in four copies, by expected-error class): zero, sign, class bits (by step, up to 6),
// mantissa, floor flag, ceiling flag.
const SETS = 1 + 1 + 6 + 1 + 2;

/** 0, 1, then two buckets per octave: 2, 3, 4–5, 6–7, 8–11, … */
function bucket2(a: number, n: number): number {
  if (a < 2) return a < 0 ? 0 : a;
  const l = 31 - Math.clz32(a);
  const b = 2 * l + ((a >>> (l - 1)) & 1);
  return b < n ? b : n - 1;
}

/**
 * Walks the plane in raster order, coding (encoder: `orig` given) or decoding each sample into `rec`.
 * Predictor and model state live here only, so both sides evolve it identically.
 */
function run(bits: Bits, g: PlaneGeometry2, orig: ArrayLike<number> | undefined, rec: Samples, maxError: number): void {
  const { width: w, height: h, floor } = g;
  // A record that names a ceiling outside [floor, top] cannot steer samples out of the plane's type.
  const ceil = Math.max(floor, Math.min(g.ceiling ?? g.top, g.top));
  const scale = 2 * maxError + 1;
  const inv = 1 / scale;
  const stride = w + 4;
  // Per row (two alternating halves, two samples of zero border each side): each sub-predictor's absolute error,
  // and the final prediction's signed error (prediction − sample).
  const subErr = new Float64Array(PREDICTORS * 2 * stride);
  const te = new Float64Array(2 * stride);
  const biasSum = new Float64Array(TEXTURE * BIAS_E);
  const biasCount = new Float64Array(TEXTURE * BIAS_E).fill(1);
  const preds = new Float64Array(PREDICTORS);
  const ws = new Float64Array(PREDICTORS);
  for (let y = 0; y < h; y++) {
    const cur = (y & 1) * stride + 2;
    const prev = ((y + 1) & 1) * stride + 2;
    const hasN = y > 0;
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      const N = hasN ? rec[i - w]! : x > 0 ? rec[i - 1]! : floor;
      const W = x > 0 ? rec[i - 1]! : N;
      const NW = x > 0 && hasN ? rec[i - w - 1]! : N;
      const NE = hasN && x < w - 1 ? rec[i - w + 1]! : N;
      const NN = y > 1 ? rec[i - 2 * w]! : N;
      const WW = x > 1 ? rec[i - 2]! : W;
      const teW = te[cur + x - 1]!, teN = te[prev + x]!, teNW = te[prev + x - 1]!, teNE = te[prev + x + 1]!;
      preds[0] = W + NE - N;
      preds[1] = N - 0.5 * (teW + teN + teNE);
      preds[2] = W - 0.3125 * (teW + teN + teNW);
      preds[3] = N - 0.21875 * (teNW + teN + teNE);
      let sumW = 0, blended = 0, pMin = Infinity, pMax = -Infinity;
      for (let k = 0; k < PREDICTORS; k++) {
        const o = k * 2 * stride;
        const e = subErr[o + prev + x]! + subErr[o + cur + x - 1]! + subErr[o + prev + x - 1]! + subErr[o + cur + x - 2]! +
          subErr[o + prev + x + 1]! + 1;
        const wk = 1 / e;
        ws[k] = wk;
        sumW += wk;
        const pk = preds[k]!;
        blended += wk * pk;
        if (pk < pMin) pMin = pk;
        if (pk > pMax) pMax = pk;
      }
      blended /= sumW;
      // Expected error: the neighbours' errors of the final prediction and the local gradient, in quantization steps.
      const aW = Math.abs(teW), aN = Math.abs(teN), aNW = Math.abs(teNW), aNE = Math.abs(teNE);
      const act = (aW + aN + 0.5 * (aNW + aNE) + 0.25 * (Math.abs(W - NW) + Math.abs(N - NW) + Math.abs(N - NE))) * inv;
      const ea = bucket2(Math.round(act * 2), EB);
      let mx = aW > aN ? aW : aN;
      if (aNW > mx) mx = aNW;
      if (aNE > mx) mx = aNE;
      bits.energy = ea < 4 ? 0 : ea < 8 ? 1 : ea < 12 ? 2 : 3;
      const fb = bucket2(Math.round((pMax - pMin + mx) * inv), FB);
      const tex = (W > blended ? 1 : 0) | (N > blended ? 2 : 0) | (NW > blended ? 4 : 0) | (NE > blended ? 8 : 0) |
        (NN > blended ? 16 : 0) | (WW > blended ? 32 : 0);
      const be = ea >> 2 < BIAS_E ? ea >> 2 : BIAS_E - 1;
      const bctx = be * TEXTURE + tex;
      const predF = blended + biasSum[bctx]! / biasCount[bctx]!;
      const pr = Math.round(predF);
      const pred = pr < floor ? floor : pr > ceil ? ceil : pr;
      const eqW = te[cur + x - 1]!, eqN = te[prev + x]!;
      let v = -1;
      // The plane's extremes (black backgrounds, windowed CT clipped at both ends) are escaped with a bit each where
      // they are likely: when a neighbour has that value or the prediction is within maxError of it.
      const cf = (ea >> 1 < 3 ? ea >> 1 : 3);
      if (pred - floor <= maxError || W === floor || N === floor || NW === floor || NE === floor) {
        const fx = (W === floor ? 1 : 0) | (N === floor ? 2 : 0) | (NW === floor ? 4 : 0) | (NE === floor ? 8 : 0);
        if (bits.code(SETS - 2, FA + ea * 2 + (fx & 1), FBM + fx * 4 + cf, orig ? (orig[i] === floor ? 1 : 0) : 0)) v = floor;
      }
      if (v < 0 && ceil > floor && (ceil - pred <= maxError || W === ceil || N === ceil || NW === ceil || NE === ceil)) {
        const fx = (W === ceil ? 1 : 0) | (N === ceil ? 2 : 0) | (NW === ceil ? 4 : 0) | (NE === ceil ? 8 : 0);
        if (bits.code(SETS - 1, TA + ea * 2 + (fx & 1), TB + fx * 4 + cf, orig ? (orig[i] === ceil ? 1 : 0) : 0)) v = ceil;
      }
      if (v < 0) {
        let q = 0;
        if (orig) {
          const e = orig[i]! - pred;
          // A sample at the plane's extreme that no escape bit took (a CT's padding beside the anatomy, where no neighbour
          // is padding) is coded past the extreme, which the clamp below brings back to it exactly: a viewer that hides
          // padding hides all of it. Elsewhere the nearest step. The decoder is the same either way.
          if (orig[i] === floor && e < 0) q = -Math.ceil(-e / scale);
          else if (orig[i] === ceil && e > 0) q = Math.ceil(e / scale);
          else q = e >= 0 ? Math.floor((e + maxError) / scale) : -Math.floor((maxError - e) / scale);
        }
        q = codeInt(bits, q, ea, fb, eqW, eqN, tex);
        const r = pred + q * scale;
        v = r < floor ? floor : r > ceil ? ceil : r;
      }
      rec[i] = v;
      biasSum[bctx]! += v - blended;
      if (++biasCount[bctx]! > 255) {
        biasSum[bctx]! /= 2;
        biasCount[bctx]! /= 2;
      }
      te[cur + x] = blended - v;
      for (let k = 0; k < PREDICTORS; k++) subErr[k * 2 * stride + cur + x] = Math.abs(v - preds[k]!);
    }
  }
}

/** Codes the signed integer q (ignored when decoding) in the contexts given; returns it. */
function codeInt(bits: Bits, q: number, ea: number, fb: number, eW: number, eN: number, tex: number): number {
  const m = q < 0 ? -q : q;
  if (!bits.code(0, ZA + ea, ZB + fb, m !== 0 ? 1 : 0)) return 0;
  const sctx = (eW > 0 ? 1 : eW < 0 ? 2 : 0) + (eN > 0 ? 3 : eN < 0 ? 6 : 0);
  const neg = bits.code(1, SA + sctx * 4 + (ea >> 1 < 3 ? ea >> 1 : 3), SB + tex * 2 + (ea > 6 ? 1 : 0), q < 0 ? 1 : 0);
  const c0 = 31 - Math.clz32(m); // when encoding, m in [2^c0, 2^(c0+1))
  let c = 0;
  const ca = CA + ea * CLASSES, cb = CB + fb * CLASSES;
  while (c < CLASSES - 1 && bits.code(2 + (c < 5 ? c : 5), ca + c, cb + c, c < c0 ? 1 : 0)) c++;
  let r = 1;
  const ma = MA + (((ea >> 2) * CLASSES + c) << MANT);
  const mb = MB + (c << MANT);
  for (let b = c - 1; b >= 0; b--) {
    const bit = (m >>> b) & 1;
    const top = c - 1 - b;
    if (top < MANT) {
      const node = r & ((1 << MANT) - 1);
      r = r * 2 + bits.code(8, ma + node, mb + node, bit);
    } else {
      r = r * 2 + bits.flat(bit);
    }
  }
  return neg ? -r : r;
}

function newBits(enc: RangeEncoder | undefined, dec: RangeDecoder | undefined): Bits {
  return new Bits(MODELS, SETS, enc, dec);
}

/** Codes `orig` into `enc`; returns the samples the receiver will rebuild (equal to `orig` when maxError is 0). */
export function encodePlane2(enc: RangeEncoder, g: PlaneGeometry2, orig: ArrayLike<number>, maxError: number): Uint8Array | Uint16Array {
  const rec = g.top > 255 ? new Uint16Array(g.width * g.height) : new Uint8Array(g.width * g.height);
  run(newBits(enc, undefined), g, orig, rec, maxError);
  return rec;
}

/** Rebuilds a plane coded by encodePlane2 into `out`. */
export function decodePlane2(rd: RangeDecoder, g: PlaneGeometry2, maxError: number, out: Samples): void {
  run(newBits(undefined, rd), g, undefined, out, maxError);
  if (rd.overrun) throw damaged();
}

/** Codes several planes into one stream; returns it and the rebuilt planes. */
export function encodePlanes2(planes: { geometry: PlaneGeometry2; orig: ArrayLike<number> }[], maxError: number):
{ data: Buffer; rebuilt: (Uint8Array | Uint16Array)[] } {
  const enc = new RangeEncoder(planes.reduce((n, p) => n + p.geometry.width * p.geometry.height, 0) >> 1);
  const rebuilt = planes.map((p) => encodePlane2(enc, p.geometry, p.orig, maxError));
  return { data: enc.finish(), rebuilt };
}

/** Decodes the stream of encodePlanes2 into the given output planes. */
export function decodePlanes2(data: Uint8Array, planes: { geometry: PlaneGeometry2; out: Samples }[], maxError: number): void {
  const rd = new RangeDecoder(data);
  for (const p of planes) decodePlane2(rd, p.geometry, maxError, p.out);
}
