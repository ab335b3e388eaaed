/** The adaptive binary coder and the predictive plane coder: exact round trips, bounds, damage. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BitModels, IntCoder, RangeDecoder, RangeEncoder } from '../../../src-main/engine/codec/arith.js';
import { decodeMaps, encodeMaps } from '../../../src-main/engine/codec/entropy.js';
import { decodePlanes, encodePlanes } from '../../../src-main/engine/codec/refinement.js';
import { AeimgError } from '../../../src-main/engine/errors.js';

describe('range coder', () => {
  it('returns any sequence of bits and integers as coded, with skewed and raw bits mixed', () => {
    fc.assert(fc.property(fc.array(fc.tuple(fc.integer({ min: -70000, max: 70000 }), fc.nat(7), fc.boolean()), { maxLength: 400 }), (items) => {
      const enc = new RangeEncoder(16);
      const ints = new IntCoder(8, 3);
      const bits = new BitModels(8);
      for (const [v, ctx, b] of items) {
        ints.encode(enc, v, ctx, ctx % 3);
        enc.encodeBit(bits, ctx, b ? 1 : 0);
        enc.encodeRaw(v & 0x1f, 5);
      }
      const data = enc.finish();
      const dec = new RangeDecoder(data);
      const ints2 = new IntCoder(8, 3);
      const bits2 = new BitModels(8);
      for (const [v, ctx, b] of items) {
        expect(ints2.decode(dec, ctx, ctx % 3)).toBe(v);
        expect(dec.decodeBit(bits2, ctx)).toBe(b ? 1 : 0);
        expect(dec.decodeRaw(5)).toBe(v & 0x1f);
      }
    }), { numRuns: 200 });
  });

  it('codes a long run of one likely symbol in far less than a bit each', () => {
    const enc = new RangeEncoder();
    const m = new BitModels(1);
    for (let i = 0; i < 100_000; i++) enc.encodeBit(m, 0, i % 1000 === 0 ? 1 : 0);
    expect(enc.finish().length).toBeLessThan(100_000 / 8 / 10);
  });
});

/** A smooth 16-bit-range test plane with noise: what a CT slice looks like to the coder. */
function plane(w: number, h: number, top: number, seed = 1): Uint16Array {
  let s = seed;
  const rnd = () => ((s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32);
  return new Uint16Array(w * h).map((_, i) => {
    const x = i % w, y = Math.floor(i / w);
    const r = Math.hypot(x - w / 2, y - h / 2);
    return r > w * 0.4 ? 0 : Math.min(top, Math.round(top * (0.5 + 0.3 * Math.sin(x / 5) * Math.cos(y / 7)) + rnd() * top * 0.02));
  });
}

describe('plane coder', () => {
  it('round-trips latent maps exactly and smaller than their raw bytes', () => {
    const maps = [plane(40, 30, 255, 1), plane(40, 30, 255, 2)];
    const data = encodeMaps(maps, { count: 2, width: 40, height: 30, bits: 8 });
    expect(data.length).toBeLessThan(2 * 40 * 30);
    expect(decodeMaps(data, { count: 2, width: 40, height: 30, bits: 8 }).map((m) => Array.from(m))).toEqual(maps.map((m) => Array.from(m)));
  });

  it.each([0, 1, 3, 100])('rebuilds 16-bit planes within ±%i, the same on both sides', (maxError) => {
    const w = 33, h = 21;
    const orig = plane(w, h, 65535);
    const dec = orig.map((v, i) => Math.max(0, v - 300 + ((i * 37) % 600))); // a rough reconstruction
    const geometry = { width: w, height: h, top: 65535, floor: 0 };
    const { data, rebuilt } = encodePlanes([{ geometry, orig, dec }], maxError);
    const out = new Uint16Array(w * h);
    decodePlanes(data, [{ geometry, dec, out }], maxError);
    expect(Array.from(out)).toEqual(Array.from(rebuilt[0]!));
    for (let i = 0; i < out.length; i++) expect(Math.abs(out[i]! - orig[i]!)).toBeLessThanOrEqual(maxError);
  });

  it('says the data is damaged when the stream is cut short', () => {
    const geometry = { width: 64, height: 64, top: 255, floor: 0 };
    const orig = plane(64, 64, 255);
    const { data } = encodePlanes([{ geometry, orig, dec: new Uint8Array(64 * 64) }], 0);
    const err = (() => {
      try {
        decodePlanes(data.subarray(0, data.length >> 2), [{ geometry, dec: new Uint8Array(64 * 64), out: new Uint16Array(64 * 64) }], 0);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(AeimgError);
    expect((err as Error).message).toMatch(/damaged/);
  });
});
