/**
 * Lossless coding of the quantized latent maps: the predictive coder of refinement.ts with no reconstruction to
 * lean on (a zero plane), all maps in one stream.
 */
import { decodePlanes, encodePlanes, type PlaneGeometry } from './refinement.js';

export interface MapGeometry {
  count: number;
  height: number;
  width: number;
  /** Bits per value, 1..16. */
  bits: number;
}

function planeGeometry(g: MapGeometry): PlaneGeometry {
  return { width: g.width, height: g.height, top: 2 ** g.bits - 1, floor: 0 };
}

/** Codes `maps` (values in [0, 2^bits)). */
export function encodeMaps(maps: ArrayLike<number>[], g: MapGeometry): Buffer {
  const geometry = planeGeometry(g);
  const zero = new Uint8Array(g.width * g.height);
  return encodePlanes(maps.map((orig) => ({ geometry, orig, dec: zero })), 0).data;
}

export function decodeMaps(data: Buffer, g: MapGeometry): Uint16Array[] {
  const geometry = planeGeometry(g);
  const zero = new Uint8Array(g.width * g.height);
  const maps = Array.from({ length: g.count }, () => new Uint16Array(g.width * g.height));
  decodePlanes(data, maps.map((out) => ({ geometry, dec: zero, out })), 0);
  return maps;
}
