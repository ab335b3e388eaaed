/**
 * Adaptive binary arithmetic coding: LZMA's carry-less range coder with 15-bit probabilities that adapt at two
 * speeds (a fast and a slow estimate, averaged), and an Exp-Golomb-style binarization of signed integers whose every
 * bit is coded in context. Used for the latent maps and the lossless/near-lossless residual (entropy.ts, refinement.ts).
 */
import { AeimgError, ErrorCode } from '../errors.js';

const PROB_BITS = 15;
const ONE = 1 << PROB_BITS;
const TOP = 2 ** 24;
const FAST = 4;
const SLOW = 7;

/** A bank of adaptive binary contexts; context i has two probability estimates of "the bit is 0". */
export class BitModels {
  readonly fast: Uint16Array;
  readonly slow: Uint16Array;
  constructor(readonly size: number) {
    this.fast = new Uint16Array(size).fill(ONE >> 1);
    this.slow = new Uint16Array(size).fill(ONE >> 1);
  }

  p0(i: number): number {
    const p = (this.fast[i]! + this.slow[i]!) >> 1;
    return p < 32 ? 32 : p > ONE - 32 ? ONE - 32 : p;
  }

  update(i: number, bit: number): void {
    if (bit) {
      this.fast[i]! -= this.fast[i]! >> FAST;
      this.slow[i]! -= this.slow[i]! >> SLOW;
    } else {
      this.fast[i]! += (ONE - this.fast[i]!) >> FAST;
      this.slow[i]! += (ONE - this.slow[i]!) >> SLOW;
    }
  }
}

export class RangeEncoder {
  private low = 0;
  private range = 0xffffffff;
  private cache = 0;
  private cacheSize = 1;
  private buf: Uint8Array;
  private pos = 0;

  constructor(sizeHint = 1 << 16) {
    this.buf = new Uint8Array(Math.max(64, sizeHint));
  }

  private put(byte: number): void {
    if (this.pos === this.buf.length) {
      const bigger = new Uint8Array(this.buf.length * 2);
      bigger.set(this.buf);
      this.buf = bigger;
    }
    this.buf[this.pos++] = byte;
  }

  private shiftLow(): void {
    if (this.low < 0xff000000 || this.low >= 0x100000000) {
      const carry = this.low >= 0x100000000 ? 1 : 0;
      let temp = this.cache;
      do {
        this.put((temp + carry) & 0xff);
        temp = 0xff;
      } while (--this.cacheSize !== 0);
      this.cache = Math.floor(this.low / 0x1000000) & 0xff;
    }
    this.cacheSize++;
    this.low = (this.low % 0x1000000) * 256;
  }

  encodeBit(m: BitModels, i: number, bit: number): void {
    const bound = (this.range >>> PROB_BITS) * m.p0(i);
    if (bit) {
      this.low += bound;
      this.range -= bound;
    } else {
      this.range = bound;
    }
    m.update(i, bit);
    while (this.range < TOP) {
      this.range = (this.range * 256) >>> 0;
      this.shiftLow();
    }
  }

  /** One bit with an explicit 16-bit probability of 0 (1..65535); used by wp2 (plane2.ts) through encodeBitP. */
  encodeProbability(p0: number, bit: number): void {
    const bound = (this.range >>> 16) * p0;
    if (bit) {
      this.low += bound;
      this.range -= bound;
    } else {
      this.range = bound;
    }
    while (this.range < TOP) {
      this.range = (this.range * 256) >>> 0;
      this.shiftLow();
    }
  }

  /** Bits with no model (p = 1/2), most significant first. */
  encodeRaw(value: number, bits: number): void {
    for (let b = bits - 1; b >= 0; b--) {
      this.range = this.range >>> 1;
      if ((value >>> b) & 1) this.low += this.range;
      while (this.range < TOP) {
        this.range = (this.range * 256) >>> 0;
        this.shiftLow();
      }
    }
  }

  finish(): Buffer {
    for (let i = 0; i < 5; i++) this.shiftLow();
    return Buffer.from(this.buf.buffer, this.buf.byteOffset, this.pos);
  }
}

export class RangeDecoder {
  private range = 0xffffffff;
  private code = 0;
  private pos: number;

  constructor(private readonly data: Uint8Array) {
    if (data.length < 5 || data[0] !== 0) throw damaged();
    this.pos = 1;
    for (let i = 0; i < 4; i++) this.code = this.code * 256 + data[this.pos++]!;
  }

  /** Past the end the stream reads zeros; the caller's length checks (and the AEAD tag before them) catch damage. */
  private next(): number {
    return this.pos < this.data.length ? this.data[this.pos++]! : (this.pos++, 0);
  }

  /** True once the decoder has read well past the end: the stream was damaged or truncated. */
  get overrun(): boolean {
    return this.pos > this.data.length + 8;
  }

