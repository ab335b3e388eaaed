/** Benchmark subjects built from real slices: mosaics for large sizes, three mosaics as RGB channels. */
import { interleave, type Image } from '../../src-main/engine/image/image.js';

export function mosaic(slices: Image[], n: number, offset = 0): Image {
  const s = slices[0]!.width;
  const px = new Uint8Array(s * n * s * n);
  for (let ty = 0; ty < n; ty++) for (let tx = 0; tx < n; tx++) {
    const src = slices[(ty * n + tx + offset) % slices.length]!.pixels;
    for (let y = 0; y < s; y++) px.set(src.subarray(y * s, y * s + s), (ty * s + y) * s * n + tx * s);
  }
  return { width: s * n, height: s * n, channels: 1, bitDepth: 8, pixels: px };
}

export function rgbMosaic(slices: Image[], n: number): Image {
  const [r, g, b] = [0, 1, 2].map((k) => mosaic(slices, n, k * 7));
  return interleave([r!.pixels, g!.pixels, b!.pixels], r!.width, r!.height, 8);
}

/** Bjøntegaard delta rate (%): average rate difference of B against A at equal quality (negative: B is smaller). */
export function bdRate(a: { rate: number; q: number }[], b: { rate: number; q: number }[]): number {
  const fit = (pts: { rate: number; q: number }[]) => polyfit3(pts.map((p) => p.q), pts.map((p) => Math.log10(p.rate)));
  const pa = fit(a), pb = fit(b);
  const lo = Math.max(Math.min(...a.map((p) => p.q)), Math.min(...b.map((p) => p.q)));
  const hi = Math.min(Math.max(...a.map((p) => p.q)), Math.max(...b.map((p) => p.q)));
  if (!(hi > lo)) return NaN;
  const integral = (c: number[]) => {
    const F = (x: number) => c[0]! * x + (c[1]! * x ** 2) / 2 + (c[2]! * x ** 3) / 3 + (c[3]! * x ** 4) / 4;
    return F(hi) - F(lo);
  };
  const avgDiff = (integral(pb) - integral(pa)) / (hi - lo);
  return (10 ** avgDiff - 1) * 100;
}

/**
 * Bjøntegaard delta rate (%) of B against A with piecewise-linear log-rate over quality instead of cubic fits: defined
 * for any curve of two or more points, and never swings between points. Each curve is first reduced to its monotone
 * envelope (the points whose quality beats every cheaper point); the average log-rate difference is taken over the
 * quality range both envelopes cover. NaN where they do not overlap.
 */
export function bdRateLinear(a: { rate: number; q: number }[], b: { rate: number; q: number }[]): number {
  const env = (pts: { rate: number; q: number }[]) => [...pts].filter((p) => Number.isFinite(p.q) && p.rate > 0)
    .sort((x, y) => x.rate - y.rate).filter((p, i, all) => all.slice(0, i).every((o) => o.q < p.q));
  const ea = env(a), eb = env(b);
  if (ea.length < 2 || eb.length < 2) return NaN;
  const lo = Math.max(ea[0]!.q, eb[0]!.q), hi = Math.min(ea.at(-1)!.q, eb.at(-1)!.q);
  if (!(hi > lo)) return NaN;
  // log10(rate) as a function of quality, linear between the envelope's points.
  const at = (e: { rate: number; q: number }[], q: number) => {
    let k = 1;
    while (k < e.length - 1 && e[k]!.q < q) k++;
    const p = e[k - 1]!, n = e[k]!;
    return Math.log10(p.rate) + ((q - p.q) / (n.q - p.q)) * (Math.log10(n.rate) - Math.log10(p.rate));
  };
  // Integrate exactly: the integrand is linear between the union of both curves' breakpoints.
  const xs = [...new Set([lo, hi, ...ea.map((p) => p.q), ...eb.map((p) => p.q)])].filter((q) => q >= lo && q <= hi).sort((x, y) => x - y);
  let area = 0;
  for (let k = 1; k < xs.length; k++) {
    const x0 = xs[k - 1]!, x1 = xs[k]!;
    area += ((at(eb, x0) - at(ea, x0) + at(eb, x1) - at(ea, x1)) / 2) * (x1 - x0);
  }
  return (10 ** (area / (hi - lo)) - 1) * 100;
}

/** Least-squares cubic y = c0 + c1 x + c2 x² + c3 x³ (normal equations, small and well-conditioned enough here). */
function polyfit3(xs: number[], ys: number[]): number[] {
  const m = 4;
  const A = Array.from({ length: m }, () => new Array(m + 1).fill(0));
  xs.forEach((x, k) => {
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < m; j++) A[i]![j] += x ** (i + j);
      A[i]![m] += ys[k]! * x ** i;
    }
  });
  for (let i = 0; i < m; i++) {
    let p = i;
    for (let r = i + 1; r < m; r++) if (Math.abs(A[r]![i]) > Math.abs(A[p]![i])) p = r;
    [A[i], A[p]] = [A[p]!, A[i]!];
    for (let r = 0; r < m; r++) {
      if (r === i) continue;
      const f = A[r]![i] / A[i]![i];
      for (let c = i; c <= m; c++) A[r]![c] -= f * A[i]![c];
    }
  }
  return A.map((row, i) => row[m] / row[i]);
}
