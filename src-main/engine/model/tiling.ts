/**
 * Runs a fully convolutional model over an image in overlapping tiles, so memory stays bounded for any size.
 * Each tile carries `halo` pixels of real context on every side (at least the receptive radius), and only its
 * centre is kept: the result equals whole-image inference up to float rounding.
 */
/** Runs the network on one crop [batch, height, width, channels]; local, or in a worker. */
export type TileInfer = (crop: Float32Array, shape: [number, number, number, number]) => Float32Array | Promise<Float32Array>;

export interface TiledRun {
  infer: TileInfer;
  /** Tiles in flight at once (more than 1 only helps when `infer` runs elsewhere, e.g. on a worker pool). */
  concurrency?: number;
  /** Input, [batch][height·width·inChannels] flattened HWC per batch item. */
  input: Float32Array[];
  height: number;
  width: number;
  inChannels: number;
  outChannels: number;
  /** Output size / input size: 0.5 for the encoder, 2 for the decoder. */
  scale: number;
  /** Tile edge and halo, in input pixels; both multiples of 1/scale when scale < 1. */
  tile: number;
  halo: number;
}

export async function runTiled(r: TiledRun): Promise<Float32Array[]> {
  const { input, height: H, width: W, inChannels: ci, outChannels: co, scale, tile, halo } = r;
  const oh = Math.round(H * scale);
  const ow = Math.round(W * scale);
  const out = input.map(() => new Float32Array(oh * ow * co));
  const origins: [number, number][] = [];
  for (let y0 = 0; y0 < H; y0 += tile) for (let x0 = 0; x0 < W; x0 += tile) origins.push([y0, x0]);
  let next = 0;
  const lane = async () => {
    while (next < origins.length) {
      const [y0, x0] = origins[next++]!;
      const y1 = Math.min(H, y0 + tile);
      const x1 = Math.min(W, x0 + tile);
      const cy0 = Math.max(0, y0 - halo);
      const cx0 = Math.max(0, x0 - halo);
      const cy1 = Math.min(H, y1 + halo);
      const cx1 = Math.min(W, x1 + halo);
      const ch = cy1 - cy0;
      const cw = cx1 - cx0;
      const crop = new Float32Array(input.length * ch * cw * ci);
      input.forEach((plane, b) => {
        for (let y = 0; y < ch; y++) {
          const src = ((cy0 + y) * W + cx0) * ci;
          crop.set(plane.subarray(src, src + cw * ci), (b * ch + y) * cw * ci);
        }
      });
      const data = await r.infer(crop, [input.length, ch, cw, ci]);
      const rh = Math.round(ch * scale);
      const rw = Math.round(cw * scale);
      // Copy the centre [y0, y1) x [x0, x1) of this tile, in output coordinates.
      const oy0 = Math.round(y0 * scale), oy1 = Math.round(y1 * scale);
      const ox0 = Math.round(x0 * scale), ox1 = Math.round(x1 * scale);
      const offY = oy0 - Math.round(cy0 * scale);
      const offX = ox0 - Math.round(cx0 * scale);
      out.forEach((plane, b) => {
        for (let y = oy0; y < oy1; y++) {
          const src = ((b * rh + (y - oy0 + offY)) * rw + offX) * co;
          plane.set(data.subarray(src, src + (ox1 - ox0) * co), (y * ow + ox0) * co);
        }
      });
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(r.concurrency ?? 1, origins.length)) }, lane));
  return out;
}
