import { existsSync } from 'node:fs';
import { copyFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Autoencoder } from '../../../src-main/engine/model/autoencoder.js';
import { loadPlanes, samplePatches } from '../../../src-main/engine/train/dataset.js';
import { train, type TrainOptions } from '../../../src-main/engine/train/trainer.js';
import { TrainableAutoencoder } from '../../../src-main/engine/train/trainable.js';
import { CT_HU_SLICE, SLICES, tempDir } from '../../helpers.js';

const base = (out: string): TrainOptions => ({
  data: SLICES, out, name: 'tiny', arch: 'aeimg-v1', latentChannels: 1, epochs: 2, stepsPerEpoch: 6, patch: 32, batch: 4,
  lr: 0.003, noiseP: 0.5, seed: 7, workers: 1, resume: false, valLimit: 1, command: 'test',
});

const same = (a: Float32Array[], b: Float32Array[]) => a.length === b.length && a.every((w, i) => w.every((v, j) => v === b[i]![j]));

describe('aeimg train', () => {
  it('lowers the loss on a fixed batch, and writes a loadable model with its manifest', async () => {
    const out = await tempDir();
    const o = { ...base(join(out, 'm')), val: SLICES };
    const { weights, log } = await train(o);
    const planes = await loadPlanes(SLICES, 32);
    const fixed = samplePatches(planes, { size: 32, count: 8, noiseP: 0, seed: 99 });
    const m = new TrainableAutoencoder(o);
    const noise = new Float32Array(8 * 16 * 16);
    const lossWith = (w: Float32Array[]) => {
      m.setWeights(w);
      return m.lossAndGrads(fixed.input, fixed.target, 8, 32, noise).loss;
    };
    const before = lossWith(TrainableAutoencoder.initialWeights(o, o.seed));
    const after = lossWith(weights);
    m.dispose();
    expect(after).toBeLessThan(before * 0.8);
    expect(log).toHaveLength(2);
    expect(log[1]!.valSSIM).toBeGreaterThan(0);
    const manifest = JSON.parse(await readFile(join(o.out, 'manifest.json'), 'utf8'));
    expect(manifest.training.command).toBe('test');
    expect(manifest.validation.meanSSIM).toBe(log[1]!.valSSIM);
    const model = await Autoencoder.load(o.out); // the id matches the weights
    expect(model.latentChannels).toBe(1);
    model.dispose();
  });

  it('trains on a 16-bit CT as its encoder is given it: over [0, 1], its soft tissue spread, not its samples over 65,535 (0.50)', async () => {
    const dir = await tempDir();
    await copyFile(CT_HU_SLICE, join(dir, 'ct.png')); // 12-bit values (0..2926) in a 16-bit PNG
    const [plane, ...more] = await loadPlanes(dir, 32);
    expect(more).toHaveLength(0);
    let lo = Infinity, hi = -Infinity;
    for (const v of plane!.data) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
    expect([lo, hi]).toEqual([0, 1]); // before: 0..0.045
    // Its brain tissue (the 1st-99th percentile window gets 90% of the range) far apart: the interquartile spread.
    const sorted = Float32Array.from(plane!.data).sort();
    expect(sorted[Math.floor(sorted.length * 0.75)]! - sorted[Math.floor(sorted.length * 0.25)]!).toBeGreaterThan(0.1);
  });

  it('resumes a stopped run to exactly the weights of an unbroken one (same seed, same backend)', async () => {
    const dir = await tempDir();
    const whole = await train(base(join(dir, 'a')));
    const cut = base(join(dir, 'b'));
    const first = await train({ ...cut, stopAfter: 7 });
    expect(first.steps).toBe(7);
    expect(existsSync(join(cut.out, 'checkpoint', 'state.json'))).toBe(true);
    const resumed = await train({ ...cut, resume: true });
    expect(resumed.steps).toBe(12);
    expect(same(resumed.weights, whole.weights)).toBe(true);
    const other = await train({ ...base(join(dir, 'c')), seed: 8 });
    expect(same(other.weights, whole.weights)).toBe(false);
    const mismatch = await train({ ...cut, resume: true, batch: 8 }).catch((e) => e);
    expect(mismatch.message).toMatch(/other settings/);
  });
});
