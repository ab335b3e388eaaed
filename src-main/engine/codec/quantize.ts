/**
 * Latent quantization: per-map uniform scalar quantization, 2^bits − 1 steps of the map's own [min, max] span. Since
 * aeimg 0.52 the grid [lo, hi] is moved by up to half a step (a value beyond its end, by at most that, takes the end
 * point: no value moves more than half a step, as before) to where the map's values lie closest to its points: a
 * region of one value (a slice's black background, an 8-bit CT's air) then lands on a point instead of between two,
 * where before the decoder gave such a region back a few levels off at some bit depths and not others (docs/models.md,
 * "The latent's grid"). The record carries [lo, hi] as before, so every aeimg reads such files.
 */

export interface QuantizedMaps {
  bits: number;
  /** [lo, hi] of each map's grid (its [min, max] moved by up to half a step), float32-exact so sender and receiver agree. */
  ranges: [number, number][];
  maps: Uint16Array[];
}

const f32 = Math.fround;

/**
 * latents: one Float32Array per plane, [h·w·channels] interleaved. Each (plane, channel) pair becomes one map,
 * ordered plane-major.
 */
export function quantizeLatents(latents: Float32Array[], channels: number, bits: number): QuantizedMaps {
  const levels = 2 ** bits - 1;
  const ranges: [number, number][] = [];
  const maps: Uint16Array[] = [];
  for (const lat of latents) {
    const n = lat.length / channels;
    for (let c = 0; c < channels; c++) {
      let lo = Infinity, hi = -Infinity;
      for (let i = c; i < lat.length; i += channels) {
        const v = lat[i]!;
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
      if (hi > lo) {
        const span = hi - lo;
        lo = alignedLow(lat, c, channels, lo, span / levels, levels);
        hi = lo + span;
      }
      lo = f32(lo);
      hi = f32(hi);
      const span = hi > lo ? hi - lo : 1;
      const m = new Uint16Array(n);
      for (let i = 0, j = c; i < n; i++, j += channels) m[i] = Math.min(levels, Math.max(0, Math.round(((lat[j]! - lo) / span) * levels)));
      ranges.push([lo, hi]);
      maps.push(m);
    }
  }
  return { bits, ranges, maps };
}

/** Offsets of the grid tried, from half a step down to half a step up. */
const OFFSETS = 32;
/** The most values of a map the offset is chosen on (a larger map: every k-th), so that a huge image costs no more. */
const ALIGN_SAMPLES = 1 << 18;

/**
 * The low end of a grid of `levels` steps of `step` from about `lo`, moved by −step/2 … +step/2 to where the squared
 * distance of the map's values (channel `c` of `lat`) to their nearest point is least; `lo` itself where no move helps.
 */
function alignedLow(lat: Float32Array, c: number, channels: number, lo: number, step: number, levels: number): number {
  const stride = channels * Math.max(1, Math.floor(lat.length / channels / ALIGN_SAMPLES));
  let best = Infinity, bestLo = lo;
  for (let k = 0; k <= OFFSETS; k++) {
    const low = lo + (k / OFFSETS - 0.5) * step;
    let e = 0;
    for (let i = c; i < lat.length; i += stride) {
      const q = Math.min(levels, Math.max(0, Math.round((lat[i]! - low) / step)));
      const d = lat[i]! - (low + q * step);
      e += d * d;
    }
    if (e < best || (e === best && k === OFFSETS / 2)) {
      best = e;
      bestLo = low;
    }
  }
  return bestLo;
}

export function dequantizeLatents(q: QuantizedMaps, planes: number, channels: number): Float32Array[] {
  const levels = 2 ** q.bits - 1;
  const out: Float32Array[] = [];
  for (let p = 0; p < planes; p++) {
    const n = q.maps[p * channels]!.length;
    const lat = new Float32Array(n * channels);
    for (let c = 0; c < channels; c++) {
      const [lo, hi] = q.ranges[p * channels + c]!;
      const span = hi > lo ? hi - lo : 1;
      const m = q.maps[p * channels + c]!;
      for (let i = 0, j = c; i < n; i++, j += channels) lat[j] = lo + (m[i]! / levels) * span;
    }
    out.push(lat);
  }
  return out;
}
