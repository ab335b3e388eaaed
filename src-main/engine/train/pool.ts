/** Gradients for a batch, split across worker threads (data parallel) or computed in-process. */
import type { Worker } from 'node:worker_threads';
import { startWorker } from '../workers/start.js';
import { TrainableAutoencoder, type ModelShape } from './trainable.js';
import type { GradRequest } from './worker.js';

export interface GradResult {
  loss: number;
  grads: Float32Array[];
}

export class GradientPool {
  private constructor(private readonly workers: Worker[], private readonly local: TrainableAutoencoder | null) {}

  static async create(shape: ModelShape, workers: number): Promise<GradientPool> {
    if (workers <= 1) return new GradientPool([], new TrainableAutoencoder(shape));
    const list = Array.from({ length: workers }, () => startWorker(import.meta.url, './worker.ts', 'train-worker'));
    await Promise.all(list.map((w) => new Promise<void>((resolve, reject) => {
      w.once('message', (m) => (m.ready ? resolve() : reject(new Error(m.error))));
      w.once('error', reject);
      w.postMessage({ shape });
    })));
    return new GradientPool(list, null);
  }

  get size(): number {
    return Math.max(1, this.workers.length);
  }

  private ask(w: Worker, req: GradRequest): Promise<GradResult> {
    return new Promise((resolve, reject) => {
      w.once('message', (m) => (m.error ? reject(new Error(m.error)) : resolve(m)));
      w.postMessage(req);
    });
  }

  /** Mean loss and gradient over the whole batch (shards weighted by size, so results do not depend on the split). */
  async compute(req: GradRequest): Promise<GradResult> {
    if (this.local) {
      this.local.setWeights(req.weights);
      return this.local.lossAndGrads(req.input, req.target, req.count, req.size, req.latentNoise);
    }
    const n = req.size * req.size;
    const ln = req.latentNoise.length / req.count;
    const per = Math.ceil(req.count / this.workers.length);
    const shards = this.workers.map((w, i) => {
      const a = i * per, b = Math.min(req.count, a + per);
      return b <= a ? null : { w, count: b - a, req: {
        ...req, count: b - a,
        input: req.input.slice(a * n, b * n), target: req.target.slice(a * n, b * n), latentNoise: req.latentNoise.slice(a * ln, b * ln),
      } };
    }).filter((s) => s !== null);
    const results = await Promise.all(shards.map((s) => this.ask(s.w, s.req)));
    const grads = results[0]!.grads.map((g) => new Float32Array(g.length));
    let loss = 0;
    results.forEach((r, i) => {
      const share = shards[i]!.count / req.count;
      loss += r.loss * share;
      r.grads.forEach((g, k) => {
        const acc = grads[k]!;
        for (let j = 0; j < g.length; j++) acc[j]! += g[j]! * share;
      });
    });
    return { loss, grads };
  }

  async close(): Promise<void> {
    this.local?.dispose();
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
