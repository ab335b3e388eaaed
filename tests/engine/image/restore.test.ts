import { describe, expect, it } from 'vitest';
import { restoreDetail } from '../../../src-main/engine/image/restore.js';
import { addNoise } from '../../../src-main/engine/train/noise.js';

const W = 64, H = 64, TOP = 4095;
/** The stripes' region: one-pixel lines, the kind of detail a latent of one value per 2x2 pixels drops. */
const inStripes = (x: number, y: number) => x >= 8 && x < 28 && y >= 8 && y < 56;

/** A 12-bit ramp with a block of fine stripes; and the same with the stripes flattened to their mean (what a denoiser drops). */
function scene(): { clean: Uint16Array; smooth: Uint16Array } {
  const clean = new Uint16Array(W * H), smooth = new Uint16Array(W * H);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const base = 1000 + 30 * x;
      smooth[y * W + x] = base;
      clean[y * W + x] = inStripes(x, y) ? base + (x % 2 ? 400 : -400) : base;
    }
  }
  return { clean, smooth };
}

const meanAbs = (a: ArrayLike<number>, b: ArrayLike<number>, where: (x: number, y: number) => boolean) => {
  let s = 0, n = 0;
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) if (where(x, y)) { s += Math.abs(a[y * W + x]! - b[y * W + x]!); n++; }
  return s / n;
};

describe('detail restoration for the denoised view (image/restore.ts)', () => {
  const { clean, smooth } = scene();
  // Mild Gaussian noise, σ = 1% of the 12-bit range, as a scanner's.
  const noise = addNoise(Float32Array.from(clean, (v) => v / TOP), 'gaussian', 5);
  const received = Uint16Array.from(clean, (v, i) => {
    const n = (noise[i]! - v / TOP) * 0.1; // the paper's σ 0.1, scaled to 0.01
    return Math.round(Math.min(TOP, Math.max(0, v + n * TOP)));
  });
  const flat = (x: number, y: number) => !inStripes(x, y) && (x < 4 || x >= 32); // away from the stripes' windows

  it('gives back the detail the denoiser dropped, and not the noise of flat regions', () => {
    const restored = restoreDetail(received, smooth, W, H);
    expect(meanAbs(smooth, clean, inStripes)).toBeGreaterThan(350); // the denoiser lost the stripes
    expect(meanAbs(restored, clean, inStripes)).toBeLessThan(0.2 * meanAbs(smooth, clean, inStripes));
    const noiseLeft = meanAbs(restored, clean, flat), noiseReceived = meanAbs(received, clean, flat);
    expect(noiseReceived).toBeGreaterThan(20);
    expect(noiseLeft).toBeLessThan(0.35 * noiseReceived);
  });

  it('changes nothing where the received plane is the denoised one, and keeps the sample type', () => {
    const out = restoreDetail(smooth, smooth, W, H);
    expect(out).toBeInstanceOf(Uint16Array);
    expect(Array.from(out)).toEqual(Array.from(smooth));
    expect(out).not.toBe(smooth);
  });
});
