/** A training worker: one model, one backend (wasm is single-threaded, so one worker per core). */
import { parentPort } from 'node:worker_threads';
import { initBackend } from '../model/tf.js';
import { TrainableAutoencoder, type ModelShape } from './trainable.js';

export interface GradRequest {
  weights: Float32Array[];
  input: Float32Array;
  target: Float32Array;
  count: number;
  size: number;
  latentNoise: Float32Array;
}

let model: TrainableAutoencoder | undefined;

parentPort!.on('message', async (msg: { shape: ModelShape } | GradRequest) => {
  try {
    if ('shape' in msg) {
      await initBackend();
      model = new TrainableAutoencoder(msg.shape);
      parentPort!.postMessage({ ready: true });
      return;
    }
    model!.setWeights(msg.weights);
    const r = model!.lossAndGrads(msg.input, msg.target, msg.count, msg.size, msg.latentNoise);
    parentPort!.postMessage(r, r.grads.map((g) => g.buffer as ArrayBuffer));
  } catch (err) {
    parentPort!.postMessage({ error: (err as Error).message });
  }
});