  /** Decides one bit against `bound` (the share of the range for a 0) and renormalizes. */
  private split(bound: number): number {
    let bit: number;
    if (this.code < bound) {
      this.range = bound;
      bit = 0;
    } else {
      this.code -= bound;
      this.range -= bound;
      bit = 1;
    }
    this.normalize();
    return bit;
  }

  private normalize(): void {
    while (this.range < TOP) {
      this.range = (this.range * 256) >>> 0;
      this.code = (((this.code * 256) >>> 0) + this.next()) >>> 0;
    }
  }

  decodeBit(m: BitModels, i: number): number {
    const bit = this.split((this.range >>> PROB_BITS) * m.p0(i));
    m.update(i, bit);
    return bit;
  }

  /** The decoding twin of RangeEncoder.encodeProbability. */
  decodeProbability(p0: number): number {
    return this.split((this.range >>> 16) * p0);
  }

  decodeRaw(bits: number): number {
    let v = 0;
    for (let b = 0; b < bits; b++) {
      this.range = this.range >>> 1;
      let bit = 0;
      if (this.code >= this.range) {
        this.code -= this.range;
        bit = 1;
      }
      v = v * 2 + bit;
      this.normalize();
    }
    return v;
  }
}

export function damaged(): AeimgError {
  return new AeimgError(ErrorCode.Malformed, 'its coded image data is damaged.');
}

/** Magnitude classes: 0, 1, 2-3, 4-7, …, up to 2^16. */
const CLASSES = 18;
/** Mantissa bits below a class's leading one that are coded in context; lower ones cost one bit each. */
const CODED_MANTISSA = 2;

/**
 * Signed integers in `contexts` adaptive contexts: zero flag, sign, magnitude class (unary, each step its own bit),
 * then the mantissa with its top bits in context. Context choice is the caller's (local activity, typically).
 */
export class IntCoder {
  private readonly zero: BitModels;
  private readonly sign: BitModels;
  private readonly cls: BitModels;
  private readonly mant: BitModels;

  constructor(readonly contexts: number, readonly signContexts = 1) {
    this.zero = new BitModels(contexts);
    this.sign = new BitModels(contexts * signContexts);
    this.cls = new BitModels(contexts * CLASSES);
    this.mant = new BitModels(contexts * CLASSES * (1 << CODED_MANTISSA));
  }

  encode(enc: RangeEncoder, v: number, ctx: number, signCtx = 0): void {
    enc.encodeBit(this.zero, ctx, v === 0 ? 0 : 1);
    if (v === 0) return;
    enc.encodeBit(this.sign, ctx * this.signContexts + signCtx, v < 0 ? 1 : 0);
    const m = v < 0 ? -v : v;
    const c = 31 - Math.clz32(m); // m in [2^c, 2^(c+1))
    const base = ctx * CLASSES;
    for (let k = 0; k < c; k++) enc.encodeBit(this.cls, base + k, 1);
    if (c < CLASSES - 1) enc.encodeBit(this.cls, base + c, 0);
    let node = 1;
    for (let b = c - 1; b >= 0; b--) {
      const bit = (m >>> b) & 1;
      if (c - 1 - b < CODED_MANTISSA) {
        enc.encodeBit(this.mant, ((base + c) << CODED_MANTISSA) + (node & ((1 << CODED_MANTISSA) - 1)), bit);
        node = node * 2 + bit;
      } else {
        enc.encodeRaw(bit, 1);
      }
    }
  }

  decode(dec: RangeDecoder, ctx: number, signCtx = 0): number {
    if (!dec.decodeBit(this.zero, ctx)) return 0;
    const neg = dec.decodeBit(this.sign, ctx * this.signContexts + signCtx);
    const base = ctx * CLASSES;
    let c = 0;
    while (c < CLASSES - 1 && dec.decodeBit(this.cls, base + c)) c++;
    let m = 1;
    let node = 1;
    for (let b = c - 1; b >= 0; b--) {
      let bit: number;
      if (c - 1 - b < CODED_MANTISSA) {
        bit = dec.decodeBit(this.mant, ((base + c) << CODED_MANTISSA) + (node & ((1 << CODED_MANTISSA) - 1)));
        node = node * 2 + bit;
      } else {
        bit = dec.decodeRaw(1);
      }
      m = m * 2 + bit;
    }
    return neg ? -m : m;
  }
}

/** Quantizes a non-negative activity measure into one of `n` roughly logarithmic buckets. */
export function activityBucket(a: number, n: number): number {
  const b = a <= 0 ? 0 : 32 - Math.clz32(a); // 0, 1, 2 for 2-3, 3 for 4-7, …
  return b < n ? b : n - 1;
}
