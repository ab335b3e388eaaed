/**
 * Autoencoder architectures. Both are fully convolutional ('same' padding), so any even height and width work.
 *  - `paper`: Alslman et al. 2022, Table 2 (Conv 64 → MaxPool → Conv 64 → Conv 32 → Dense), decoder built from
 *    Conv2D (no Conv2DTranspose: ~15x slower on wasm); its nearest upsampling is replaced by a sub-pixel output.
 *  - `aeimg-v1` (default): the same shape, narrower, with the decoder working at half resolution and a
 *    sub-pixel (depth-to-space) output: ~3x cheaper to decode.
 * scripts/train_torch.py mirrors these layer for layer.
 */
import { tf, tfl } from './tf.js';

export interface ArchSpec {
  /** Filters of the 3x3 convolutions before the 2x2 max pooling. */
  pre: number[];
  /** Filters of the 3x3 convolutions after pooling; a 1x1 convolution to the latent follows. */
  post: number[];
  /** Filters of the decoder's 3x3 convolutions at latent resolution; a sub-pixel output follows. */
  dec: number[];
}

export const ARCHITECTURES: Record<string, ArchSpec> = {
  'aeimg-v1': { pre: [32], post: [32, 32], dec: [48, 48, 32] },
  paper: { pre: [64], post: [64, 32], dec: [32, 64, 64] },
};

export const DOWNSAMPLING = 2;

/** Context (in input pixels) that tiles need on each side so tiled inference equals whole-image inference. */
export function haloFor(spec: ArchSpec): { encoder: number; decoder: number } {
  const enc = spec.pre.length + DOWNSAMPLING * spec.post.length + 1;
  const dec = spec.dec.length + 1;
  const even = (n: number) => n + (n % 2);
  return { encoder: even(enc) + 2, decoder: dec + 2 };
}

/** Rearranges blocks of channels into space: [n, h, w, c·b²] → [n, h·b, w·b, c]. */
export class DepthToSpace extends tfl.layers.Layer {
  static readonly className = 'DepthToSpace';
  readonly blockSize: number;

  constructor(config: { blockSize: number; name?: string }) {
    super(config);
    this.blockSize = config.blockSize;
  }

  override computeOutputShape(s: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const [n, h, w, c] = s as tfl.Shape;
    const b = this.blockSize;
    return [n!, h == null ? null : h * b, w == null ? null : w * b, c! / (b * b)];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = (Array.isArray(inputs) ? inputs[0]! : inputs) as tf.Tensor4D;
    // As reshape + transpose (the same data movement as tf.depthToSpace), because those have gradients.
    const [n, h, w, c] = x.shape;
    const b = this.blockSize;
    const blocks = tf.reshape(x, [n, h, w, b, b, c / (b * b)]);
    return tf.reshape(tf.transpose(blocks, [0, 1, 3, 2, 4, 5]), [n, h * b, w * b, c / (b * b)]);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), blockSize: this.blockSize };
  }
}
tf.serialization.registerClass(DepthToSpace);

const conv = (filters: number, kernelSize: number, activation: 'relu' | 'sigmoid' | 'linear', name: string) =>
  tfl.layers.conv2d({ filters, kernelSize, padding: 'same', activation, name });

/** Encoder: [n, H, W, channels] in [0, 1] → latent [n, H/2, W/2, latentChannels] in (0, 1). */
export function buildEncoder(spec: ArchSpec, channels: number, latentChannels: number): tfl.LayersModel {
  const m = tfl.sequential({ name: 'encoder' });
  m.add(tfl.layers.inputLayer({ inputShape: [null, null, channels], name: 'image' }));
  let i = 0;
  for (const f of spec.pre) m.add(conv(f, 3, 'relu', `conv${i++}`));
  m.add(tfl.layers.maxPooling2d({ poolSize: DOWNSAMPLING, strides: DOWNSAMPLING, name: 'pool' }));
  for (const f of spec.post) m.add(conv(f, 3, 'relu', `conv${i++}`));
  m.add(conv(latentChannels, 1, 'sigmoid', `conv${i}`));
  return m;
}

/** Decoder: latent [n, h, w, latentChannels] → [n, 2h, 2w, channels] (not clipped). */
export function buildDecoder(spec: ArchSpec, channels: number, latentChannels: number): tfl.LayersModel {
  const m = tfl.sequential({ name: 'decoder' });
  m.add(tfl.layers.inputLayer({ inputShape: [null, null, latentChannels], name: 'latent' }));
  let i = 0;
  for (const f of spec.dec) m.add(conv(f, 3, 'relu', `conv${i++}`));
  m.add(conv(channels * DOWNSAMPLING * DOWNSAMPLING, 3, 'linear', `conv${i}`));
  m.add(new DepthToSpace({ blockSize: DOWNSAMPLING, name: 'subpixel' }));
  return m;
}
