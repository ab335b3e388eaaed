/**
 * The autoencoder as something to train: seeded initial weights, and loss + gradients for a batch of patches.
 * Used in-process and inside each training worker (one model per worker).
 */
import { ARCHITECTURES, buildDecoder, buildEncoder } from '../model/architecture.js';
import { tf, type tfl } from '../model/tf.js';
import { registerFastConvGradients } from './gradients.js';
import { seededUniform } from './noise.js';

export interface ModelShape {
  arch: string;
  latentChannels: number;
}

export class TrainableAutoencoder {
  readonly encoder: tfl.LayersModel;
  readonly decoder: tfl.LayersModel;

  constructor(readonly shape: ModelShape) {
    const spec = ARCHITECTURES[shape.arch];
    if (!spec) throw new Error(`unknown architecture ${shape.arch}`);
    registerFastConvGradients();
    this.encoder = buildEncoder(spec, 1, shape.latentChannels);
    this.decoder = buildDecoder(spec, 1, shape.latentChannels);
  }

  private get variables(): tf.Variable[] {
    return [...this.encoder.trainableWeights, ...this.decoder.trainableWeights].map((w) => w.read() as tf.Variable);
  }

  /** Glorot-uniform kernels and zero biases from a seeded generator: the same seed gives the same start. */
  static initialWeights(shape: ModelShape, seed: number): Float32Array[] {
    const m = new TrainableAutoencoder(shape);
    const u = seededUniform(seed);
    const out = m.variables.map((v) => {
      const s = v.shape;
      if (s.length !== 4) return new Float32Array(v.size);
      const [kh, kw, cin, cout] = s as [number, number, number, number];
      const limit = Math.sqrt(6 / (kh * kw * (cin + cout)));
      return Float32Array.from({ length: v.size }, () => (2 * u() - 1) * limit);
    });
    m.dispose();
    return out;
  }

  getWeights(): Float32Array[] {
    return this.variables.map((v) => v.dataSync() as Float32Array);
  }

  setWeights(weights: Float32Array[]): void {
    this.variables.forEach((v, i) => v.assign(tf.tensor(weights[i]!, v.shape)));
  }

  /**
   * MSE of decoder(encoder(input) + quantization noise) against target, and its gradient for every weight.
   * `latentNoise` is uniform noise of one quantization step (so the decoder learns to live with quantization).
   */
  lossAndGrads(input: Float32Array, target: Float32Array, count: number, size: number, latentNoise: Float32Array): { loss: number; grads: Float32Array[] } {
    return tf.tidy(() => {
      const x = tf.tensor4d(input, [count, size, size, 1]);
      const y = tf.tensor4d(target, [count, size, size, 1]);
      const half = size / 2;
      const noise = tf.tensor4d(latentNoise, [count, half, half, this.shape.latentChannels]);
      const vars = this.variables;
      const { value, grads } = tf.variableGrads(() => {
        const z = tf.add(this.encoder.apply(x, { training: true }) as tf.Tensor, noise);
        const out = this.decoder.apply(z, { training: true }) as tf.Tensor;
        return tf.mean(tf.squaredDifference(out, y)) as tf.Scalar;
      }, vars);
      return { loss: value.dataSync()[0]!, grads: vars.map((v) => grads[v.name]!.dataSync() as Float32Array) };
    });
  }

  dispose(): void {
    this.encoder.dispose();
    this.decoder.dispose();
  }
}

/** Adamax (Kingma & Ba 2015), the paper's optimiser, over flat Float32Arrays. */
export class Adamax {
  constructor(
    public m: Float32Array[],
    public u: Float32Array[],
    readonly beta1 = 0.9,
    readonly beta2 = 0.999,
    readonly eps = 1e-7,
  ) {}

  static zeros(like: Float32Array[]): Adamax {
    return new Adamax(like.map((w) => new Float32Array(w.length)), like.map((w) => new Float32Array(w.length)));
  }

  /** One update at step t (from 1). */
  apply(weights: Float32Array[], grads: Float32Array[], lr: number, t: number): void {
    const rate = lr / (1 - this.beta1 ** t);
    weights.forEach((w, i) => {
      const g = grads[i]!, m = this.m[i]!, u = this.u[i]!;
      for (let j = 0; j < w.length; j++) {
        m[j] = this.beta1 * m[j]! + (1 - this.beta1) * g[j]!;
        u[j] = Math.max(this.beta2 * u[j]!, Math.abs(g[j]!));
        w[j] = w[j]! - (rate * m[j]!) / (u[j]! + this.eps);
      }
    });
  }
}
