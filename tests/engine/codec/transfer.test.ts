import { describe, expect, it } from 'vitest';
import { chooseKnots, forward, inverse, validKnots } from '../../../src-main/engine/codec/transfer.js';
import { CT_PRESETS, type DisplayModel } from '../../../src-shared/windows.js';

const ct: DisplayModel = {
  mapping: { offset: 0, inverted: false, signed: false, bitsStored: 16, slope: 1, intercept: -1024 },
  units: 'HU', monochrome1: false, windows: [...CT_PRESETS], percentile: false,
};

/** Samples with most values in [a, b] and a thin tail (one sample) at each end, as 12-bit MR with a bright vessel. */
function skewed(lo: number, hi: number, a: number, b: number, n = 10_000): Uint16Array {
  const s = new Uint16Array(n);
  for (let i = 0; i < n; i++) s[i] = a + ((i * 7919) % (b - a + 1));
  s[0] = lo;
  s[n - 1] = hi;
  return s;
}

describe('the companding the network sees for images over 8 bits', () => {
  it('gives CT\'s brain window (0..80 HU) 35% of the range and its soft-tissue window 60%, as a strictly increasing curve that inverts', () => {
    const samples = skewed(0, 4000, 800, 1400);
    const k = chooseKnots(samples, 0, 4000, 16, ct)!;
    expect(validKnots(k, 0, 4000)).toBe(true);
    expect(k.map(([x]) => x)).toEqual([0, 864, 1024, 1104, 1264, 4000]); // −160, 0, 80 and 240 HU
    expect(forward(k, 1104) - forward(k, 1024)).toBeCloseTo(0.35, 2);
    expect(forward(k, 1264) - forward(k, 864)).toBeCloseTo(0.6, 2);
    // A brain-window step (1 HU) gets about 17 times the range a linear squash over 0..4000 would give it.
    expect((forward(k, 1065) - forward(k, 1064)) * 4000).toBeGreaterThan(17);
    for (let s = 0; s <= 4000; s += 37) expect(Math.round(inverse(k, forward(k, s)))).toBe(s);
  });

  it('keeps only the windows that fall inside the plane: a CT cropped to soft tissue still gets the brain window', () => {
    const k = chooseKnots(skewed(900, 1200, 950, 1150), 900, 1200, 16, ct)!; // −124..176 HU
    expect(validKnots(k, 900, 1200)).toBe(true);
    expect(k.map(([x]) => x)).toEqual([900, 1024, 1104, 1200]);
    expect(forward(k, 1104) - forward(k, 1024)).toBeGreaterThan(0.35);
  });

  it('never makes a curve a reader would refuse, however thin the tails (a file written must open)', () => {
    const cases: [number, number, number, number][] = [[0, 1445, 1, 773], [0, 1445, 0, 1445], [3, 65464, 4, 900], [100, 5000, 100, 101], [0, 65535, 65534, 65535]];
    for (const [lo, hi, a, b] of cases) {
      const k = chooseKnots(skewed(lo, hi, a, b), lo, hi, 16);
      if (k) expect(validKnots(k, lo, hi)).toBe(true);
    }
  });

  it('leaves 8-bit images and narrow ranges linear', () => {
    expect(chooseKnots(skewed(0, 255, 10, 200), 0, 255, 8)).toBeUndefined();
    expect(chooseKnots(skewed(1000, 1040, 1000, 1040), 1000, 1040, 16)).toBeUndefined();
  });
});
