/** Latent quantization: per-map uniform scalar quantization over the map's own [min, max] range. */

export interface QuantizedMaps {
  bits: number;
  /** [min, max] of each map, float32-exact so sender and receiver agree. */
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
      lo = f32(lo);
      hi = f32(hi);
      const span = hi > lo ? hi - lo : 1;
      const m = new Uint16Array(n);
      for (let i = 0, j = c; i < n; i++, j += channels) m[i] = Math.round(((lat[j]! - lo) / span) * levels);
      ranges.push([lo, hi]);
      maps.push(m);
    }
  }
  return { bits, ranges, maps };
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
