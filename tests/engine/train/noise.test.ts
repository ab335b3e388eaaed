import { describe, expect, it } from 'vitest';
import { addNoise, median3x3, noisyImage, withGaussianNoise, withGrainNoise } from '../../../src-main/engine/train/noise.js';
import type { Image } from '../../../src-main/engine/image/image.js';

const flat = (v: number, n = 40000) => new Float32Array(n).fill(v);
const mean = (x: Float32Array) => x.reduce((a, b) => a + b, 0) / x.length;
const std = (x: Float32Array) => {
  const m = mean(x);
  return Math.sqrt(x.reduce((a, b) => a + (b - m) ** 2, 0) / x.length);
};

describe('noise models (scikit-image random_noise defaults)', () => {
  it('salt-and-pepper flips about 5% of samples, half to 0 and half to 1', () => {
    const y = addNoise(flat(0.5), 'saltpepper', 1);
    const salt = y.filter((v) => v === 1).length / y.length;
    const pepper = y.filter((v) => v === 0).length / y.length;
    expect(salt).toBeCloseTo(0.025, 2);
    expect(pepper).toBeCloseTo(0.025, 2);
  });

  it('gaussian adds sigma 0.1, speckle sigma 0.1 times the value, poisson variance x/256', () => {
    expect(std(addNoise(flat(0.5), 'gaussian', 2))).toBeCloseTo(0.1, 2);
    expect(std(addNoise(flat(0.5), 'speckle', 3))).toBeCloseTo(0.05, 2);
    const p = addNoise(flat(0.5), 'poisson', 4);
    expect(mean(p)).toBeCloseTo(0.5, 2);
    expect(std(p)).toBeCloseTo(Math.sqrt(0.5 * 256) / 256, 2);
    expect(std(addNoise(flat(0.05), 'poisson', 5))).toBeCloseTo(Math.sqrt(0.05 * 256) / 256, 2); // Knuth branch
  });

  it('is repeatable for a seed and different across seeds', () => {
    const x = flat(0.3, 1000);
    expect(addNoise(x, 'gaussian', 7)).toEqual(addNoise(x, 'gaussian', 7));
    expect(addNoise(x, 'gaussian', 7)).not.toEqual(addNoise(x, 'gaussian', 8));
  });

  it('the 3x3 median removes an isolated impulse and keeps an edge', () => {
    const x = new Float32Array(25).fill(0.2);
    x[12] = 1;
    expect(median3x3(x, 5, 5)[12]).toBeCloseTo(0.2);
    const edge = Float32Array.from({ length: 25 }, (_, i) => (i % 5 < 2 ? 0 : 1));
    expect(Array.from(median3x3(edge, 5, 5))).toEqual(Array.from(edge));
  });

  it('a 12-bit slice in 16-bit samples gets its noise on its own stored range, as an 8-bit image on 0..255', () => {
    // A 12-bit MR as stored: 200..1000 of 0..65535, left half 400, right half 800.
    const pixels = Uint16Array.from({ length: 200 * 200 }, (_, i) => (i % 200 < 100 ? 400 : 800));
    pixels[0] = 200; pixels[1] = 1000;
    const mr: Image = { width: 200, height: 200, channels: 1, bitDepth: 16, pixels };
    const g = noisyImage(mr, 'gaussian', 3).pixels;
    const left = Float32Array.from(g.filter((_, i) => i > 1 && i % 200 < 100));
    // σ 0.1 of the stored range (800), not of 65535 (which would clip almost every sample to 0 or the top).
    expect(std(left)).toBeGreaterThan(0.09 * 800);
    expect(std(left)).toBeLessThan(0.105 * 800);
    const sp = noisyImage(mr, 'saltpepper', 4).pixels;
    expect(Math.max(...sp)).toBe(1000);
    expect(Math.min(...sp)).toBe(200);
    expect(sp.filter((v) => v === 1000).length / sp.length).toBeCloseTo(0.025, 2);
  });

  it('an 8-bit RGBA image: each colour plane its own noise, alpha untouched', () => {
    const pixels = Uint8Array.from({ length: 64 * 64 * 4 }, (_, i) => (i % 4 === 3 ? 77 : 128));
    const out = noisyImage({ width: 64, height: 64, channels: 4, bitDepth: 8, pixels }, 'gaussian', 9).pixels;
    const plane = (c: number) => Array.from(out.filter((_, i) => i % 4 === c));
    expect(plane(3).every((v) => v === 77)).toBe(true);
    expect(plane(0)).not.toEqual(plane(1));
    expect(std(Float32Array.from(plane(2)))).toBeCloseTo(25.5, -0.5);
  });

  it('Gaussian noise in sample units: a CT at 20 HU σ gets σ 20 around each value, whatever the stored range', () => {
    // A CT in HU as the engine keeps it (sample = HU + 1024 at slope 1): water 0 HU beside air −1000 HU.
    const pixels = Uint16Array.from({ length: 200 * 200 }, (_, i) => (i % 200 < 100 ? 1024 : 24));
    const ct: Image = { width: 200, height: 200, channels: 1, bitDepth: 16, pixels };
    const out = withGaussianNoise(ct, 20, 5).pixels;
    const water = Float32Array.from(out.filter((_, i) => i % 200 < 100));
    expect(mean(water)).toBeCloseTo(1024, -0.5);
    expect(std(water)).toBeGreaterThan(19);
    expect(std(water)).toBeLessThan(21);
    // Clipped to the samples, never wrapped: air near 0 stays at or above it.
    expect(Math.min(...out)).toBe(0);
    expect(withGaussianNoise(ct, 20, 5).pixels).toEqual(out);
    expect(withGaussianNoise(ct, 20, 6).pixels).not.toEqual(out);
  });

  it('a CT\'s grain: σ 20 around each value, in blobs (neighbours correlated) with no drift over large areas', () => {
    const pixels = new Uint16Array(256 * 256).fill(1024); // water, 0 HU
    const ct: Image = { width: 256, height: 256, channels: 1, bitDepth: 16, pixels };
    const noise = Float64Array.from(withGrainNoise(ct, 20, 5).pixels, (v) => v - 1024);
    expect(std(Float32Array.from(noise))).toBeGreaterThan(19);
    expect(std(Float32Array.from(noise))).toBeLessThan(21);
    const corr = (dx: number, dy: number) => {
      let s = 0, n = 0;
      for (let y = 0; y < 256 - dy; y++) for (let x = 0; x < 256 - dx; x++) { s += noise[y * 256 + x]! * noise[(y + dy) * 256 + x + dx]!; n++; }
      return s / n / 400;
    };
    // White noise has none of this: neighbours share most of their noise, pixels 3–4 apart a little of the opposite.
    expect(corr(1, 0)).toBeGreaterThan(0.5);
    expect(corr(0, 1)).toBeGreaterThan(0.5);
    expect(corr(4, 0)).toBeLessThan(-0.05);
    // 32x32 block means stay near 0 HU: the band-pass leaves no low-frequency drift.
    for (const [bx, by] of [[0, 0], [96, 160], [224, 224]] as const) {
      let s = 0;
      for (let y = by; y < by + 32; y++) for (let x = bx; x < bx + 32; x++) s += noise[y * 256 + x]!;
      expect(Math.abs(s / 1024)).toBeLessThan(2);
    }
    expect(withGrainNoise(ct, 20, 5).pixels).toEqual(withGrainNoise(ct, 20, 5).pixels);
  });
});
