import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ARCHITECTURES, buildDecoder, buildEncoder } from '../../../src-main/engine/model/architecture.js';
import { loadLayersModel, saveLayersModel } from '../../../src-main/engine/model/artifacts.js';
import { initBackend, tf } from '../../../src-main/engine/model/tf.js';
import { defaultModel, FIXTURES, tempDir } from '../../helpers.js';

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

/** A deterministic textured test image in [0, 1]. */
function texture(h: number, w: number): Float32Array {
  const out = new Float32Array(h * w);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    out[y * w + x] = 0.5 + 0.25 * Math.sin(x / 7) * Math.cos(y / 11) + 0.2 * Math.sin((x * y) / 900);
  }
  return out;
}

describe('the autoencoder model', () => {
  it('picks a backend and reports it', async () => {
    const b = await initBackend();
    expect(['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu']).toContain(b.name);
    expect(tf.getBackend()).toBe(b.name.startsWith('tensorflow') ? 'tensorflow' : b.name);
  });

  it('maps any even size to a half-size latent and back (fully convolutional)', async () => {
    const model = await defaultModel();
    for (const [h, w] of [[2, 2], [48, 64], [130, 34]] as const) {
      const [lat] = await model.encode([texture(h, w)], h, w);
      expect(lat!.length).toBe((h / 2) * (w / 2) * model.latentChannels);
      expect(lat!.every((v) => v > 0 && v < 1)).toBe(true); // sigmoid latent
      const [out] = await model.decode([lat!], h / 2, w / 2);
      expect(out!.length).toBe(h * w);
    }
  });

  it('leaves no tensor behind after inference', async () => {
    const model = await defaultModel();
    await model.decode(await model.encode([texture(64, 64)], 64, 64), 32, 32); // warm-up
    const before = tf.memory().numTensors;
    await model.decode(await model.encode([texture(96, 80)], 96, 80), 48, 40);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('gives the same result tiled as whole on a 1024x1024 image (max abs diff <= 1e-4)', async () => {
    const model = await defaultModel();
    const img = texture(1024, 1024);
    const [whole] = await model.encode([img], 1024, 1024, { tile: 1024 });
    const [tiled] = await model.encode([img], 1024, 1024, { tile: 192 });
    expect(maxAbsDiff(whole!, tiled!)).toBeLessThanOrEqual(1e-4);
    const [wholeOut] = await model.decode([whole!], 512, 512, { tile: 512 });
    const [tiledOut] = await model.decode([whole!], 512, 512, { tile: 100 });
    expect(maxAbsDiff(wholeOut!, tiledOut!)).toBeLessThanOrEqual(1e-4);
  });

  it('saves and loads to the same outputs', async () => {
    const spec = ARCHITECTURES['aeimg-v1']!;
    const enc = buildEncoder(spec, 1, 2);
    const dir = await tempDir();
    await saveLayersModel(enc, dir);
    const { model: loaded } = await loadLayersModel(dir);
    const x = tf.tensor4d(texture(16, 24), [1, 16, 24, 1]);
    const a = enc.predict(x) as tf.Tensor;
    const b = loaded.predict(x) as tf.Tensor;
    expect(a.shape).toEqual([1, 8, 12, 2]);
    expect(maxAbsDiff(a.dataSync(), b.dataSync())).toBe(0);
    tf.dispose([x, a, b]);
    enc.dispose();
    loaded.dispose();
    const dec = buildDecoder(spec, 1, 2);
    expect(dec.outputs[0]!.shape).toEqual([null, null, null, 1]);
    dec.dispose();
  });

  it('matches PyTorch on the same weights within 1e-4 (the shipped weights were trained there)', async () => {
    const ref = JSON.parse(readFileSync(join(FIXTURES, 'torch-reference.json'), 'utf8'));
    const model = await defaultModel();
    expect(ref.arch).toBe(model.manifest.architecture);
    const [lat] = await model.encode([Float32Array.from(ref.input)], ref.height, ref.width);
    expect(maxAbsDiff(lat!, ref.latent)).toBeLessThanOrEqual(1e-4);
    const [out] = await model.decode([Float32Array.from(ref.latent)], ref.height / 2, ref.width / 2);
    expect(maxAbsDiff(out!, ref.output)).toBeLessThanOrEqual(1e-4);
  });
});

describe('a model by reference', () => {
  it('names the same model as its loaded weights, from the manifest alone (no tensor is made)', async () => {
    const { ModelCache, DEFAULT_MODEL, loadedModel } = await import('../../../src-main/engine/model/autoencoder.js');
    await initBackend();
    const fresh = new ModelCache();
    const before = tf.memory().numTensors;
    const ref = await fresh.refByName(DEFAULT_MODEL);
    expect(tf.memory().numTensors).toBe(before);
    expect(ref.id).toBe((await defaultModel()).id);
    expect(() => loadedModel(ref)).toThrow(/by reference only/);
    await expect(fresh.refByName('no-such-model')).rejects.toThrow(/no model named 'no-such-model'/);
  });
});
