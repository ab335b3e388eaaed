/**
 * The impulse map of a network-only file (aeimg 0.7, docs/format.md "Impulses"): when the sender's image had
 * salt-and-pepper impulses and no other noise (image/impulses.ts withoutImpulses, `quiet`), the encoder sees the image
 * with them repaired, and the file carries where they were. The receiver's image puts them back, so it reproduces the
 * input; its denoised view leaves them out. A latent of one value per 2x2 pixels cannot carry an impulse: it smears
 * each into a blob and costs about twice the bits (docs/models.md, "Impulses beside the latent").
 *
 * Since aeimg 0.7.2 the map also carries plateaus (image/plateaus.ts), in clusters of 64 samples or more: those at a
 * plane's extremes that stand apart from the rest of it (a CT's padding outside the field of view), which the encoder
 * sees at the nearest value of the rest; and, over 8 bits, a large flat region at a value between the plane's extremes
 * that the network alone gave back visibly changed. A reader tells impulses from plateaus by size: an impulse is a
 * cluster the repair takes for one (at most 4 samples, image/impulses.ts smallClusters). The denoised view puts
 * plateaus back, not impulses.
 *
 * Per colour plane, each sample is 0 (kept), 1 (an impulse at the plane's darkest value) or 2 (at its brightest); the
 * two values travel in the record (`impulses.values`). Coded with the adaptive binary range coder: "an impulse?" in
 * the context of how many of the causal neighbours W, NW, N, NE are impulses (0, 1, 2 or more), then "bright?" in
 * the context of the nearest causal impulse's kind.
 */
import { extractChannel, mapColourPlanes, type Image } from '../image/image.js';
import { smallClusters } from '../image/impulses.js';
import { BitModels, damaged, RangeDecoder, RangeEncoder } from './arith.js';

export const DARK = 1;
export const BRIGHT = 2;

/**
 * Per colour plane: where `repaired` differs from `original`, the kind of impulse the original had there. Undefined
 * when a changed sample is at neither of its plane's two values: the map cannot say what it was (impulses beside a
 * plateau that holds one of the slots, at a third value).
 */
export function impulseMaps(original: Image, repaired: readonly ArrayLike<number>[], values: readonly (readonly [number, number])[]): Uint8Array[] | undefined {
  const maps: Uint8Array[] = [];
  for (const [c, [dark, bright]] of values.entries()) {
    const src = extractChannel(original, c);
    const out = new Uint8Array(src.length);
    for (let i = 0; i < src.length; i++) {
      if (src[i] === repaired[c]![i]) continue;
      if (src[i] !== dark && src[i] !== bright) return undefined;
      out[i] = src[i] === dark ? DARK : BRIGHT;
    }
    maps.push(out);
  }
  return maps;
}

/** The image with each plane's impulses put back at their values; alpha as it is. */
export function insertImpulses(image: Image, maps: readonly Uint8Array[], values: readonly (readonly [number, number])[]): Image {
  return mapColourPlanes(image, (plane, c) => {
    const map = maps[c];
    if (!map) return plane;
    const [dark, bright] = values[c]!;
    for (let i = 0; i < map.length; i++) if (map[i]) plane[i] = map[i] === DARK ? dark : bright;
    return plane;
  });
}

/**
 * The maps without their impulses (the clusters of at most 4 samples that the repair takes for impulses): what is left
 * is the plateaus, which the denoised view keeps. An impulse inside a plateau (5 or more of its 8 neighbours in it)
 * becomes part of it, as a repair would make it. `impulses`: whether any map had one.
 */
export function plateausOf(maps: readonly Uint8Array[], width: number, height: number): { plateaus: Uint8Array[]; impulses: boolean } {
  let impulses = false;
  const plateaus = maps.map((map) => {
    const out = map.slice();
    const small = smallClusters(map, width, height);
    if (!small.length) return out;
    impulses = true;
    for (const i of small) out[i] = 0;
    const inside = small.map((i) => {
      const y = Math.floor(i / width), x = i - y * width;
      let n = 0, kind = 0;
      for (let yy = Math.max(0, y - 1); yy <= Math.min(height - 1, y + 1); yy++) {
        for (let xx = Math.max(0, x - 1); xx <= Math.min(width - 1, x + 1); xx++) {
          const k = out[yy * width + xx]!;
          if (k) [n, kind] = [n + 1, k];
        }
      }
      return n >= 5 ? kind : 0;
    });
    small.forEach((i, j) => { out[i] = inside[j]!; });
    return out;
  });
  return { plateaus, impulses };
}

/** Context of sample i: impulses among its causal neighbours (0, 1, 2+), and the kind of the nearest one (0..2). */
function contexts(map: Uint8Array, width: number, i: number): { near: number; kind: number } {
  const x = i % width;
  const w = x > 0 ? map[i - 1]! : 0;
  const n = i >= width ? map[i - width]! : 0;
  const nw = x > 0 && i >= width ? map[i - width - 1]! : 0;
  const ne = x < width - 1 && i >= width ? map[i - width + 1]! : 0;
  const count = (w ? 1 : 0) + (n ? 1 : 0) + (nw ? 1 : 0) + (ne ? 1 : 0);
  return { near: Math.min(2, count), kind: w || n || nw || ne };
}

export function encodeImpulseMaps(maps: readonly Uint8Array[], width: number): Buffer {
  const enc = new RangeEncoder(maps.reduce((a, m) => a + (m.length >> 3), 64));
  for (const map of maps) {
    const present = new BitModels(3), bright = new BitModels(3);
    for (let i = 0; i < map.length; i++) {
      const { near, kind } = contexts(map, width, i);
      enc.encodeBit(present, near, map[i] ? 1 : 0);
      if (map[i]) enc.encodeBit(bright, kind, map[i] === BRIGHT ? 1 : 0);
    }
  }
  return enc.finish();
}

export function decodeImpulseMaps(data: Buffer, count: number, width: number, height: number): Uint8Array[] {
  const dec = new RangeDecoder(data);
  const maps = Array.from({ length: count }, () => {
    const map = new Uint8Array(width * height);
    const present = new BitModels(3), bright = new BitModels(3);
    for (let i = 0; i < map.length; i++) {
      const { near, kind } = contexts(map, width, i);
      if (dec.decodeBit(present, near)) map[i] = dec.decodeBit(bright, kind) ? BRIGHT : DARK;
    }
    return map;
  });
  if (dec.overrun) throw damaged();
  return maps;
}
