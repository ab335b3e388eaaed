import { describe, expect, it } from 'vitest';
import { repairImpulses } from '../../../src-main/engine/image/impulses.js';
import { addNoise, median3x3 } from '../../../src-main/engine/train/noise.js';
import { readImageFile } from '../../../src-main/engine/image/io.js';
import { MR_SLICE } from '../../helpers.js';

/** A dark background (0) with a bright disc (a ramp 120..220) and a saturated square (255): what a slice holds. */
function scene(w = 64, h = 64): Uint8Array {
  const p = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if ((x - 32) ** 2 + (y - 32) ** 2 < 22 ** 2) p[y * w + x] = 120 + Math.round((100 * x) / w);
      if (x >= 40 && x < 46 && y >= 10 && y < 16) p[y * w + x] = 255;
    }
  }
  return p;
}

const meanAbs = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i]! - b[i]!);
  return s / a.length;
};

describe('impulse repair for the denoised view (a switching median)', () => {
  it('changes nothing in an image without impulses: background edges, saturated regions and the brightest sample stay', () => {
    const clean = scene();
    const p = clean.slice();
    expect(repairImpulses(p, 64, 64)).toBe(0);
    expect(Buffer.from(p).equals(Buffer.from(clean))).toBe(true);
  });

  it('puts back single salt and pepper samples, and only those', () => {
    const clean = scene();
    const p = clean.slice();
    const hits = [[30, 30, 0], [20, 35, 255], [50, 28, 0], [12, 33, 255]] as const; // inside the disc
    for (const [x, y, v] of hits) p[y * 64 + x] = v;
    expect(repairImpulses(p, 64, 64)).toBe(hits.length);
    for (const [x, y] of hits) expect(Math.abs(p[y * 64 + x]! - clean[y * 64 + x]!)).toBeLessThanOrEqual(2);
    for (let i = 0; i < p.length; i++) if (!hits.some(([x, y]) => y * 64 + x === i)) expect(p[i]).toBe(clean[i]);
  });

  it('puts back impulses that touch each other (a pair, an L of three, a 2x2 block), and keeps a 3x3 saturated block', () => {
    const clean = scene();
    const p = clean.slice();
    const hits: [number, number, number][] = [[25, 25, 255], [26, 26, 255], [30, 40, 0], [31, 40, 0], [31, 41, 0], [36, 30, 255], [37, 30, 255], [36, 31, 255], [37, 31, 255]];
    for (const [x, y, v] of hits) p[y * 64 + x] = v;
    const block: number[] = [];
    for (let y = 20; y < 23; y++) for (let x = 40; x < 43; x++) block.push(y * 64 + x);
    for (const i of block) p[i] = 255; // a small saturated region: nine samples together are not noise
    expect(repairImpulses(p, 64, 64)).toBe(hits.length);
    for (const [x, y] of hits) expect(Math.abs(p[y * 64 + x]! - clean[y * 64 + x]!)).toBeLessThanOrEqual(2);
    for (const i of block) expect(p[i]).toBe(255);
  });

  it('finds impulses a within-1 file moved by one (254 for 255) when given the file\'s bound', () => {
    const clean = scene();
    const p = clean.slice();
    p[30 * 64 + 30] = 254;
    p[31 * 64 + 20] = 1;
    const strict = p.slice();
    expect(repairImpulses(strict, 64, 64, 0)).toBe(0); // neither is at an extreme any more
    expect(repairImpulses(p, 64, 64, 1)).toBe(2);
  });

  it('on a real slice with 5% salt-and-pepper noise, comes closer to the clean slice than a 3x3 median', async () => {
    const slice = await readImageFile(MR_SLICE);
    const { width: w, height: h } = slice;
    const noisy = Uint8Array.from(addNoise(Float32Array.from(slice.pixels, (v) => v / 255), 'saltpepper', 7), (v) => Math.round(v * 255));
    const median = median3x3(noisy, h, w);
    const repaired = noisy.slice();
    const changed = repairImpulses(repaired, w, h);
    expect(changed).toBeGreaterThan(0.02 * w * h);
    expect(meanAbs(repaired, slice.pixels)).toBeLessThan(meanAbs(median, slice.pixels) / 2);
  });
});
